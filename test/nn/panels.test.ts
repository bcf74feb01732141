/**
 * One-row weight panels (src/nn/panels.ts, assembly/gemv-panel.ts): made
 * after PACK_AFTER_FORWARDS one-row predicts on the same weights, they give
 * the bits of the unpacked one-row path (checked against the first row of a
 * two-row predict, which gemv-multi.ts sums as gemvRows does), and every way
 * weights change (each training entry, setWeights, restored best weights)
 * leaves no stale panel behind. Packing is counted through the wasm
 * backend's mlpPackPanels; the js backend never packs.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dense, sequential, sgd, type Activation, type Network } from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { runtime } from '../../src/runtime.js';
import { codedError } from '../../src/errors.js';
import { PACK_AFTER_FORWARDS, PANEL_BUDGET_BYTES } from '../../src/nn/panels.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);
afterEach(() => {
  vi.restoreAllMocks();
});

function network(sizes: number[], activation: Activation, backend: BackendName = 'wasm', seed = 7): Network {
  return sequential({
    inputSize: sizes[0],
    layers: sizes.slice(1).map((units, l) => dense(units, { activation: l === sizes.length - 2 ? 'sigmoid' : activation })),
    optimizer: sgd({ learningRate: 0.05 }), seed, backend,
  });
}

function inputs(rows: number, cols: number, seed: number): Float32Array {
  const random = new Random(seed, 0);
  return Float32Array.from({ length: rows * cols }, () => random.uniform(-1, 1));
}

/** Bit-for-bit equality (Object.is tells -0 from 0 and NaN from nothing). */
function expectSameBits(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const differing = Array.from(actual).flatMap((v, i) => (Object.is(v, expected[i]) ? [] : [i]));
  expect(differing).toEqual([]);
}

/** What the one-row path must give: the first row of a two-row predict of x twice. */
function twoRowReference(net: Network, x: Float32Array): Float32Array {
  const two = new Float32Array(2 * x.length);
  two.set(x);
  two.set(x, x.length);
  return net.predict(two).slice(0, net.outputSize);
}

/** Runs one-row predicts past the packing threshold, checking each against the reference. */
function predictPastThreshold(net: Network, x: Float32Array, reference: Float32Array, calls = PACK_AFTER_FORWARDS + 4): void {
  for (let i = 0; i < calls; i++) expectSameBits(net.predict(x), reference);
}

function countPacks(): { readonly count: number } {
  const spy = vi.spyOn(runtime().backends.wasm, 'mlpPackPanels');
  return { get count() { return spy.mock.calls.length; } };
}

// Wide layers (panels), narrow ones (the column walk: none), column counts that are not a multiple of
// the panel width or of four (the relaxed builds' unfused last columns), and a kept pre-activation (gelu).
const SHAPES: [number[], Activation][] = [
  [[512, 1024, 10], 'sigmoid'],
  [[300, 1021, 517, 3], 'gelu'],
  [[257, 1023, 2], 'relu'],
  [[64, 2048, 1], 'tanh'],
  // Narrow but deep, past the column walk's 128 Ki floats: 16 columns (one baseline panel, two relaxed ones,
  // no leftover columns) and 17 (one column in a last panel, and the relaxed builds' one unfused column).
  [[9000, 16, 1], 'relu'],
  [[8000, 17, 2], 'tanh'],
];

