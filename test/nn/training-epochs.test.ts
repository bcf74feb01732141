/**
 * Many epochs per kernel call (src/nn/training.ts, mlpTrainEpochs): a fit
 * with nothing to do between epochs runs them together, and must train
 * exactly as the epoch-per-call path does (forced here by an onEpochEnd that
 * does nothing): the same weights, optimizer state, step and epoch counts,
 * loss history and gradient norms, bit for bit, and the same next fit (the
 * shuffle generator's state). Also: async fit equals fitSync and yields,
 * disposal between slices, and the gradient norms' schedule.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { adam, dense, fromJSON, reduceLROnPlateau, sequential, sgd, type FitOptions, type History, type Network, type SequentialConfig } from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { NORM_BATCHES, NORM_BUDGET, normPeriod } from '../../src/nn/fit-options.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild, randomSamples as samples } from '../helpers.js';

beforeAll(initFromBuild);
afterEach(() => { vi.restoreAllMocks(); });

const BACKENDS: BackendName[] = ['wasm', 'js'];

/** Everything a network's state is: weights, optimizer state, step and epoch (toJSON holds them as float32 bits). */
const state = (net: Network) => JSON.stringify(net.toJSON());

/** Counts mlpTrainEpochs calls on a backend (the network calls its backend's kernels through this object). */
const countEpochCalls = (backend: BackendName) => vi.spyOn(runtime().backends[backend], 'mlpTrainEpochs');

