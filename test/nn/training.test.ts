/** The training loop: history and callbacks, yielding to the event loop, divergence, and misuse. */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkpoint, dense, sequential, sgd } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const X = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i)]);
const T = X.map(([a, b]) => [a * b > 0 ? 1 : 0]);
const build = (learningRate = 0.5, backend: 'wasm' | 'js' = 'wasm') => sequential({
  inputSize: 2, layers: [dense(4, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
  optimizer: sgd({ learningRate }), seed: 9, backend,
});

describe('fit', () => {
  it('resolves to the per-epoch loss history and calls onEpochEnd with 0-based epochs', async () => {
    const net = build();
    const seen: [number, number][] = [];
    const history = await net.fit(X, T, { epochs: 4, batchSize: 8, onEpochEnd: (epoch, logs) => { seen.push([epoch, logs.loss]); } });
    expect(history.epochs).toBe(4);
    expect(history.loss).toHaveLength(4);
    expect(seen.map(([e]) => e)).toEqual([0, 1, 2, 3]);
    expect(seen.map(([, l]) => l)).toEqual(history.loss);
    history.loss.forEach((loss) => expect(loss).toBeGreaterThan(0));
    net.dispose();
  });

  it('fit and fitSync train identically', async () => {
    const a = build(), b = build();
    await a.fit(X, T, { epochs: 7, batchSize: 3 });
    b.fitSync(X, T, { epochs: 7, batchSize: 3 });
    expect(a.getWeights()).toEqual(b.getWeights());
    a.dispose();
    b.dispose();
  });

  it('the epoch loss is the mean of 1/2 Σ (y - t)² over the samples (batch = all, one epoch)', () => {
    const net = build();
    const before = net.evaluate(X, T).loss;
    const history = net.fitSync(X, T, { epochs: 1, batchSize: X.length });
    expect(history.loss[0]).toBeCloseTo(before, 6);
    net.dispose();
  });

  it('yields to the event loop between batches', async () => {
    const net = build();
    const manyX = Array.from({ length: 50000 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]);
    const manyT = manyX.map(([a]) => [a > 0 ? 1 : 0]);
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    const started = performance.now();
    await net.fit(manyX, manyT, { epochs: 20, batchSize: 1 });
    const elapsed = performance.now() - started;
    clearInterval(timer);
    // fit yields about every 10 ms: a 1 ms timer gets to run many times during a 1,000,000-step fit.
    expect(ticks).toBeGreaterThan(Math.min(5, elapsed / 30));
    net.dispose();
  });

  it('refuses a second fit while one is running, then trains normally', async () => {
    const net = build();
    const first = net.fit(X, T, { epochs: 50, batchSize: 1 });
    // Both checked before the first fit's first slice ends (it may run all its epochs in one kernel call).
    expect(() => net.fitSync(X, T)).toThrow(/already training/);
    await expect(net.fit(X, T)).rejects.toThrow(/already training/);
    await first;
    expect(net.fitSync(X, T).epochs).toBe(1);
    net.dispose();
  });

  it('stops when the network is disposed mid-fit', async () => {
    const net = build();
    const manyX = Array.from({ length: 5000 }, (_, i) => [i % 7, i % 3]);
    const manyT = manyX.map(() => [0.5]);
    const running = net.fit(manyX, manyT, { epochs: 100, batchSize: 1 });
    setTimeout(() => net.dispose(), 5);
    await expect(running).rejects.toThrow(/disposed during training/);
  });

  it('accepts row-major Float32Arrays', () => {
    const net = build();
    const flatX = new Float32Array(X.flat()), flatT = new Float32Array(T.flat());
    const twin = build();
    net.fitSync(flatX, flatT, { epochs: 3, batchSize: 5 });
    twin.fitSync(X, T, { epochs: 3, batchSize: 5 });
    expect(net.getWeights()).toEqual(twin.getWeights());
    const out = net.predict(flatX);
    expect(out).toBeInstanceOf(Float32Array);
    expect(Array.from(out)).toEqual(twin.predict(X).flat());
    net.dispose();
    twin.dispose();
  });

  it('predicts more rows than one chunk, row by row the same as one at a time', () => {
    const net = build();
    const rows = Array.from({ length: 2500 }, (_, i) => [Math.sin(i * 0.1), i / 2500]);
    const all = net.predict(rows);
    [0, 1023, 1024, 2048, 2499].forEach((i) => expect(all[i]).toEqual(net.predict([rows[i]])[0]));
    net.dispose();
  });
});

describe.each(['wasm', 'js'] as const)('divergence (%s backend)', (backend) => {
  it('stops with a clear error and keeps the weights of the last finite step', () => {
    // Plain linear regression on one sample with far too large a step: |w| grows ×30 each step until it overflows.
    const make = () => sequential({ inputSize: 1, layers: [dense(1)], optimizer: sgd({ learningRate: 500 }), seed: 2, backend });
    const net = make();
    let message = '';
    try {
      net.fitSync([[1]], [[1]], { epochs: 1000, batchSize: 1, shuffle: false });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/training diverged in epoch (\d+)/);
    expect(message).toMatch(/NaN or Infinity/);
    expect(message).toMatch(/learningRate/);
    const failedEpoch = Number(/epoch (\d+)/.exec(message)![1]);
    expect(failedEpoch).toBeGreaterThan(5);
    const weights = net.getWeights();
    weights.flatMap((l) => [...l.weights.flat(), ...l.bias]).forEach((w) => expect(Number.isFinite(w)).toBe(true));
    // Exactly the weights after the last step that was applied.
    const replay = make();
    replay.fitSync([[1]], [[1]], { epochs: failedEpoch - 1, batchSize: 1, shuffle: false });
    expect(weights).toEqual(replay.getWeights());
    net.dispose();
    replay.dispose();
  });
});

describe('predict into a caller-owned buffer', () => {
  it('writes one sample\'s outputs into `out`, allocates no linear memory, and checks `out`', () => {
    const net = build();
    const x = new Float32Array([0.25, -0.5]);
    const out = new Float32Array(1);
    const twin = net.predict(x);
    expect(net.predict(x, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(twin));
    expect(() => net.predict(x, new Float32Array(2))).toThrow(/out must be a Float32Array of 1 values/);
    expect(() => net.predict([[0.25, -0.5]] as never, out)).toThrow(/out must be absent unless inputs is a Float32Array/);
    net.dispose();
  });
});

describe('gradient health', () => {
  it('reports each layer\'s gradient norm per epoch: ‖∂L/∂(W, b)‖ of the measured batches', () => {
    const net = build(0.5);
    const grads = net.gradients(X, T);
    const logs: number[][] = [];
    const history = net.fitSync(X, T, { epochs: 1, batchSize: X.length, onEpochEnd: (_, l) => { logs.push(l.gradientNorms!); } });
    const expected = grads.map((layer) => Math.sqrt([...layer.weights.flat(), ...layer.bias].reduce((s, g) => s + g * g, 0)));
    expect(logs[0]).toHaveLength(2);
    logs[0].forEach((norm, l) => expect(norm).toBeCloseTo(expected[l], 6));
    expect(history.gradientNorms).toEqual(logs);
    expect(net.fitSync(X, T, { gradientNorms: false }).gradientNorms).toBeUndefined();
    net.dispose();
  });

  it.each(['wasm', 'js'] as const)('warns once, clearly, when gradients vanish through a deep sigmoid stack (%s)', (backend) => {
    const net = sequential({
      inputSize: 4, layers: [...Array.from({ length: 14 }, () => dense(6, { activation: 'sigmoid' })), dense(1, { activation: 'sigmoid' })],
      optimizer: sgd({ learningRate: 0.1 }), seed: 3, backend,
    });
    const x = Array.from({ length: 16 }, (_, i) => [Math.sin(i), Math.cos(i), i / 16, 1 - i / 16]);
    const t = x.map(([a]) => [a > 0 ? 1 : 0]);
    const warnings: string[] = [];
    const history = net.fitSync(x, t, { epochs: 3, batchSize: 4, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/vanishing gradients in epoch 1: layer 0's gradient norm .* is below 1e-7 of the largest \(layer 14/);
    const [first] = history.gradientNorms!;
    expect(first[0] / Math.max(...first)).toBeLessThan(1e-7);
    net.dispose();
  });

  it.each(['wasm', 'js'] as const)('warns once, clearly, when very large weights make gradients explode (%s)', (backend) => {
    const net = sequential({ inputSize: 3, layers: [dense(4), dense(4), dense(4), dense(1)], optimizer: sgd({ learningRate: 1e-12 }), seed: 1, backend });
    net.setWeights(net.getWeights().map((layer) => ({ weights: layer.weights.map((row) => row.map((w) => Math.sign(w) * 20)), bias: layer.bias })));
    const warnings: string[] = [];
    net.fitSync([[1, 0.5, -0.5], [0.2, 0.1, 0.3]], [[0], [1]], { epochs: 4, batchSize: 1, onWarning: (m) => warnings.push(m) });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/exploding gradients in epoch 1: layer \d's gradient norm .* exceeds 1000 \(options.explodingGradientThreshold\)/);
    net.dispose();
  });

  it('checks its options', () => {
    const net = build();
    expect(() => net.fitSync(X, T, { explodingGradientThreshold: 0 })).toThrow(/options.explodingGradientThreshold must be a positive finite number/);
    expect(() => net.fitSync(X, T, { gradientNorms: 'yes' as never })).toThrow(/options.gradientNorms must be true or false/);
    net.dispose();
  });
});

describe('an error that ends a run carries the epochs done; promises from hooks', () => {
  // A new error each time: the history goes onto the error object, once.
  let fail = new Error('stop here');
  beforeEach(() => { fail = new Error('stop here'); });
  const caught = async (run: () => unknown): Promise<Error & { history?: { epochs: number; loss: number[] } }> => {
    try {
      await run();
    } catch (error) {
      return error as Error & { history?: { epochs: number; loss: number[] } };
    }
    throw new Error('expected the run to fail');
  };

  it.each(['fit', 'fitSync'] as const)('%s: a throwing onEpochEnd rejects with its own error, error.history holding the epochs done', async (method) => {
    const net = build();
    const error = await caught(() => net[method](X, T, { epochs: 10, batchSize: 8, onEpochEnd: (epoch) => { if (epoch === 2) throw fail; } }));
    expect(error).toBe(fail);
    expect(error.history!.epochs).toBe(3);
    expect(error.history!.loss).toHaveLength(3);
    expect(net.epochsTrained).toBe(3);
    net.dispose();
  });

  it('error.history keeps a validation loss past float32 as Infinity, as the logs had it (a JSON copy made it null)', async () => {
    const net = sequential({ inputSize: 2, layers: [dense(3, { activation: 'linear' }), dense(1, { activation: 'linear' })],
      optimizer: sgd({ learningRate: 0.01 }), seed: 1 });
    // 3e38 is a float32, but 3e38 times a weight, squared, is not: the validation loss overflows while training stays finite.
    const seen: number[] = [];
    const error = await caught(() => net.fit(X, T, { epochs: 3, validationData: [[[3e38, 3e38]], [[0]]],
      onEpochEnd: (epoch, logs) => { seen.push(logs.valLoss!); if (epoch === 1) throw fail; } }));
    expect(error).toBe(fail);
    expect(seen).toEqual([Infinity, Infinity]);
    expect((error.history as { valLoss?: number[] }).valLoss).toEqual([Infinity, Infinity]);
    expect(error.history!.loss.every(Number.isFinite)).toBe(true);
    net.dispose();
  });

  it('fitDataset: a throwing callback object rejects with its error and the history of the epochs done', async () => {
    const net = build();
    const batches = [{ xs: X.slice(0, 20), ys: T.slice(0, 20) }, { xs: X.slice(20), ys: T.slice(20) }];
    const error = await caught(() => net.fitDataset(batches, { epochs: 5, callbacks: [{ onEpochEnd: (epoch) => { if (epoch === 1) throw fail; } }] }));
    expect(error).toBe(fail);
    expect(error.history!.epochs).toBe(2);
    net.dispose();
  });

  it('a checkpoint that cannot be written rejects with WASMGRAD_IO and the history so far', async () => {
    const net = build();
    const error = await caught(() => net.fit(X, T, { epochs: 4, batchSize: 8, callbacks: [checkpoint('/nonexistent-dir/wasmgrad/model.wgm', { every: 2 })] }));
    expect((error as { code?: string }).code).toBe('WASMGRAD_IO');
    expect(error.history!.epochs).toBe(2);
    net.dispose();
  });

  it('fitSync refuses a hook that returns a promise, naming it; the promise\'s rejection is handled', async () => {
    for (const options of [
      { onEpochEnd: async () => { throw fail; } },
      { onBatchEnd: async () => { throw fail; } },
      { onTrainEnd: async () => { throw fail; } },
      { callbacks: [{ onEpochEnd: async () => { throw fail; } }] },
    ]) {
      const net = build();
      const error = await caught(() => net.fitSync(X, T, { epochs: 2, batchSize: 8, ...options }));
      expect((error as { code?: string }).code).toBe('WASMGRAD_INVALID_ARGUMENT');
      expect(error.message).toMatch(/(options\.onEpochEnd|options\.onBatchEnd|options\.onTrainEnd|options\.callbacks\[0\]\.onEpochEnd) returned a promise, which fitSync cannot wait for: use fit/);
      net.dispose();
    }
    // An unhandled rejection would fail this file; give the rejected promises a turn.
    await new Promise((resolve) => setTimeout(resolve, 10));
  });

  it('fit awaits a promise from onBatchEnd, and rejects with its rejection', async () => {
    const net = build();
    let settled = 0;
    const history = await net.fit(X, T, {
      epochs: 2, batchSize: 8,
      onBatchEnd: () => new Promise<void>((resolve) => setTimeout(() => { settled++; resolve(); }, 1)),
    });
    expect(history.epochs).toBe(2);
    expect(settled).toBe(10); // 5 batches per epoch, every promise settled before fit resolved
    const error = await caught(() => net.fit(X, T, { epochs: 3, batchSize: 8, onBatchEnd: async (batch) => { if (batch === 3) throw fail; } }));
    expect(error).toBe(fail);
    expect(error.history!.epochs).toBeLessThan(3);
    net.dispose();
  });

  it('fitDataset awaits a promise from onBatchEnd before the next batch', async () => {
    const net = build();
    const log: string[] = [];
    const source = function* () {
      for (let b = 0; b < 3; b++) {
        log.push(`read ${b}`);
        yield { xs: X.slice(b * 10, b * 10 + 10), ys: T.slice(b * 10, b * 10 + 10) };
      }
    };
    await net.fitDataset(source, {
      epochs: 1,
      onBatchEnd: (batch) => new Promise<void>((resolve) => setTimeout(() => { log.push(`done ${batch}`); resolve(); }, 1)),
    });
    expect(log).toEqual(['read 0', 'done 0', 'read 1', 'done 1', 'read 2', 'done 2']);
    net.dispose();
  });
});

describe('onTrainError, and a context kept past its run', () => {
  it('onTrainError gets the run\'s error (with its history) once, before fit rejects; its own throw is ignored; not called on success', async () => {
    const net = build();
    const seen: unknown[] = [];
    const fail = new Error('in epoch 2');
    const callback = {
      onEpochEnd: (epoch: number) => { if (epoch === 1) throw fail; },
      onTrainError: (error: unknown) => { seen.push((error as { history?: { epochs: number } }).history?.epochs); throw new Error('ignored'); },
    };
    await expect(net.fit(X, T, { epochs: 5, batchSize: 8, callbacks: [callback] })).rejects.toBe(fail);
    expect(() => net.fitSync(X, T, { epochs: 5, batchSize: 8, callbacks: [callback] })).toThrow(fail);
    expect(seen).toEqual([2, 2]);
    const calls: string[] = [];
    await net.fit(X, T, { epochs: 2, batchSize: 8, callbacks: [{ onTrainError: () => { calls.push('error'); } }] });
    expect(calls).toEqual([]);
    net.dispose();
  });

  it('a progress bar on a terminal ends its line when the fit rejects', async () => {
    const net = build();
    const written: string[] = [];
    const stream = { isTTY: true, write: (text: string) => { written.push(text); return true; } };
    await expect(net.fit(X, T, { epochs: 50, batchSize: 8, progress: { stream }, onEpochEnd: (epoch) => { if (epoch === 3) throw new Error('stop'); } }))
      .rejects.toThrow('stop');
    expect(written.length).toBeGreaterThan(1);
    expect(written[written.length - 1]).toBe('\n');
    net.dispose();
  });

  it('fitDataset calls onTrainError too (a hook that disposes the network included), and its kept context refuses the multiplier', async () => {
    const batches = [{ xs: X.slice(0, 20), ys: T.slice(0, 20) }, { xs: X.slice(20), ys: T.slice(20) }];
    const seen: [unknown, number | undefined][] = [];
    let kept: { learningRateMultiplier: number } | undefined;
    const onTrainError = (error: unknown) => { seen.push([error, (error as { history?: { epochs: number } }).history?.epochs]); };
    const fail = new Error('in epoch 2');
    const net = build();
    const callback = { onTrainBegin: (context: { learningRateMultiplier: number }) => { kept = context; },
      onEpochEnd: (epoch: number) => { if (epoch === 1) throw fail; }, onTrainError };
    await expect(net.fitDataset(batches, { epochs: 5, callbacks: [callback] })).rejects.toBe(fail);
    expect(seen).toEqual([[fail, 2]]);
    expect(() => { kept!.learningRateMultiplier = 0.5; }).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/after its run ended/) }));
    expect(net.learningRateMultiplier).toBe(1);
    // A hook that disposes the network ends the run; onTrainError still gets that error, with the epoch done.
    seen.length = 0;
    const disposing = build();
    const error: Error = await disposing.fitDataset(batches, { epochs: 5, callbacks: [{ onEpochEnd: () => disposing.dispose(), onTrainError }] })
      .then(() => { throw new Error('fitDataset resolved'); }, (e: Error) => e);
    expect(error.message).toMatch(/dispose/);
    expect(seen).toEqual([[error, 1]]);
    net.dispose();
  });

  it('setting context.learningRateMultiplier after the run ended is refused, and the network keeps its multiplier', async () => {
    const net = build();
    let kept: { learningRateMultiplier: number } | undefined;
    await net.fit(X, T, { epochs: 1, batchSize: 8, callbacks: [{ onTrainBegin: (context) => { kept = context; } }] });
    expect(() => { kept!.learningRateMultiplier = 0.5; }).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/after its run ended/) }));
    expect(net.learningRateMultiplier).toBe(1);
    net.dispose();
  });
});
