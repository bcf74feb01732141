/**
 * mlpTrainEpochs (assembly/mlp.ts and its twin src/backend/js/mlp.ts): many
 * epochs in one call, each shuffled by the kernel. On each backend it must
 * give the bits of the per-epoch loop it replaces (src/random.ts's shuffle,
 * then one mlpTrainBatches call per epoch): the same orders, generator state,
 * weights, step count and loss sums, and the same stop on a non-finite step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime, type Runtime } from '../../src/runtime.js';
import { LOSS_IDS, OPTIMIZER_IDS, type Activation } from '../../src/backend/kinds.js';
import type { BackendName } from '../../src/backend/backend.js';
import { stepIndex } from '../../src/backend/descriptor.js';
import { planNetwork, writeDescriptor, writePaths, type NetworkPlan } from '../../src/nn/layout.js';
import { pathBits } from '../../src/nn/paths.js';
import { sgd } from '../../src/nn/optimizers.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { await initFromBuild(); rt = runtime(); });

const BACKENDS: BackendName[] = ['wasm', 'js'];

interface Net { block: number; plan: NetworkPlan }

/** A plain-SGD network block as Network lays it out (paths chosen the same way), seeded weights in [-1, 1). */
function makeNet(inputSize: number, layers: { units: number; activation: Activation }[], batchSize: number, seed = 1): Net {
  const plan = planNetwork(inputSize, layers, batchSize, 0);
  const block = rt.heap.alloc(plan.bytes);
  const { i32, f32 } = rt.heap.views;
  i32.fill(0, block >> 2, (block + plan.bytes) >> 2);
  writeDescriptor(i32, block, plan, inputSize, LOSS_IDS.l2, rt.gemmWork, OPTIMIZER_IDS.sgd);
  writePaths(i32, block, pathBits({ inputSize, layers: layers.map((l) => ({ ...l, dropout: 0 })), loss: 'l2', optimizer: sgd({ learningRate: 0.1 }) }));
  const random = new Random(seed);
  for (let i = 0; i < plan.paramCount; i++) f32[((block + plan.params) >> 2) + i] = random.uniform(-1, 1);
  return { block, plan };
}

const paramBits = ({ block, plan }: Net) => Array.from(rt.heap.views.i32.subarray((block + plan.params) >> 2, ((block + plan.params) >> 2) + plan.paramCount));
const step = ({ block }: Net) => rt.heap.views.f64[stepIndex(block)];

/** Samples in linear memory, an identity order, and room for the kernel's scratch (state words, rates, losses). */
function makeData(inputSize: number, outputSize: number, samples: number, epochs: number, seed: number) {
  const random = new Random(seed);
  const alloc = (bytes: number) => rt.heap.alloc(Math.max(bytes, 16));
  const x = alloc(samples * inputSize * 4), t = alloc(samples * outputSize * 4 + 16);
  for (let i = 0; i < samples * inputSize; i++) rt.heap.views.f32[(x >> 2) + i] = random.uniform(-2, 2);
  for (let i = 0; i < samples * outputSize; i++) rt.heap.views.f32[(t >> 2) + i] = random.uniform(0, 1);
  const order = alloc(samples * 4), state = alloc(16), rates = alloc(epochs * 8), losses = alloc(epochs * 8);
  const orderView = () => rt.heap.views.i32.subarray(order >> 2, (order >> 2) + samples);
  orderView().forEach((_, i, o) => { o[i] = i; });
  return { x, t, order, state, rates, losses, samples, orderView, free: () => [x, t, order, state, rates, losses].forEach((p) => rt.heap.free(p)) };
}
type Data = ReturnType<typeof makeData>;

/** The loop mlpTrainEpochs replaces: a JS shuffle, then one mlpTrainBatches call per epoch. Stops as the kernel does. */
function perEpoch(backend: BackendName, net: Net, data: Data, batchSize: number, rates: number[], random: Random | null) {
  const result = net.block + net.plan.result;
  const losses: number[] = [];
  for (const rate of rates) {
    random?.shuffle(data.orderView());
    const done = rt.backends[backend].mlpTrainBatches(net.block, data.x, data.t, data.order, 0, data.samples, batchSize, rate, result);
    losses.push(rt.heap.views.f64[result >> 3]);
    if (rt.heap.views.f64[(result >> 3) + 1] !== 0) return { completed: losses.length - 1, losses, samplesInLast: done, diverged: 1 };
  }
  return { completed: rates.length, losses, samplesInLast: data.samples, diverged: 0 };
}

/** The same epochs in one mlpTrainEpochs call, the generator's state passed through linear memory. */
function together(backend: BackendName, net: Net, data: Data, batchSize: number, rates: number[], random: Random | null) {
  const { f64, i32 } = rt.heap.views;
  const result = net.block + net.plan.result;
  rates.forEach((rate, e) => { f64[(data.rates >> 3) + e] = rate; });
  random?.writeState(i32, data.state >> 2);
  const completed = rt.backends[backend].mlpTrainEpochs(net.block, data.x, data.t, data.order, data.samples, batchSize, rates.length,
    data.rates, random ? data.state : 0, data.losses, result);
  random?.readState(rt.heap.views.i32, data.state >> 2);
  const losses = Array.from(rt.heap.views.f64.subarray(data.losses >> 3, (data.losses >> 3) + Math.min(completed + 1, rates.length)));
  return { completed, losses, samplesInLast: rt.heap.views.f64[result >> 3], diverged: rt.heap.views.f64[(result >> 3) + 1] };
}