const caught = (f: () => unknown): Error & { code?: string } => {
  try {
    f();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a throw');
};

/**
 * Two fits on twin networks, one with nothing between epochs and one with an
 * onEpochEnd that does nothing (the epoch-per-call path), then a second fit
 * on each (which goes on from the shuffle generator's state, the epoch count
 * and the step count); every state and history must agree.
 */
function expectSamePaths(config: SequentialConfig, x: number[][], t: number[][], options: FitOptions) {
  const together = sequential(config), perEpoch = sequential(config);
  const calls = countEpochCalls(config.backend ?? 'wasm');
  const histories: [History, History][] = [];
  for (let fit = 0; fit < 2; fit++) {
    const before = calls.mock.calls.length;
    const a = together.fitSync(x, t, options);
    const used = calls.mock.calls.length - before;
    const b = perEpoch.fitSync(x, t, { ...options, onEpochEnd: () => {} });
    expect(calls.mock.calls.length - before - used, 'the per-epoch path never runs epochs together').toBe(0);
    expect(used, 'the fit without callbacks runs epochs together').toBeGreaterThan(0);
    expect(a).toEqual(b);
    expect(state(together)).toBe(state(perEpoch));
    histories.push([a, b]);
  }
  expect(together.epochsTrained).toBe(2 * options.epochs!);
  const json = together.toJSON();
  together.dispose();
  perEpoch.dispose();
  return { histories, json };
}

describe('epochs run together train bit for bit as one epoch per kernel call', () => {
  for (const backend of BACKENDS) {
    for (const shuffle of [true, false]) {
      it(`${backend}, shuffle ${shuffle}: the W1 network on 4 samples, batch 1, 350 epochs (norms measured in epochs 0, 100, 200, 300)`, () => {
        const [x, t] = samples(4, 2, 2, 1);
        const config: SequentialConfig = {
          inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 42, backend,
        };
        const { histories, json } = expectSamePaths(config, x, t, { epochs: 350, batchSize: 1, shuffle });
        const [[history]] = histories;
        expect(history.loss).toHaveLength(350);
        expect(history.gradientNormEpochs).toEqual([0, 100, 200, 300]);
        expect(json.optimizerState.step).toBe(2 * 350 * 4);
        expect(history.loss.at(-1)).toBeLessThan(history.loss[0]);
      });
    }

    it(`${backend}: a learning-rate schedule (exponential), 5 samples in batches of 2`, () => {
      const [x, t] = samples(5, 2, 2, 2);
      const config: SequentialConfig = {
        inputSize: 2, layers: [dense(3, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })],
        optimizer: sgd({ learningRate: 0.5, schedule: { type: 'exponential', factor: 0.995 } }), seed: 7, backend,
      };
      expectSamePaths(config, x, t, { epochs: 250, batchSize: 2 });
    });

    it(`${backend}: a step schedule with momentum, 6 samples in one batch`, () => {
      const [x, t] = samples(6, 3, 1, 3);
      const config: SequentialConfig = {
        inputSize: 3, layers: [dense(4, { activation: 'relu' }), dense(1, { activation: 'linear' })],
        optimizer: sgd({ learningRate: 0.05, momentum: 0.9, schedule: { type: 'step', every: 30, factor: 0.5 } }), seed: 8, backend,
      };
      expectSamePaths(config, x, t, { epochs: 210, batchSize: 6 });
    });

    it(`${backend}: Adam (its moments and bias correction), 6 samples in batches of 3`, () => {
      const [x, t] = samples(6, 3, 2, 4);
      const config: SequentialConfig = {
        inputSize: 3, layers: [dense(5, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })], optimizer: adam({ learningRate: 0.01 }), seed: 9, backend,
      };
      const { json } = expectSamePaths(config, x, t, { epochs: 230, batchSize: 3 });
      expect(json.optimizerState.state1).toBeDefined();
    });

    it(`${backend}: gradient norms off, over more epochs than one call holds (4096)`, () => {
      const [x, t] = samples(3, 2, 2, 5);
      const config: SequentialConfig = {
        inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 10, backend,
      };
      const { histories } = expectSamePaths(config, x, t, { epochs: 4500, batchSize: 1, gradientNorms: false });
      expect(histories[0][0].gradientNorms).toBeUndefined();
    });

    it(`${backend}: a learning-rate multiplier (reduceLROnPlateau's, restored from a file) times a schedule, on both paths, as the product rate`, () => {
      const [x, t] = samples(6, 2, 2, 12);
      const config = (learningRate: number): SequentialConfig => ({
        inputSize: 2, layers: [dense(3, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })],
        optimizer: adam({ learningRate, schedule: { type: 'step', every: 20, factor: 0.5 } }), seed: 13, backend,
      });
      // 0.5 · 0.25 = 0.125 exactly: the product network's rates are the multiplied ones, bit for bit.
      const json = sequential(config(0.5)).toJSON();
      const reduced = { ...json, optimizerState: { ...json.optimizerState, learningRateMultiplier: 0.25 } };
      const together = fromJSON(reduced, { backend }), perEpoch = fromJSON(reduced, { backend }), product = sequential(config(0.125));
      const calls = countEpochCalls(backend);
      const a = together.fitSync(x, t, { epochs: 90, batchSize: 2 });
      expect(calls, 'the fit without callbacks runs epochs together').toHaveBeenCalled();
      const runs = calls.mock.calls.length;
      const b = perEpoch.fitSync(x, t, { epochs: 90, batchSize: 2, onEpochEnd: () => {} });
      const c = product.fitSync(x, t, { epochs: 90, batchSize: 2, onEpochEnd: () => {} });
      expect(calls.mock.calls.length).toBe(runs);
      expect(a).toEqual(b);
      expect(a).toEqual(c);
      const { optimizerState: sa, weights: wa } = together.toJSON();
      expect(sa.learningRateMultiplier).toBe(0.25);
      expect(JSON.stringify(wa)).toBe(JSON.stringify(perEpoch.toJSON().weights));
      expect(JSON.stringify(wa)).toBe(JSON.stringify(product.toJSON().weights));
      expect(sa.state2).toBe(product.toJSON().optimizerState.state2);
      for (const net of [together, perEpoch, product]) net.dispose();
    });

    it(`${backend}: a callback (reduceLROnPlateau) hands control back after every epoch and trains as onEpochEnd does`, () => {
      const [x, t] = samples(5, 2, 2, 14);
      const config: SequentialConfig = {
        inputSize: 2, layers: [dense(3, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.3 }), seed: 15, backend,
      };
      const withCallback = sequential(config), perEpoch = sequential(config);
      const calls = countEpochCalls(backend);
      const a = withCallback.fitSync(x, t, { epochs: 40, batchSize: 2, callbacks: [reduceLROnPlateau({ patience: 1000 })] });
      expect(calls, 'a callback disables epoch batching').not.toHaveBeenCalled();
      const b = perEpoch.fitSync(x, t, { epochs: 40, batchSize: 2, onEpochEnd: () => {} });
      expect(a).toEqual(b);
      expect(state(withCallback)).toBe(state(perEpoch));
      withCallback.dispose();
      perEpoch.dispose();
    });

    it(`${backend}: a run that diverges mid-epoch stops at the same step, with the same weights, counts and error`, () => {
      const [x, t] = samples(6, 2, 2, 6);
      const config: SequentialConfig = {
        inputSize: 2, layers: [dense(3, { activation: 'linear' }), dense(2, { activation: 'linear' })],
        optimizer: sgd({ learningRate: 0.01, schedule: { type: 'exponential', factor: 1.6 } }), seed: 11, backend,
      };
      const together = sequential(config), perEpoch = sequential(config);
      const calls = countEpochCalls(backend);
      const a = caught(() => together.fitSync(x, t, { epochs: 150, batchSize: 1 }));
      expect(calls).toHaveBeenCalled();
      const b = caught(() => perEpoch.fitSync(x, t, { epochs: 150, batchSize: 1, onEpochEnd: () => {} }));
      expect(a.code).toBe('WASMGRAD_DIVERGED');
      expect(a.message).toBe(b.message);
      // It diverged inside a run of epochs: not in a measured one (0 and 100 of 150).
      const epoch = Number(/diverged in epoch (\d+) at sample (\d+)/.exec(a.message)![1]);
      expect(epoch).toBeGreaterThan(2);
      expect((epoch - 1) % 100).not.toBe(0);
      expect(together.epochsTrained).toBe(epoch - 1);
      expect(state(together)).toBe(state(perEpoch));
      together.dispose();
      perEpoch.dispose();
    });
  }
});