describe('one-row weight panels', () => {
  it.each(SHAPES)('%j %s: one-row predicts give the same bits before and after the panels are made', (sizes, activation) => {
    const packs = countPacks();
    const net = network(sizes, activation);
    const x = inputs(1, sizes[0], 1);
    predictPastThreshold(net, x, twoRowReference(net, x));
    expect(packs.count).toBe(1);
    // A later sample, through the panels.
    const other = inputs(1, sizes[0], 2);
    expectSameBits(net.predict(other), twoRowReference(net, other));
    expect(packs.count).toBe(1);
    net.dispose();
  });

  it('the panels agree with the pure-TS backend (within float32 rounding)', () => {
    const sizes = [300, 1021, 517, 3];
    const wasm = network(sizes, 'gelu', 'wasm'), js = network(sizes, 'gelu', 'js');
    const x = inputs(1, sizes[0], 3);
    for (let i = 0; i <= PACK_AFTER_FORWARDS; i++) wasm.predict(x);
    const expected = js.predict(x);
    const actual = wasm.predict(x);
    for (let j = 0; j < expected.length; j++) expect(Math.abs(actual[j] - expected[j])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected[j])));
  });

  it('are made only after PACK_AFTER_FORWARDS one-row predicts on the same weights (batches between them do not count), never or on the js backend', () => {
    const packs = countPacks();
    const jsPacks = vi.spyOn(runtime().backends.js, 'mlpPackPanels');
    const net = network([512, 1024, 10], 'sigmoid');
    const x = inputs(1, 512, 4), batch = inputs(8, 512, 5);
    // (The first batch re-lays the block for 8 rows, which restarts the count: before the one-row predicts.)
    net.predict(batch);
    for (let i = 0; i < PACK_AFTER_FORWARDS - 1; i++) net.predict(x);
    for (let i = 0; i < 40; i++) net.predict(batch);
    expect(packs.count).toBe(0);
    net.predict(x);
    expect(packs.count).toBe(1);
    const js = network([512, 1024, 10], 'sigmoid', 'js');
    for (let i = 0; i < 3 * PACK_AFTER_FORWARDS; i++) js.predict(x);
    expect(jsPacks).not.toHaveBeenCalled();
    // A network with no wide layer keeps none (the column walk already holds its sums in registers).
    const narrow = network([784, 128, 10], 'sigmoid');
    for (let i = 0; i < 3 * PACK_AFTER_FORWARDS; i++) narrow.predict(inputs(1, 784, 6));
    expect(packs.count).toBe(1);
  });

  it('a loop that trains a step and predicts one sample in turn never packs', () => {
    const packs = countPacks();
    const net = network([512, 1024, 10], 'sigmoid');
    const x = inputs(1, 512, 7), target = new Float32Array(10).fill(0.5);
    for (let i = 0; i < 3 * PACK_AFTER_FORWARDS; i++) {
      net.fitSync(x, target, { epochs: 1, batchSize: 1 });
      expectSameBits(net.predict(x), twoRowReference(net, x));
    }
    expect(packs.count).toBe(0);
  });

  const x = inputs(1, 512, 8);
  const target = new Float32Array(10).fill(0.25);
  const changes: [string, (net: Network) => void | Promise<unknown>][] = [
    ['fitSync', (net) => net.fitSync(x, target, { epochs: 2, batchSize: 1 })],
    ['fitSync, many epochs in one kernel call', (net) => net.fitSync(x, target, { epochs: 50, batchSize: 1, shuffle: false })],
    ['fit', (net) => net.fit(inputs(6, 512, 9), inputs(6, 10, 10), { epochs: 2, batchSize: 3 })],
    ['fitDataset', (net) => net.fitDataset([{ xs: x, ys: target }], { epochs: 1 })],
    ['setWeights', (net) => net.setWeights(net.getWeights().map(({ weights, bias }) => ({ weights: weights.map((row) => row.map((w) => w * 0.5)), bias })))],
    ['fit restoring its best weights, with panels made for the last ones in a callback', async (net) => {
      // Validation targets opposite to the training ones: the first epoch is the best, later ones worse, so the
      // weights put back differ from the last epoch's, for which onEpochEnd's one-row predicts made panels.
      const trainX = inputs(8, 512, 11), trainT = new Float32Array(80).fill(0.9);
      const history = await net.fit(trainX, trainT, {
        epochs: 10, batchSize: 8, validationData: [trainX, new Float32Array(80).fill(0.1)],
        earlyStopping: { patience: 2, restoreBestWeights: true },
        onEpochEnd: () => { for (let i = 0; i <= PACK_AFTER_FORWARDS; i++) net.predict(x); },
      });
      expect(history.stopReason).toBe('earlyStopping');
      expect(history.epochs).toBeGreaterThan(1);
    }],
  ];

  it.each(changes)('after %s, one-row predicts use the new weights', async (_name, change) => {
    const net = network([512, 1024, 10], 'sigmoid');
    predictPastThreshold(net, x, twoRowReference(net, x));
    const before = net.predict(x);
    await change(net);
    const reference = twoRowReference(net, x);
    predictPastThreshold(net, x, reference);
    // The change changed the outputs (else this test could not tell stale panels from fresh ones).
    expect(Array.from(reference).some((v, i) => v !== before[i])).toBe(true);
  });

  it('survive the block growing for a larger batch, and are freed with the network', () => {
    const packs = countPacks();
    const heap = runtime().heap;
    const live = heap.liveBytes;
    const net = network([512, 1024, 10], 'sigmoid');
    const x1 = inputs(1, 512, 15);
    const reference = twoRowReference(net, x1);
    predictPastThreshold(net, x1, reference);
    expect(packs.count).toBe(1);
    // A batch larger than the block's capacity re-lays the block: the panels go, and are made again.
    net.predict(inputs(600, 512, 16));
    predictPastThreshold(net, x1, reference);
    expect(packs.count).toBe(2);
    net.dispose();
    expect(heap.liveBytes).toBe(live);
  });

  it('linear memory growing after the panels are made (a new ArrayBuffer) changes nothing', () => {
    const packs = countPacks();
    const heap = runtime().heap;
    const net = network([512, 1024, 10], 'sigmoid');
    const x1 = inputs(1, 512, 21);
    const reference = twoRowReference(net, x1);
    predictPastThreshold(net, x1, reference);
    const buffer = heap.views.f32.buffer, bytes = heap.memoryBytes;
    const block = heap.alloc(bytes); // more than is free: memory.grow
    try {
      expect(heap.memoryBytes).toBeGreaterThan(bytes);
      expect(heap.views.f32.buffer).not.toBe(buffer);
      predictPastThreshold(net, x1, reference, 4);
      expect(packs.count).toBe(1);
    } finally {
      heap.free(block);
      net.dispose();
    }
  });

  it('a refused setWeights (a value float32 cannot hold) leaves the panels current', () => {
    const packs = countPacks();
    const net = network([512, 1024, 10], 'sigmoid');
    const x1 = inputs(1, 512, 18);
    const reference = twoRowReference(net, x1);
    predictPastThreshold(net, x1, reference);
    const layers = net.getWeights();
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 1e39]) {
      const weights = layers.map(({ weights, bias }) => ({ weights: weights.map((row) => row.map((w) => w * 0.5)), bias }));
      weights[1].weights[3][7] = bad;
      expect(() => net.setWeights(weights)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    }
    // Nothing was written: the same outputs, from the same panels (no second pack).
    predictPastThreshold(net, x1, reference, 4);
    expect(packs.count).toBe(1);
    net.dispose();
  });

  it('a network disposed in a training callback once its panels exist frees them, and the fit rejects', () => {
    const heap = runtime().heap;
    const live = heap.liveBytes;
    const packs = countPacks();
    const net = network([512, 1024, 10], 'sigmoid');
    const x1 = inputs(1, 512, 19);
    expect(() => net.fitSync(inputs(4, 512, 20), new Float32Array(40).fill(0.5), {
      epochs: 3, batchSize: 2,
      onEpochEnd: () => {
        for (let i = 0; i <= PACK_AFTER_FORWARDS; i++) net.predict(x1);
        net.dispose();
      },
    })).toThrow(expect.objectContaining({ code: 'WASMGRAD_DISPOSED' }));
    expect(packs.count).toBe(1);
    expect(heap.liveBytes).toBe(live);
  });

  it('a network that cannot get the memory for its panels keeps predicting without them', () => {
    const net = network([512, 1024, 10], 'sigmoid');
    const x1 = inputs(1, 512, 17);
    const reference = twoRowReference(net, x1);
    const packs = countPacks();
    vi.spyOn(runtime().heap, 'alloc').mockImplementation(() => {
      throw codedError('WASMGRAD_OUT_OF_MEMORY', 'heap.alloc: out of memory (test)', 'RangeError');
    });
    predictPastThreshold(net, x1, reference, 3 * PACK_AFTER_FORWARDS);
    expect(packs.count).toBe(0);
  });

  it('a network whose panels would take more than PANEL_BUDGET_BYTES keeps predicting without them, and takes no memory for them', () => {
    const heap = runtime().heap;
    const net = network([512, 1024, 10], 'sigmoid');
    const x1 = inputs(1, 512, 22);
    const reference = twoRowReference(net, x1);
    const live = heap.liveBytes;
    const packs = countPacks();
    // As a model too large for the budget would report its wide layer (a real one would need 256 MiB of weights here).
    const bytes = vi.spyOn(runtime().backends.wasm, 'mlpPanelBytes').mockImplementation((_desc, layer) => (layer === 0 ? PANEL_BUDGET_BYTES + 1 : 0));
    predictPastThreshold(net, x1, reference, 3 * PACK_AFTER_FORWARDS);
    expect(packs.count).toBe(0);
    expect(heap.liveBytes).toBe(live);
    // Asked once, at the threshold, and never again: the network is known to keep none.
    expect(bytes.mock.calls.length).toBe(net.layers.length);
    net.dispose();
  });

  it('an allocation failure that is not running out of memory is not swallowed', () => {
    const net = network([512, 1024, 10], 'sigmoid');
    const x1 = inputs(1, 512, 18);
    for (let i = 0; i < PACK_AFTER_FORWARDS - 1; i++) net.predict(x1);
    vi.spyOn(runtime().heap, 'alloc').mockImplementation(() => {
      throw new TypeError('a bug in the allocator');
    });
    expect(() => net.predict(x1)).toThrow('a bug in the allocator');
  });
});