describe('the kernel\'s shuffle is src/random.ts\'s', () => {
  for (const backend of BACKENDS) {
    for (const samples of [1, 2, 3, 7, 64, 1000]) {
      it(`${backend}: ${samples} samples, 5 epochs: the same orders and the same generator state as Random.shuffle`, () => {
        const net = makeNet(1, [{ units: 1, activation: 'linear' }, { units: 1, activation: 'linear' }], 1);
        const data = makeData(1, 1, samples, 5, 3);
        const mine = new Random(77, 1), reference = new Random(77, 1);
        together(backend, net, data, 1, [0, 0, 0, 0, 0], mine); // learning rate 0: only the order matters here
        const expected = Int32Array.from({ length: samples }, (_, i) => i);
        for (let e = 0; e < 5; e++) reference.shuffle(expected);
        expect(Array.from(data.orderView())).toEqual(Array.from(expected));
        expect(mine.nextUint32()).toBe(reference.nextUint32());
        if (samples > 3) expect(Array.from(expected)).not.toEqual(Array.from({ length: samples }, (_, i) => i)); // it did shuffle
        rt.heap.free(net.block);
        data.free();
      });
    }
  }

  it('without a generator (random = 0) the order is left as it is', () => {
    const net = makeNet(1, [{ units: 1, activation: 'linear' }, { units: 1, activation: 'linear' }], 1);
    const data = makeData(1, 1, 9, 3, 3);
    data.orderView().reverse();
    const before = Array.from(data.orderView());
    together('wasm', net, data, 1, [0.1, 0.1, 0.1], null);
    expect(Array.from(data.orderView())).toEqual(before);
    rt.heap.free(net.block);
    data.free();
  });
});

describe('mlpTrainEpochs gives the bits of one mlpTrainBatches call per epoch', () => {
  const shapes: [string, number, { units: number; activation: Activation }[], number, number][] = [
    ['2-3-2 sigmoid, batch 1 (the tiny path)', 2, [{ units: 3, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], 4, 1],
    ['3-5-2 tanh/sigmoid, batch 2 of 7 (narrow, a short last batch)', 3, [{ units: 5, activation: 'tanh' }, { units: 2, activation: 'sigmoid' }], 7, 2],
    ['4-20-3 relu/linear, batch 4 of 10 (general)', 4, [{ units: 20, activation: 'relu' }, { units: 3, activation: 'linear' }], 10, 4],
  ];
  for (const backend of BACKENDS) {
    for (const [name, inputSize, layers, samples, batchSize] of shapes) {
      for (const shuffle of [true, false]) {
        it(`${backend}: ${name}, ${shuffle ? 'shuffled' : 'in order'}, 30 epochs at changing rates`, () => {
          const a = makeNet(inputSize, layers, batchSize, 5), b = makeNet(inputSize, layers, batchSize, 5);
          const before = paramBits(a);
          const dataA = makeData(inputSize, layers.at(-1)!.units, samples, 30, 8), dataB = makeData(inputSize, layers.at(-1)!.units, samples, 30, 8);
          const rates = Array.from({ length: 30 }, (_, e) => 0.05 * 0.93 ** e);
          const ra = shuffle ? new Random(4, 1) : null, rb = shuffle ? new Random(4, 1) : null;
          const x = perEpoch(backend, a, dataA, batchSize, rates, ra);
          const y = together(backend, b, dataB, batchSize, rates, rb);
          expect(y).toEqual(x);
          expect(y).toMatchObject({ completed: 30, diverged: 0, samplesInLast: samples });
          expect(paramBits(b)).toEqual(paramBits(a));
          expect(paramBits(b)).not.toEqual(before);
          expect(step(b)).toBe(step(a));
          expect(step(b)).toBe(30 * Math.ceil(samples / batchSize));
          expect(Array.from(dataB.orderView())).toEqual(Array.from(dataA.orderView()));
          if (ra && rb) expect(rb.nextUint32()).toBe(ra.nextUint32());
          [a, b].forEach((n) => rt.heap.free(n.block));
          [dataA, dataB].forEach((d) => d.free());
        });
      }
    }

    for (const [hidden, batchSize] of [[3, 1], [20, 2]]) {
      it(`${backend}: 2-${hidden}-2 linear, batch ${batchSize}: stops at the step the per-epoch loop stops at, with the same weights and counts`, () => {
        const layers: { units: number; activation: Activation }[] = [{ units: hidden, activation: 'linear' }, { units: 2, activation: 'linear' }];
        const a = makeNet(2, layers, batchSize, 2), b = makeNet(2, layers, batchSize, 2);
        const dataA = makeData(2, 2, 6, 60, 4), dataB = makeData(2, 2, 6, 60, 4);
        // The rate grows each epoch until a step overflows.
        const rates = Array.from({ length: 60 }, (_, e) => 0.01 * 1.6 ** e);
        const x = perEpoch(backend, a, dataA, batchSize, rates, new Random(9, 1));
        const y = together(backend, b, dataB, batchSize, rates, new Random(9, 1));
        expect(x.diverged).toBe(1);
        expect(x.completed).toBeGreaterThan(3);
        expect(x.completed).toBeLessThan(59);
        expect(y).toEqual(x);
        expect(paramBits(b)).toEqual(paramBits(a));
        expect(step(b)).toBe(step(a));
        const f32 = rt.heap.views.f32;
        expect(Array.from(f32.subarray((b.block + b.plan.params) >> 2, ((b.block + b.plan.params) >> 2) + b.plan.paramCount)).every(Number.isFinite)).toBe(true);
        [a, b].forEach((n) => rt.heap.free(n.block));
        [dataA, dataB].forEach((d) => d.free());
      });
    }
  }
});