describe('async fit', () => {
  for (const [backend, epochs] of [['wasm', 100_000], ['js', 5_000]] as const) {
    it(`${backend}: equals fitSync bit for bit and hands control back while it trains (${epochs} epochs of 4 samples)`, async () => {
      const [x, t] = samples(4, 2, 2, 1);
      const config: SequentialConfig = {
        inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 42, backend,
      };
      const a = sequential(config), b = sequential(config);
      let ticks = 0, running = true;
      const tick = () => { if (running) { ticks++; setImmediate(tick); } };
      setImmediate(tick);
      const started = performance.now();
      const history = await a.fit(x, t, { epochs, batchSize: 1 });
      const elapsed = performance.now() - started;
      running = false;
      expect(history).toEqual(b.fitSync(x, t, { epochs, batchSize: 1 }));
      expect(state(a)).toBe(state(b));
      // About one yield per 10 ms of training (a loaded machine may stretch slices, never remove them).
      if (elapsed > 40) expect(ticks).toBeGreaterThan(1);
      a.dispose();
      b.dispose();
    });
  }

  it('disposing the network between slices rejects with WASMGRAD_DISPOSED, frees the run\'s memory and writes nothing elsewhere', async () => {
    const [x, t] = samples(4, 2, 2, 1);
    const config: SequentialConfig = {
      inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 42,
    };
    const victim = sequential(config);
    const liveBlocks = runtime().heap.liveBlocks;
    let squatter: Network | null = null;
    let squatterState = '';
    const pending = victim.fit(x, t, { epochs: 10_000_000, batchSize: 1 });
    setImmediate(() => {
      victim.dispose();
      squatter = sequential({ ...config, seed: 43 }); // may take the victim's freed block
      squatterState = state(squatter);
    });
    const error = await pending.then(() => null, (e: Error & { code?: string }) => e);
    expect(error?.code).toBe('WASMGRAD_DISPOSED');
    expect(error?.message).toMatch(/Network.fit: the network was disposed during training/);
    expect(state(squatter!)).toBe(squatterState);
    // The victim's block went back at dispose, the run's data and scratch blocks at the end; the squatter's is new.
    expect(runtime().heap.liveBlocks).toBe(liveBlocks);
    squatter!.dispose();
  });
});

describe('gradient norms on a budget of samples', () => {
  it('normPeriod: every epoch from 8 batches per 1 % of an epoch up, else the smallest period within 1 %', () => {
    expect(normPeriod(4, 1)).toBe(100);
    expect(normPeriod(4096, 1)).toBe(1);
    expect(normPeriod(800, 1)).toBe(1);
    expect(normPeriod(799, 1)).toBe(2);
    expect(normPeriod(60_000, 32)).toBe(1);
    expect(normPeriod(2048, 32)).toBe(13);
    expect(normPeriod(1, 1)).toBe(NORM_BUDGET);
  });

  const cases: [number, number, number][] = [[4, 1, 1000], [150, 4, 300], [2048, 32, 40], [5, 2, 333], [900, 1, 3]];
  for (const [n, batchSize, epochs] of cases) {
    it(`${n} samples, batch ${batchSize}, ${epochs} epochs: measured from epoch 0 on schedule, within 1 % after the first, reproducible`, () => {
      const [x, t] = samples(n, 2, 1, 12);
      const config: SequentialConfig = {
        inputSize: 2, layers: [dense(4, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.1 }), seed: 13,
      };
      const first = sequential(config), second = sequential(config);
      const a = first.fitSync(x, t, { epochs, batchSize });
      const b = second.fitSync(x, t, { epochs, batchSize });
      const period = normPeriod(n, batchSize);
      expect(a.gradientNormEpochs).toEqual(Array.from({ length: Math.ceil(epochs / period) }, (_, i) => i * period));
      expect(a.gradientNorms).toHaveLength(a.gradientNormEpochs!.length);
      a.gradientNorms!.forEach((row) => {
        expect(row).toHaveLength(2);
        row.forEach((norm) => expect(norm).toBeGreaterThan(0));
      });
      const measuredPerEpoch = Math.min(n, NORM_BATCHES * batchSize);
      expect((a.gradientNorms!.length - 1) * measuredPerEpoch).toBeLessThanOrEqual((epochs * n) / NORM_BUDGET);
      expect(b.gradientNorms).toEqual(a.gradientNorms);
      first.dispose();
      second.dispose();
    });
  }

  it('onEpochEnd sees gradientNorms in exactly the measured epochs', () => {
    const [x, t] = samples(4, 2, 1, 12);
    const net = sequential({ inputSize: 2, layers: [dense(3), dense(1)], seed: 1 });
    const seen: number[] = [];
    const history = net.fitSync(x, t, { epochs: 250, batchSize: 1, onEpochEnd: (e, logs) => { if (logs.gradientNorms) seen.push(e); } });
    expect(seen).toEqual([0, 100, 200]);
    expect(history.gradientNormEpochs).toEqual(seen);
    net.dispose();
  });
});
