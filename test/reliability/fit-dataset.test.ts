/**
 * fitDataset, stopping and callbacks off the happy path: sources that reuse
 * their buffers, fail mid-epoch or hold resources; a bad batch's weights;
 * stopTraining from onTrainEnd; a checkpoint that cannot be written;
 * reduceLROnPlateau's floor above the rate. The expected weights come from
 * fitSync (another loop, resident data) over the same samples in the same
 * batches, shuffling off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkpoint, dense, reduceLROnPlateau, sequential, sgd, type DatasetBatch, type History, type Network,
} from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { runtime } from '../../src/runtime.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const BACKENDS: BackendName[] = ['wasm', 'js'];
const plain = { shuffle: false, gradientNorms: false } as const;

function samples(n: number, seed: number): [number[][], number[][]] {
  const random = new Random(seed);
  const x = Array.from({ length: n }, () => [random.uniform(-1, 1), random.uniform(-1, 1)]);
  return [x, x.map(([a, b]) => [a * b > 0 ? 0.9 : 0.1])];
}

const make = (backend: BackendName): Network => sequential({
  inputSize: 2, layers: [dense(4, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 5, backend,
});
const state = (net: Network) => JSON.stringify(net.toJSON());

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; history?: History }> {
  return promise.then(() => { throw new Error('expected a rejection'); }, (e) => e);
}

describe.each(BACKENDS)('fitDataset off the happy path (%s backend)', (backend) => {
  const [x, t] = samples(12, 7);

  it('a source whose batches are views into one buffer it overwrites for the next batch trains as fitSync', async () => {
    const xs = new Float32Array(8), ys = new Float32Array(4);
    function* views(): Generator<DatasetBatch> {
      for (let i = 0; i < 12; i += 4) {
        xs.set(x.slice(i, i + 4).flat());
        ys.set(t.slice(i, i + 4).flat());
        yield { xs, ys };
      }
      xs.fill(Number.NaN); // after the last batch too: nothing of it may be read later
    }
    const net = make(backend), reference = make(backend);
    const history = await net.fitDataset(views, { epochs: 3 });
    expect(history.loss).toEqual(reference.fitSync(x, t, { ...plain, epochs: 3, batchSize: 4 }).loss);
    expect(state(net)).toBe(state(reference));
    net.dispose();
    reference.dispose();
  });

  it('a ragged batch rejects naming it, with the weights after the last good batch; the source is closed and the network trains again', async () => {
    let closed = 0;
    function* source(): Generator<DatasetBatch> {
      try {
        yield { xs: x.slice(0, 4), ys: t.slice(0, 4) };
        yield { xs: x.slice(4, 8), ys: t.slice(4, 8) };
        yield { xs: [[1, 2], [3]], ys: [[0], [1]] };
        yield { xs: x.slice(8), ys: t.slice(8) };
      } finally {
        closed++;
      }
    }
    const net = make(backend), reference = make(backend);
    const blocks = runtime().heap.liveBlocks;
    const error = await rejection(net.fitDataset(source, { epochs: 2 }));
    expect(error.code).toBe('WASMGRAD_SHAPE');
    expect(error.message).toMatch(/batch 2 of epoch 1: xs\[1\] has 1 values, expected 2/);
    reference.fitSync(x.slice(0, 8), t.slice(0, 8), { ...plain, epochs: 1, batchSize: 4 });
    expect(JSON.stringify(net.getWeights())).toBe(JSON.stringify(reference.getWeights()));
    expect(closed).toBe(1);
    expect(runtime().heap.liveBlocks).toBe(blocks);
    await net.fitDataset([{ xs: x, ys: t }]);
    net.dispose();
    reference.dispose();
  });

  it('a source that throws mid-epoch: its own error reaches the caller unchanged, with the weights after the last good batch', async () => {
    const boom = new Error('disk gone');
    async function* source(): AsyncGenerator<DatasetBatch> {
      yield { xs: x.slice(0, 6), ys: t.slice(0, 6) };
      throw boom;
    }
    const net = make(backend), reference = make(backend);
    expect(await rejection(net.fitDataset(source, { epochs: 3 }))).toBe(boom);
    reference.fitSync(x.slice(0, 6), t.slice(0, 6), { ...plain, epochs: 1, batchSize: 6 });
    expect(JSON.stringify(net.getWeights())).toBe(JSON.stringify(reference.getWeights()));
    expect(net.epochsTrained).toBe(0); // an epoch cut short is not counted
    net.dispose();
    reference.dispose();
  });

  it('a reusable iterable whose iterators hold a resource: every iterator opened is closed (none is opened to tell one-shot sources apart)', async () => {
    let opened = 0, closed = 0;
    const list = [{ xs: x.slice(0, 6), ys: t.slice(0, 6) }, { xs: x.slice(6), ys: t.slice(6) }];
    const source = {
      [Symbol.iterator](): Iterator<DatasetBatch> {
        opened++; // a file handle, a database cursor
        let i = 0;
        return {
          next: () => (i < list.length ? { value: list[i++], done: false } : { value: undefined, done: true }),
          return: () => { closed++; return { value: undefined, done: true }; },
        };
      },
    };
    const net = make(backend);
    await net.fitDataset(source, { epochs: 3 });
    expect([opened, closed]).toEqual([3, 3]);
    net.dispose();
  });

  it('stopTraining() from onTrainEnd (a callback\'s or the option) does nothing, and the next run of each kind runs in full', async () => {
    const net = make(backend);
    const stop = () => net.stopTraining();
    const first = await net.fitDataset([{ xs: x, ys: t }], { epochs: 2, onTrainEnd: stop, callbacks: [{ onTrainEnd: stop }] });
    expect(first.stopReason).toBe('completed');
    expect((await net.fitDataset([{ xs: x, ys: t }], { epochs: 2 })).epochs).toBe(2);
    await net.fit(x, t, { epochs: 2, onTrainEnd: stop });
    expect(net.fitSync(x, t, { epochs: 2 })).toMatchObject({ epochs: 2, stopReason: 'completed' });
    net.fitSync(x, t, { epochs: 1, callbacks: [{ onTrainEnd: stop }] });
    expect(await net.fit(x, t, { epochs: 2 })).toMatchObject({ epochs: 2, stopReason: 'completed' });
    net.dispose();
  });

  it('stopTraining() from onTrainBegin stops before the first batch: an empty history, the weights as they were, the source never read', async () => {
    const net = make(backend);
    const before = state(net);
    let reads = 0;
    function* source(): Generator<DatasetBatch> { reads++; yield { xs: x, ys: t }; }
    const history = await net.fitDataset(source, { epochs: 3, callbacks: [{ onTrainBegin: () => net.stopTraining() }] });
    expect(history).toMatchObject({ epochs: 0, loss: [], stopReason: 'aborted' });
    expect(state(net)).toBe(before);
    expect(reads).toBe(0);
    net.dispose();
  });
});

describe('stopping fitDataset', () => {
  const [x, t] = samples(16, 9);
  const halves = () => [{ xs: x.slice(0, 8), ys: t.slice(0, 8) }, { xs: x.slice(8), ys: t.slice(8) }].values();

  it('an abort with earlyStopping.restoreBestWeights puts back the weights of the epoch with the lowest validation loss', async () => {
    const net = sequential({
      inputSize: 2, layers: [dense(4, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 3, momentum: 0.9 }), seed: 4,
    });
    const controller = new AbortController();
    const snapshots: string[] = [], valLosses: number[] = [];
    const history = await net.fitDataset(halves, {
      epochs: 20, validationData: [x, t], earlyStopping: { patience: 100, restoreBestWeights: true }, signal: controller.signal,
      onEpochEnd: (epoch, logs) => {
        snapshots.push(JSON.stringify(net.getWeights()));
        valLosses.push(logs.valLoss as number);
        // Stop at the first epoch worse than an earlier one, so that restoring must change the weights.
        if (epoch >= 2 && (logs.valLoss as number) > Math.min(...valLosses.slice(0, -1))) controller.abort();
      },
    });
    expect(history).toMatchObject({ epochs: snapshots.length, stopReason: 'aborted' });
    const best = valLosses.indexOf(Math.min(...valLosses));
    expect(best).toBeLessThan(snapshots.length - 1);
    expect(JSON.stringify(net.getWeights())).toBe(snapshots[best]);
    net.dispose();
  });

  it('an endless source with a huge epoch count stops soon after the abort, sync or async, and the iterator is closed', async () => {
    const net = make('wasm');
    let closed = 0;
    function* endless(): Generator<DatasetBatch> {
      try { for (;;) yield { xs: x, ys: t }; } finally { closed++; }
    }
    async function* slow(): AsyncGenerator<DatasetBatch> {
      try { for (;;) { await new Promise((r) => setTimeout(r, 1)); yield { xs: x, ys: t }; } } finally { closed++; }
    }
    for (const source of [endless(), slow()]) {
      const controller = new AbortController();
      const started = performance.now();
      setTimeout(() => controller.abort(), 20);
      const history = await net.fitDataset(source, { epochs: 1e9, batchesPerEpoch: 5, signal: controller.signal });
      expect(history.stopReason).toBe('aborted');
      expect(performance.now() - started).toBeLessThan(2000); // 20 ms plus a batch, with room for a loaded machine
    }
    expect(closed).toBe(2);
    net.dispose();
  });

  it('an abort from the last batch of an epoch ends a whole epoch, which counts, as in fit (history, epochsTrained, onEpochEnd)', async () => {
    const quarters = () => [0, 4, 8, 12].map((i) => ({ xs: x.slice(i, i + 4), ys: t.slice(i, i + 4) })).values();
    const net = make('wasm'), reference = make('wasm');
    const ends: number[] = [], referenceEnds: number[] = [];
    let batches = 0;
    const history = await net.fitDataset(quarters, {
      epochs: 5, onBatchEnd: () => { if (++batches === 8) net.stopTraining(); }, onEpochEnd: (epoch) => { ends.push(epoch); },
    });
    batches = 0;
    const expected = await reference.fit(x, t, {
      ...plain, epochs: 5, batchSize: 4, onBatchEnd: () => { if (++batches === 8) reference.stopTraining(); }, onEpochEnd: (epoch) => { referenceEnds.push(epoch); },
    });
    expect(expected).toMatchObject({ epochs: 2, stopReason: 'aborted' });
    expect(history).toEqual(expected);
    expect(ends).toEqual(referenceEnds);
    expect(net.epochsTrained).toBe(2);
    expect(state(net)).toBe(state(reference));
    net.dispose();
    reference.dispose();
  });

  it.each(BACKENDS)('an abort at a random moment (a timer) leaves the weights after the last whole batch, as fitSync stopped after as many batches (%s backend)', async (backend) => {
    const net = make(backend), reference = make(backend);
    function* source(): Generator<DatasetBatch> {
      for (let i = 0; i < 16; i += 4) yield { xs: x.slice(i, i + 4), ys: t.slice(i, i + 4) };
    }
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 15);
    let trained = 0;
    const history = await net.fitDataset(source, { epochs: 1e9, signal: controller.signal, onBatchEnd: () => { trained++; } });
    expect(history.stopReason).toBe('aborted');
    let batches = 0;
    const expected = reference.fitSync(x, t, {
      ...plain, epochs: 1e9, batchSize: 4, onBatchEnd: () => { if (++batches === trained) reference.stopTraining(); },
    });
    // An epoch cut short is not in the history; one whose 4 batches all trained is, also when the abort came before its end was seen.
    expect(history.epochs).toBe(Math.floor(trained / 4));
    expect(history.loss).toEqual(expected.loss);
    expect(net.epochsTrained).toBe(reference.epochsTrained);
    expect(state(net)).toBe(state(reference));
    net.dispose();
    reference.dispose();
  });

  it('stopTraining() stops only its own network: a second network training at the same time runs in full', async () => {
    const a = make('wasm'), b = make('js');
    const runs = [a.fitDataset(halves, { epochs: 30, onEpochEnd: (epoch) => { if (epoch === 2) a.stopTraining(); } }), b.fitDataset(halves, { epochs: 30 })];
    const [ha, hb] = await Promise.all(runs);
    expect(ha).toMatchObject({ epochs: 3, stopReason: 'aborted' });
    expect(hb).toMatchObject({ epochs: 30, stopReason: 'completed' });
    a.dispose();
    b.dispose();
  });
});

describe('callbacks off the happy path', () => {
  const [x, t] = samples(12, 8);
  let dir = '';
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'wasmgrad-reliability-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a checkpoint path in a directory that does not exist: fit and fitDataset reject with WASMGRAD_IO after the first epoch, whose weights they keep; nothing leaks', async () => {
    const path = join(dir, 'missing', 'model.wgm');
    for (const run of ['fit', 'fitDataset'] as const) {
      const bytes = runtime().heap.liveBytes;
      const net = make('wasm'), reference = make('wasm');
      const options = { epochs: 3, callbacks: [checkpoint(path)] };
      const error = await rejection(run === 'fit'
        ? net.fit(x, t, { ...options, ...plain, batchSize: 4 })
        : net.fitDataset([{ xs: x.slice(0, 4), ys: t.slice(0, 4) }, { xs: x.slice(4, 8), ys: t.slice(4, 8) }, { xs: x.slice(8), ys: t.slice(8) }], options));
      expect(error.code).toBe('WASMGRAD_IO');
      expect(error.message).toMatch(/missing/);
      reference.fitSync(x, t, { ...plain, epochs: 1, batchSize: 4 });
      expect(state(net)).toBe(state(reference));
      expect(net.epochsTrained).toBe(1);
      expect((await net.fit(x, t, { epochs: 1 })).epochs).toBe(1); // not left busy
      net.dispose();
      reference.dispose();
      expect(runtime().heap.liveBytes).toBe(bytes);
    }
  });

  it('reduceLROnPlateau with minLearningRate above the current rate never raises it or reduces it, and says nothing', async () => {
    const net = make('wasm');
    const reduced: number[] = [], rates: number[] = [];
    await net.fit(x, t, {
      epochs: 6,
      callbacks: [
        reduceLROnPlateau({ patience: 0, minDelta: 100, minLearningRate: 5, onReduce: (_e, rate) => reduced.push(rate) }),
        { onEpochEnd: (_e, _l, context) => { rates.push(context.learningRate); } },
      ],
    });
    expect(reduced).toEqual([]);
    expect(rates).toEqual(Array(6).fill(0.5));
    expect(net.learningRateMultiplier).toBe(1);
    net.dispose();
  });

  it('reduceLROnPlateau stops at minLearningRate exactly, then stays there', () => {
    const net = make('js');
    const rates: number[] = [];
    net.fitSync(x, t, {
      epochs: 5,
      callbacks: [
        reduceLROnPlateau({ patience: 0, minDelta: 100, factor: 0.1, minLearningRate: 0.02 }),
        { onEpochEnd: (_e, _l, context) => { rates.push(context.learningRate); } },
      ],
    });
    // The first epoch improves on nothing; then 0.5 → 0.05 → max(0.005, 0.02) = 0.02 → 0.02, each after an epoch without improvement.
    expect(rates.map((r) => Number(r.toPrecision(12)))).toEqual([0.5, 0.05, 0.02, 0.02, 0.02]);
    net.dispose();
  });
});
