/**
 * Stopping training (src/nn/training.ts, src/nn/early-stopping.ts): an
 * AbortSignal in fit and fitSync, net.stopTraining(), history.stopReason,
 * and the history a divergence error carries. The weights after a stop are
 * checked bit for bit against a twin network trained on exactly the batches
 * that the stopped run finished (a shorter fit, plus a fit over the first
 * batches' samples where it stopped mid-epoch).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dense, reduceLROnPlateau, sequential, sgd, type FitOptions, type History, type Network, type SequentialConfig } from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild, randomSamples as samples } from '../helpers.js';

beforeAll(initFromBuild);
afterEach(() => { vi.restoreAllMocks(); });

const BACKENDS: BackendName[] = ['wasm', 'js'];

/** Weights, optimizer state, step and epoch count, as float32 bits (toJSON). */
const state = (net: Network) => JSON.stringify(net.toJSON());
const weightsOf = (net: Network) => JSON.stringify(net.toJSON().weights);

const config = (backend: BackendName, seed = 42): SequentialConfig => ({
  inputSize: 3, layers: [dense(5, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.3 }), seed, backend,
});

describe.each(BACKENDS)('stopping training (%s backend)', (backend) => {
  const [x, t] = samples(24, 3, 2, 1);

  it('a run that ends normally says stopReason "completed"; early stopping says "earlyStopping" (and stoppedEarly, deprecated)', async () => {
    const net = sequential(config(backend));
    expect(net.fitSync(x, t, { epochs: 3 }).stopReason).toBe('completed');
    expect((await net.fit(x, t, { epochs: 2, batchSize: 4 })).stopReason).toBe('completed');
    // minDelta 1e9: no epoch after the first counts as an improvement, so patience 1 stops after the second.
    const early = net.fitSync(x, t, { epochs: 10, earlyStopping: { patience: 1, minDelta: 1e9 } });
    expect(early.stopReason).toBe('earlyStopping');
    expect(early.stoppedEarly).toBe(true);
    expect(early.epochs).toBe(2);
    net.dispose();
  });

  it('a signal already aborted gives an empty history at once: no step, onTrainEnd runs, fit and fitSync', async () => {
    const net = sequential(config(backend));
    const before = state(net);
    const controller = new AbortController();
    controller.abort();
    const ends: History[] = [];
    const batches = vi.fn();
    const options: FitOptions = { epochs: 5, batchSize: 4, signal: controller.signal, onBatchEnd: batches, onTrainEnd: (h) => { ends.push(h); } };
    const expected = { epochs: 0, loss: [], stopReason: 'aborted' };
    expect(await net.fit(x, t, options)).toEqual(expected);
    expect(net.fitSync(x, t, options)).toEqual(expected);
    expect(net.fitSync(x, t, { ...options, onBatchEnd: undefined })).toEqual(expected);
    expect(ends).toHaveLength(3);
    expect(batches).not.toHaveBeenCalled();
    expect(state(net)).toBe(before);
    expect(net.epochsTrained).toBe(0);
    net.dispose();
  });

  for (const how of ['signal', 'stopTraining'] as const) {
    it(`fitSync: aborting (${how}) from onBatchEnd stops after that batch; the weights are those after it, bit for bit`, () => {
      const net = sequential(config(backend)), twin = sequential(config(backend));
      const controller = new AbortController();
      let ended: History | null = null;
      const options: FitOptions = { epochs: 4, batchSize: 4, shuffle: false, gradientNorms: false };
      // 24 samples in batches of 4: 6 batches an epoch. Stop after batch 2 of epoch 1 (the 9th step).
      const history = net.fitSync(x, t, {
        ...options, signal: controller.signal, onTrainEnd: (h) => { ended = h; },
        onBatchEnd: (batch) => {
          if (net.epochsTrained === 1 && batch === 2) {
            if (how === 'signal') controller.abort();
            else net.stopTraining();
          }
        },
      });
      expect(history.stopReason).toBe('aborted');
      expect(history.epochs).toBe(1);
      expect(history.loss).toHaveLength(1);
      expect(ended).toBe(history);
      expect(net.epochsTrained).toBe(1);
      // The twin: one whole epoch, then the first 3 batches (12 samples) of the same order.
      twin.fitSync(x, t, { ...options, epochs: 1 });
      twin.fitSync(x.slice(0, 12), t.slice(0, 12), { ...options, epochs: 1 });
      expect(weightsOf(net)).toBe(weightsOf(twin));
      net.dispose();
      twin.dispose();
    });
  }

  it('fit: aborting from onEpochEnd ends after that epoch; the next fit, with a fresh signal, runs in full', async () => {
    const net = sequential(config(backend)), twin = sequential(config(backend));
    const controller = new AbortController();
    const history = await net.fit(x, t, { epochs: 10, batchSize: 4, signal: controller.signal, onEpochEnd: (epoch) => { if (epoch === 2) controller.abort(); } });
    expect(history.stopReason).toBe('aborted');
    expect(history.epochs).toBe(3);
    twin.fitSync(x, t, { epochs: 3, batchSize: 4 });
    expect(state(net)).toBe(state(twin));
    expect((await net.fit(x, t, { epochs: 2, batchSize: 4 })).stopReason).toBe('completed');
    net.dispose();
    twin.dispose();
  });

  it('stopTraining() with no training running does nothing and does not carry over to the next fit', async () => {
    const net = sequential(config(backend));
    net.stopTraining();
    const history = await net.fit(x, t, { epochs: 3, batchSize: 4 });
    expect(history.stopReason).toBe('completed');
    expect(history.epochs).toBe(3);
    // A stop asked during one fit does not reach the next either.
    net.fitSync(x, t, { epochs: 3, onEpochEnd: () => net.stopTraining() });
    expect(net.fitSync(x, t, { epochs: 3 }).epochs).toBe(3);
    net.dispose();
  });

  it('an abort with earlyStopping.restoreBestWeights puts the best epoch\'s weights back', () => {
    // A learning rate so large the loss rises after the first epochs: the best epoch is early.
    const net = sequential({ ...config(backend), optimizer: sgd({ learningRate: 0.3 }) });
    const controller = new AbortController();
    const seen: { loss: number; weights: string }[] = [];
    const history = net.fitSync(x, t, {
      epochs: 50, batchSize: 4, signal: controller.signal, earlyStopping: { patience: 100, restoreBestWeights: true },
      onEpochEnd: (epoch, logs) => {
        seen.push({ loss: logs.loss, weights: weightsOf(net) });
        if (epoch === 6) controller.abort();
      },
    });
    expect(history.stopReason).toBe('aborted');
    expect(history.stoppedEarly).toBe(false);
    expect(history.epochs).toBe(7);
    const best = seen.reduce((b, s, i) => (s.loss < seen[b].loss ? i : b), 0);
    expect(history.bestEpoch).toBe(best);
    expect(weightsOf(net)).toBe(seen[best].weights);
    net.dispose();
  });

  it('aborts a run of many epochs per kernel call between calls, as the same epochs of fitSync would train them', async () => {
    const [x4, t4] = samples(4, 3, 2, 2);
    const net = sequential(config(backend)), twin = sequential(config(backend));
    const calls = vi.spyOn(runtime().backends[backend], 'mlpTrainEpochs');
    const controller = new AbortController();
    let ticks = 0;
    const tick = () => { if (++ticks === 3) controller.abort(); else setImmediate(tick); };
    setImmediate(tick);
    const history = await net.fit(x4, t4, { epochs: 10_000_000, batchSize: 1, signal: controller.signal });
    expect(calls).toHaveBeenCalled();
    expect(history.stopReason).toBe('aborted');
    expect(history.epochs).toBeGreaterThan(0);
    expect(history.epochs).toBeLessThan(10_000_000);
    expect(history.loss).toHaveLength(history.epochs);
    expect(net.epochsTrained).toBe(history.epochs);
    const same = twin.fitSync(x4, t4, { epochs: history.epochs, batchSize: 1 });
    expect(history).toEqual({ ...same, stopReason: 'aborted' });
    expect(state(net)).toBe(state(twin));
    // The shuffle generator went on alike too: the next fits agree.
    expect(net.fitSync(x4, t4, { epochs: 5, batchSize: 1 })).toEqual(twin.fitSync(x4, t4, { epochs: 5, batchSize: 1 }));
    expect(state(net)).toBe(state(twin));
    net.dispose();
    twin.dispose();
  });

  it('async fit stops running epochs together once one takes more than a slice, and batch-slices the rest: the same bits as fitSync', async () => {
    const [x4, t4] = samples(8, 3, 2, 3);
    const net = sequential(config(backend)), twin = sequential(config(backend));
    const kernels = runtime().backends[backend];
    const epochCalls = vi.spyOn(kernels, 'mlpTrainEpochs'), batchCalls = vi.spyOn(kernels, 'mlpTrainBatches');
    // A clock 25 ms on at every reading: each epoch looks longer than two slices.
    let clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (clock += 25));
    const history = await net.fit(x4, t4, { epochs: 30, batchSize: 2 });
    vi.restoreAllMocks();
    expect(epochCalls).toHaveBeenCalledTimes(1);
    expect(batchCalls.mock.calls.length).toBeGreaterThanOrEqual(29);
    expect(history).toEqual(twin.fitSync(x4, t4, { epochs: 30, batchSize: 2 }));
    expect(state(net)).toBe(state(twin));
    net.dispose();
    twin.dispose();
  });

  it('divergence still throws WASMGRAD_DIVERGED, with error.history holding the epochs done', () => {
    const [x6, t6] = samples(6, 3, 2, 6);
    const net = sequential({
      inputSize: 3, layers: [dense(3, { activation: 'linear' }), dense(2, { activation: 'linear' })],
      optimizer: sgd({ learningRate: 0.01, schedule: { type: 'exponential', factor: 1.6 } }), seed: 11, backend,
    });
    const losses: number[] = [];
    let error: (Error & { code?: string; history?: History }) | null = null;
    try {
      net.fitSync(x6, t6, { epochs: 150, batchSize: 1, onEpochEnd: (_, logs) => { losses.push(logs.loss); } });
    } catch (e) {
      error = e as Error & { code?: string; history?: History };
    }
    expect(error?.code).toBe('WASMGRAD_DIVERGED');
    expect(error!.history!.epochs).toBe(net.epochsTrained);
    expect(error!.history!.epochs).toBeGreaterThan(2);
    expect(error!.history!.loss).toEqual(losses);
    net.dispose();
  });

  it('refuses a minDelta that is negative, NaN or Infinity, as reduceLROnPlateau and checkpoint do, before any step', () => {
    const net = sequential(config(backend));
    const before = state(net);
    for (const minDelta of [-1, Number.NaN, Infinity, '0']) {
      expect(() => net.fitSync(x, t, { earlyStopping: { minDelta: minDelta as number } })).toThrow(expect.objectContaining({
        code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/Network\.fitSync: options\.earlyStopping\.minDelta must be a number ≥ 0/) }));
      expect(() => reduceLROnPlateau({ minDelta: minDelta as number })).toThrow(/reduceLROnPlateau: options\.minDelta must be a number ≥ 0/);
    }
    expect(state(net)).toBe(before);
    net.dispose();
  });

  it('refuses a signal that is not an AbortSignal, before any step', () => {
    const net = sequential(config(backend));
    const before = state(net);
    for (const signal of [5, 'stop', {}, null]) {
      expect(() => net.fitSync(x, t, { signal: signal as unknown as AbortSignal })).toThrow(expect.objectContaining({
        code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/Network\.fitSync: options\.signal must be an AbortSignal/) }));
    }
    expect(state(net)).toBe(before);
    net.dispose();
  });
});
