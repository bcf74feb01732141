/**
 * net.fitDataset (src/nn/fit-dataset.ts): training from iterables, async
 * iterables and functions that return one per epoch. The expected weights
 * come from fitSync (a different loop, resident data) over the same samples
 * in the same order and batches, with shuffling off: bit for bit.
 */
import { mkdtempSync, rmSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { dense, sequential, sgd, type DatasetBatch, type History, type Network, type SequentialConfig } from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { runtime } from '../../src/runtime.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const BACKENDS: BackendName[] = ['wasm', 'js'];

function samples(n: number, seed: number): [number[][], number[][]] {
  const random = new Random(seed);
  const x = Array.from({ length: n }, () => [random.uniform(-1, 1), random.uniform(-1, 1), random.uniform(-1, 1)]);
  const t = x.map(([a, b, c]) => [a * b > 0 ? 1 : 0, c > 0 ? 1 : 0]);
  return [x, t];
}

/** Rows [from, to) as a batch, as number[][] or as row-major Float32Arrays. */
function batchOf(x: number[][], t: number[][], from: number, to: number, float32: boolean): DatasetBatch {
  const xs = x.slice(from, to), ys = t.slice(from, to);
  return float32 ? { xs: Float32Array.from(xs.flat()), ys: Float32Array.from(ys.flat()) } : { xs, ys };
}

function batches(x: number[][], t: number[][], size: number, float32 = false): DatasetBatch[] {
  const out: DatasetBatch[] = [];
  for (let i = 0; i < x.length; i += size) out.push(batchOf(x, t, i, Math.min(i + size, x.length), float32));
  return out;
}

const weightsOf = (net: Network) => JSON.stringify(net.toJSON().weights);
const state = (net: Network) => JSON.stringify(net.toJSON());

const config = (backend: BackendName): SequentialConfig => ({
  inputSize: 3, layers: [dense(6, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 3, backend,
});

const rejection = async (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a rejection'); }, (e) => e as Error & { code?: string; history?: History });

describe.each(BACKENDS)('fitDataset (%s backend)', (backend) => {
  const [x, t] = samples(23, 1);
  const plain = { shuffle: false, gradientNorms: false } as const;

  for (const float32 of [false, true]) {
    it(`trains as fitSync does on the same batches, bit for bit (${float32 ? 'Float32Array' : 'number[][]'} batches; a function, an array, an async generator)`, async () => {
      const reference = sequential(config(backend));
      const expected = reference.fitSync(x, t, { ...plain, epochs: 3, batchSize: 5 });
      const list = batches(x, t, 5, float32);
      async function* stream() { for (const b of list) yield b; }
      for (const source of [() => list.values(), list, () => stream()]) {
        const net = sequential(config(backend));
        const history = await net.fitDataset(source, { epochs: 3 });
        expect(history).toEqual({ epochs: 3, loss: expected.loss, stopReason: 'completed' });
        expect(state(net)).toBe(state(reference));
        net.dispose();
      }
      reference.dispose();
    });
  }

  it('trains from a generator that reads a CSV file line by line (node:readline), as fitSync on the parsed rows', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-fit-dataset-'));
    try {
      const [cx, ct] = samples(200, 2);
      const file = join(dir, 'data.csv');
      writeFileSync(file, `a,b,c,y1,y2\n${cx.map((r, i) => [...r, ...ct[i]].join(',')).join('\n')}\n`);
      let opened = 0, closed = 0;
      async function* rows(batchSize: number): AsyncGenerator<DatasetBatch> {
        opened++;
        const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
        try {
          let xs: number[][] = [], ys: number[][] = [], header = true;
          for await (const line of lines) {
            if (header || line === '') { header = false; continue; }
            const v = line.split(',').map(Number);
            xs.push(v.slice(0, 3));
            ys.push(v.slice(3));
            if (xs.length === batchSize) {
              yield { xs, ys };
              xs = [];
              ys = [];
            }
          }
          if (xs.length) yield { xs, ys };
        } finally {
          lines.close();
          closed++;
        }
      }
      const net = sequential(config(backend)), reference = sequential(config(backend));
      const history = await net.fitDataset(() => rows(16), { epochs: 20 });
      const expected = reference.fitSync(cx, ct, { ...plain, epochs: 20, batchSize: 16 });
      expect(history.loss).toEqual(expected.loss);
      expect(state(net)).toBe(state(reference));
      expect(history.loss[19]).toBeLessThan(0.8 * history.loss[0]);
      expect([opened, closed]).toEqual([20, 20]);
      net.dispose();
      reference.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('class indices as ys with sparseCategoricalCrossentropy train as one-hot rows with categoricalCrossentropy, bit for bit', async () => {
    const labels = t.map(([a, b]) => (a > b ? 0 : 1));
    const oneHot = labels.map((k) => (k === 0 ? [1, 0] : [0, 1]));
    const softmax = (loss: 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy') => sequential({
      ...config(backend), layers: [dense(6, { activation: 'tanh' }), dense(2, { activation: 'softmax' })], loss,
    });
    const sparse = softmax('sparseCategoricalCrossentropy'), dense1 = softmax('categoricalCrossentropy');
    const sparseBatches = [0, 8, 16].map((i) => ({ xs: x.slice(i, i + 8), ys: Int32Array.from(labels.slice(i, i + 8)) }));
    const a = await sparse.fitDataset(sparseBatches, { epochs: 2, metrics: ['accuracy'] });
    const b = await dense1.fitDataset([0, 8, 16].map((i) => ({ xs: x.slice(i, i + 8), ys: oneHot.slice(i, i + 8) })), { epochs: 2, metrics: ['accuracy'] });
    expect(a).toEqual(b);
    expect(weightsOf(sparse)).toBe(weightsOf(dense1));
    const error = await rejection(sparse.fitDataset([...sparseBatches, { xs: x.slice(0, 2), ys: [0, 2] }]));
    expect(error.message).toMatch(/^Network\.fitDataset: batch 3 of epoch 1: ys\[1\] must be a class index/);
    sparse.dispose();
    dense1.dispose();
  });

  it('a one-shot iterable (a generator object) for more than one epoch is refused, naming the fix; nothing changes', async () => {
    const net = sequential(config(backend));
    const before = state(net);
    function* gen() { yield* batches(x, t, 5); }
    const error = await rejection(net.fitDataset(gen(), { epochs: 2 }));
    expect(error.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(error.message).toMatch(/Network\.fitDataset: source is a one-shot iterable.*pass a function that returns a new iterable for each epoch/);
    expect(state(net)).toBe(before);
    // One epoch of it is fine.
    expect((await net.fitDataset(gen())).epochs).toBe(1);
    net.dispose();
  });

  it('batchesPerEpoch cuts epochs out of one endless generator, in order', async () => {
    const list = batches(x, t, 5); // 5 batches: 4 of 5 rows, 1 of 3
    function* endless() { for (;;) yield* list; }
    const net = sequential(config(backend)), reference = sequential(config(backend));
    const history = await net.fitDataset(endless(), { epochs: 3, batchesPerEpoch: 3 });
    expect(history.epochs).toBe(3);
    // 3 epochs of 3 batches: the 5 batches, then the first 4 again; the reference takes each as one fitSync step.
    for (const b of [...list, ...list.slice(0, 4)]) reference.fitSync(b.xs, b.ys, { ...plain, batchSize: 5 });
    expect(weightsOf(net)).toBe(weightsOf(reference));
    net.dispose();
    reference.dispose();
  });

  for (const [what, bad, code] of [
    ['a ragged row', { xs: [[0, 0, 0], [0, 0], [0, 0, 0]], ys: [[0, 0], [0, 0], [0, 0]] }, 'WASMGRAD_SHAPE'],
    ['mismatched row counts', { xs: [[0, 0, 0]], ys: [[0, 0], [1, 1]] }, 'WASMGRAD_SHAPE'],
    ['a Float32Array of the wrong length', { xs: new Float32Array(7), ys: new Float32Array(4) }, 'WASMGRAD_SHAPE'],
    ['a NaN', { xs: [[0, Number.NaN, 0]], ys: [[0, 1]] }, 'WASMGRAD_INVALID_ARGUMENT'],
    // Checked by a kernel once staged, before the step: the same weights as for a refusal in JS.
    ['an Infinity in a Float32Array', { xs: Float32Array.of(0, 0, 0, 0, Number.POSITIVE_INFINITY, 0), ys: new Float32Array(4) }, 'WASMGRAD_INVALID_ARGUMENT'],
    ['no ys', { xs: [[0, 0, 0]] }, 'WASMGRAD_INVALID_ARGUMENT'],
    ['not an object', 5, 'WASMGRAD_INVALID_ARGUMENT'],
  ] as const) {
    it(`a bad batch at index 3 (${what}) rejects naming it, with the weights of a run over the first 3 batches, bit for bit`, async () => {
      const good = batches(x, t, 4);
      let closed = false;
      function* source() {
        try {
          yield* good.slice(0, 3);
          yield bad as unknown as DatasetBatch;
          yield* good.slice(3);
        } finally {
          closed = true;
        }
      }
      const net = sequential(config(backend)), reference = sequential(config(backend));
      const error = await rejection(net.fitDataset(source));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(/^Network\.fitDataset: batch 3 of epoch 1/);
      expect(closed).toBe(true);
      await reference.fitDataset(good.slice(0, 3));
      // The same weights and steps; the epoch was not completed, so it is not counted.
      expect(weightsOf(net)).toBe(weightsOf(reference));
      expect(net.toJSON().optimizerState).toEqual({ ...reference.toJSON().optimizerState, epoch: 0 });
      // The network is free to train again.
      expect((await net.fitDataset(good)).epochs).toBe(1);
      net.dispose();
      reference.dispose();
    });
  }

  it('refuses a bad source or option before anything changes', async () => {
    const net = sequential(config(backend));
    const before = state(net);
    for (const [source, options, pattern] of [
      [5, {}, /source must be an iterable or async iterable/],
      [{}, {}, /source must be an iterable/],
      [batches(x, t, 5), { batchSize: 4 }, /options\.batchSize/],
      [batches(x, t, 5), { batchesPerEpoch: 0 }, /options\.batchesPerEpoch must be/],
      [batches(x, t, 5), { epochs: 1.5 }, /options\.epochs must be/],
      [batches(x, t, 5), { validationData: [[[1, 2]], [[1, 0]]] }, /options\.validationData\[0\]\[0\] has 2 values/],
      [batches(x, t, 5), { signal: {} }, /options\.signal must be an AbortSignal/],
      [() => 5, {}, /source\(\) must be an iterable/],
      [[], {}, /source gave no batches in epoch 1/],
    ] as const) {
      const error = await rejection(net.fitDataset(source as never, options as never));
      expect(error.message).toMatch(pattern);
      expect(error.code).toMatch(/^WASMGRAD_(INVALID_ARGUMENT|SHAPE)$/);
    }
    expect(state(net)).toBe(before);
    expect(net.epochsTrained).toBe(0);
    net.dispose();
  });

  it('validationData, metrics and early stopping: the same validation values as fit; accuracy on each batch before its step', async () => {
    const [vx, vt] = samples(10, 9);
    const net = sequential(config(backend)), reference = sequential(config(backend)), before = sequential(config(backend));
    const history = await net.fitDataset(batches(x, t, 23), { epochs: 4, validationData: [vx, vt], metrics: ['accuracy'] });
    const expected = reference.fitSync(x, t, { ...plain, epochs: 4, batchSize: 23, validationData: [vx, vt], metrics: ['accuracy'] });
    expect(history.valLoss).toEqual(expected.valLoss);
    expect(history.valAccuracy).toEqual(expected.valAccuracy);
    // One batch per epoch: epoch 0's accuracy is the untrained network's on all of x.
    expect(history.accuracy![0]).toBe(before.evaluate(x, t, { metrics: ['accuracy'] }).accuracy);
    expect(history.accuracy![1]).toBe(expected.accuracy![0]);
    const stopped = await net.fitDataset(batches(x, t, 5), { epochs: 10, earlyStopping: { patience: 1, minDelta: 1e9 } });
    expect(stopped).toMatchObject({ epochs: 2, stopReason: 'earlyStopping', stoppedEarly: true, bestEpoch: 0 });
    for (const n of [net, reference, before]) n.dispose();
  });

  it('an aborted signal: already aborted, the source is never called; from onBatchEnd, it stops after that batch', async () => {
    const net = sequential(config(backend));
    const controller = new AbortController();
    controller.abort();
    const source = vi.fn(() => batches(x, t, 4));
    const ended: History[] = [];
    expect(await net.fitDataset(source, { signal: controller.signal, onTrainEnd: (h) => { ended.push(h); } }))
      .toEqual({ epochs: 0, loss: [], stopReason: 'aborted' });
    expect(source).not.toHaveBeenCalled();
    expect(ended).toHaveLength(1);
    for (const how of ['signal', 'stopTraining'] as const) {
      const again = new AbortController();
      const run = sequential(config(backend)), reference = sequential(config(backend));
      const history = await run.fitDataset(source, {
        epochs: 3, signal: again.signal,
        onBatchEnd: (batch) => { if (batch === 2) (how === 'signal' ? again.abort() : run.stopTraining()); },
      });
      expect(history).toEqual({ epochs: 0, loss: [], stopReason: 'aborted' });
      await reference.fitDataset(batches(x, t, 4).slice(0, 3));
      expect(weightsOf(run)).toBe(weightsOf(reference));
      run.dispose();
      reference.dispose();
    }
    net.dispose();
  });

  it('disposing the network from a callback rejects with WASMGRAD_DISPOSED and frees the batch block', async () => {
    const liveBlocks = runtime().heap.liveBlocks;
    const net = sequential(config(backend));
    const error = await rejection(net.fitDataset(batches(x, t, 4), { epochs: 2, onBatchEnd: (batch) => { if (batch === 1) net.dispose(); } }));
    expect(error.code).toBe('WASMGRAD_DISPOSED');
    expect(error.message).toMatch(/Network\.fitDataset: the network was disposed during training/);
    expect(runtime().heap.liveBlocks).toBe(liveBlocks);
  });

  it('a source that throws mid-epoch: its error, error.history, the weights of the batches before it, the block freed, the iterator closed', async () => {
    const liveBlocks = runtime().heap.liveBlocks;
    const failure = new Error('the disk went away');
    let closed = 0;
    async function* source() {
      try {
        yield* batches(x, t, 4).slice(0, 2);
        throw failure;
      } finally {
        closed++;
      }
    }
    const net = sequential(config(backend)), reference = sequential(config(backend));
    const error = await rejection(net.fitDataset(source, { epochs: 2 }));
    expect(error).toBe(failure);
    expect(error.history).toMatchObject({ epochs: 0, loss: [] });
    expect(closed).toBe(1);
    await reference.fitDataset(batches(x, t, 4).slice(0, 2));
    expect(weightsOf(net)).toBe(weightsOf(reference));
    net.dispose();
    reference.dispose();
    expect(runtime().heap.liveBlocks).toBe(liveBlocks);
  });

  it('one sample in one batch trains as fitSync with batchSize 1; so does a batch of 1e39, refused before the step', async () => {
    const net = sequential(config(backend)), reference = sequential(config(backend));
    const history = await net.fitDataset(() => [{ xs: [x[0]], ys: [t[0]] }], { epochs: 3, validationData: [[x[0]], [t[0]]], metrics: ['accuracy'] });
    const expected = reference.fitSync([x[0]], [t[0]], { ...plain, epochs: 3, batchSize: 1, validationData: [[x[0]], [t[0]]], metrics: ['accuracy'] });
    expect(history.loss).toEqual(expected.loss);
    expect(history.valLoss).toEqual(expected.valLoss);
    expect(weightsOf(net)).toBe(weightsOf(reference));
    const before = state(net);
    for (const bad of [{ xs: [[0, 1e39, 0]], ys: [t[0]] }, { xs: [x[0]], ys: [[0, -1e39]] }]) {
      const error = await rejection(net.fitDataset([bad]));
      expect(error.code).toBe('WASMGRAD_INVALID_ARGUMENT');
      expect(error.message).toMatch(/^Network\.fitDataset: batch 0 of epoch 1: (xs|ys)\[0\]\[1\] must be a finite number that float32 can hold/);
    }
    expect(state(net)).toBe(before);
    net.dispose();
    reference.dispose();
  });

  it('stopTraining from a callback ends the run after that epoch; an endless source cut by batchesPerEpoch is closed', async () => {
    let closed = false;
    function* endless() {
      try {
        for (let i = 0; ; i = (i + 1) % 6) yield batchOf(x, t, 4 * i, Math.min(4 * i + 4, x.length), false);
      } finally {
        closed = true;
      }
    }
    const net = sequential(config(backend)), reference = sequential(config(backend));
    const history = await net.fitDataset(endless(), {
      epochs: 5, batchesPerEpoch: 6, callbacks: [{ onEpochEnd: (epoch, _logs, context) => { if (epoch === 1) context.network.stopTraining(); } }],
    });
    expect(history).toMatchObject({ epochs: 2, stopReason: 'aborted' });
    expect(closed).toBe(true);
    // Two whole epochs of the 6 batches, as fitSync trains them: the loop stopped, not the epoch.
    expect(history.loss).toEqual(reference.fitSync(x, t, { ...plain, epochs: 2, batchSize: 4 }).loss);
    expect(weightsOf(net)).toBe(weightsOf(reference));
    net.dispose();
    reference.dispose();
  });

  it('divergence rejects with WASMGRAD_DIVERGED and error.history holding the epochs done; a second run while one trains is WASMGRAD_BUSY', async () => {
    const net = sequential({ ...config(backend), layers: [dense(3, { activation: 'linear' }), dense(2, { activation: 'linear' })],
      optimizer: sgd({ learningRate: 0.01, schedule: { type: 'exponential', factor: 1.6 } }) });
    const big = batches(x.map((r) => r.map((v) => v * 10)), t, 1);
    const error = await rejection(net.fitDataset(big, { epochs: 150 }));
    expect(error.code).toBe('WASMGRAD_DIVERGED');
    expect(error.history!.epochs).toBe(net.epochsTrained);
    expect(error.history!.loss).toHaveLength(net.epochsTrained);
    expect(error.history!.epochs).toBeGreaterThan(0);
    // The epoch that diverged is the one after those done; its batch is named, and the message is fit's.
    expect(error.message).toMatch(new RegExp(`^Network\\.fitDataset: training diverged in epoch ${error.history!.epochs + 1} at batch \\d+: `
      + 'the loss or a gradient became NaN or Infinity\\. That step was not applied'));
    const other = sequential(config(backend));
    const pending = other.fitDataset(batches(x, t, 4), { epochs: 2 });
    const busy = await rejection(other.fitDataset(batches(x, t, 4)));
    expect(busy.code).toBe('WASMGRAD_BUSY');
    await pending;
    net.dispose();
    other.dispose();
  });
});
