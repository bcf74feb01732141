/**
 * The tiny-network kernel (assembly/mlp-tiny.ts): which networks take it (the
 * allow-list of src/nn/paths.ts, written to the descriptor's SLOT_PATHS), and
 * that it trains bit for bit like the general narrow path plus the SGD update
 * it replaces, including where training must stop on a non-finite step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime, type Runtime } from '../../src/runtime.js';
import { HYPER, kernelLossId, OPTIMIZER_IDS, PATH_BITS, type Activation, type Loss } from '../../src/backend/kinds.js';
import { headerIndex, SLOT_NORMS, SLOT_PATHS, stepIndex } from '../../src/backend/descriptor.js';
import { planNetwork, writeDescriptor, type NetworkPlan } from '../../src/nn/layout.js';
import { pathBits } from '../../src/nn/paths.js';
import { writePaths } from '../../src/nn/layout.js';
import type { Sgd } from '../../src/nn/optimizers.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { await initFromBuild(); rt = runtime(); });

interface Spec {
  inputSize: number;
  layers: { units: number; activation: Activation; dropout?: number }[];
  loss?: Loss;
  stateArrays?: 0 | 1;
  hyper?: Partial<Record<keyof typeof HYPER, number>>;
}

/** The spec's paths, as Network chooses them: its SGD settings are the hyper-parameters it sets. */
function specPaths(spec: Spec): number {
  const h = spec.hyper ?? {};
  const optimizer: Sgd = { type: 'sgd', learningRate: 0.01, momentum: h.beta1 ?? 0, nesterov: false, weightDecay: h.weightDecay ?? 0, l2: h.l2 ?? 0, clipNorm: h.clipNorm ?? 0 };
  return pathBits({ inputSize: spec.inputSize, layers: spec.layers.map((l) => ({ ...l, dropout: l.dropout ?? 0 })), loss: spec.loss ?? 'l2', optimizer });
}

/** A network block as Network lays it out, with seeded weights in [-1, 1). */
function makeBlock(spec: Spec, seed = 1): { block: number; plan: NetworkPlan } {
  const plan = planNetwork(spec.inputSize, spec.layers, 1, spec.stateArrays ?? 0);
  const block = rt.heap.alloc(plan.bytes);
  const { i32, f32 } = rt.heap.views;
  i32.fill(0, block >> 2, (block + plan.bytes) >> 2);
  writeDescriptor(i32, block, plan, spec.inputSize, kernelLossId(spec.loss ?? 'l2'), rt.gemmWork, OPTIMIZER_IDS.sgd);
  writePaths(i32, block, specPaths(spec));
  for (const [name, value] of Object.entries(spec.hyper ?? {})) f32[((block + plan.hyper) >> 2) + HYPER[name as keyof typeof HYPER]] = value;
  const random = new Random(seed);
  for (let i = 0; i < plan.paramCount; i++) f32[((block + plan.params) >> 2) + i] = random.uniform(-1, 1);
  return { block, plan };
}

const isTiny = (block: number) => (rt.heap.views.i32[headerIndex(block, SLOT_PATHS)] & PATH_BITS.tiny) !== 0;
const bits = (block: number, plan: NetworkPlan) =>
  Array.from(rt.heap.views.i32.subarray((block + plan.params) >> 2, ((block + plan.params) >> 2) + plan.paramCount));

describe('the tiny path\'s allow-list', () => {
  const seed: Spec = { inputSize: 2, layers: [{ units: 3, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }] };
  const cases: [string, Spec, boolean][] = [
    ["the seed's 2-3-2, L2, SGD", seed, true],
    ['1-1-1', { inputSize: 1, layers: [{ units: 1, activation: 'tanh' }, { units: 1, activation: 'linear' }] }, true],
    ['4-4-4', { inputSize: 4, layers: [{ units: 4, activation: 'relu' }, { units: 4, activation: 'elu' }] }, true],
    ['5 inputs', { ...seed, inputSize: 5 }, false],
    ['5 hidden units', { ...seed, layers: [{ units: 5, activation: 'sigmoid' }, seed.layers[1]] }, false],
    ['5 outputs', { ...seed, layers: [seed.layers[0], { units: 5, activation: 'sigmoid' }] }, false],
    ['one layer', { ...seed, layers: [seed.layers[1]] }, false],
    ['three layers', { ...seed, layers: [...seed.layers, seed.layers[1]] }, false],
    ['softmax output', { ...seed, layers: [seed.layers[0], { units: 2, activation: 'softmax' }] }, false],
    ['dropout', { ...seed, layers: [{ ...seed.layers[0], dropout: 0.5 }, seed.layers[1]] }, false],
    ['mse loss', { ...seed, loss: 'mse' }, false],
    ['binary cross-entropy', { ...seed, loss: 'binaryCrossentropy' }, false],
    ['momentum (optimizer state)', { ...seed, stateArrays: 1, hyper: { beta1: 0.9 } }, false],
    ['weight decay', { ...seed, hyper: { weightDecay: 0.01 } }, false],
    ['coupled L2', { ...seed, hyper: { l2: 0.01 } }, false],
    ['gradient clipping', { ...seed, hyper: { clipNorm: 1 } }, false],
  ];
  for (const [name, spec, want] of cases) {
    it(`${name}: ${want ? 'tiny' : 'not tiny'}`, () => {
      const { block } = makeBlock(spec);
      expect(isTiny(block)).toBe(want);
      rt.heap.free(block);
    });
  }
});

/** Runs mlpTrainBatches with batches of one; `narrow` sets a norms table, which keeps training off the tiny kernel. */
function train(block: number, plan: NetworkPlan, data: { x: number; t: number; order: number; samples: number }, learningRate: number, narrow: boolean) {
  const { i32, f64 } = rt.heap.views;
  const result = block + plan.result;
  if (narrow) i32[headerIndex(block, SLOT_NORMS)] = block + plan.norms;
  const done = rt.backends.wasm.mlpTrainBatches(block, data.x, data.t, data.order, 0, data.samples, 1, learningRate, result);
  i32[headerIndex(block, SLOT_NORMS)] = 0;
  return { done, lossSum: f64[result >> 3], diverged: f64[(result >> 3) + 1], step: f64[stepIndex(block)] };
}

function makeData(inputSize: number, outputSize: number, samples: number, seed: number) {
  const random = new Random(seed);
  const put = (n: number, f: () => number) => {
    const at = rt.heap.alloc(n * 4);
    for (let i = 0; i < n; i++) rt.heap.views.f32[(at >> 2) + i] = f();
    return at;
  };
  const x = put(samples * inputSize, () => random.uniform(-2, 2));
  const t = put(samples * outputSize, () => random.uniform(0, 1));
  const order = rt.heap.alloc(samples * 4);
  const orderView = rt.heap.views.i32.subarray(order >> 2, (order >> 2) + samples);
  orderView.forEach((_, i) => { orderView[i] = i; });
  random.shuffle(orderView);
  return { x, t, order, samples, free: () => [x, t, order].forEach((p) => rt.heap.free(p)) };
}

describe('tinyTrain gives the bits of the narrow path and its SGD update', () => {
  const shapes: [number, number, number, Activation, Activation][] = [
    [2, 3, 2, 'sigmoid', 'sigmoid'], [1, 1, 1, 'sigmoid', 'sigmoid'], [4, 4, 4, 'tanh', 'sigmoid'],
    [3, 2, 4, 'relu', 'linear'], [2, 4, 1, 'leakyRelu', 'tanh'], [4, 1, 3, 'elu', 'softplus'], [1, 4, 2, 'softplus', 'relu'],
  ];
  for (const [inputSize, hidden, outputs, hiddenActivation, outActivation] of shapes) {
    it(`${inputSize}-${hidden}-${outputs} ${hiddenActivation}/${outActivation}: 3 epochs of 57 shuffled samples`, () => {
      const spec: Spec = { inputSize, layers: [{ units: hidden, activation: hiddenActivation }, { units: outputs, activation: outActivation }] };
      const tiny = makeBlock(spec, 5), narrow = makeBlock(spec, 5);
      expect(isTiny(tiny.block)).toBe(true);
      const data = makeData(inputSize, outputs, 57, 11);
      for (let epoch = 0; epoch < 3; epoch++) {
        const a = train(tiny.block, tiny.plan, data, 0.05, false);
        const b = train(narrow.block, narrow.plan, data, 0.05, true);
        expect(a).toEqual(b);
        expect(a).toMatchObject({ done: 57, diverged: 0, step: 57 * (epoch + 1) });
        expect(bits(tiny.block, tiny.plan)).toEqual(bits(narrow.block, narrow.plan));
      }
      // The weights moved: the comparison above is not between two untouched copies.
      const untouched = makeBlock(spec, 5);
      expect(bits(tiny.block, tiny.plan)).not.toEqual(bits(untouched.block, untouched.plan));
      [tiny, narrow, untouched].forEach(({ block }) => rt.heap.free(block));
      data.free();
    });
  }

  it('takes the tiny kernel: the gradient scratch, which only the narrow path writes, stays untouched', () => {
    const spec: Spec = { inputSize: 2, layers: [{ units: 3, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }] };
    const { block, plan } = makeBlock(spec);
    const data = makeData(2, 2, 9, 3);
    const grads = () => Array.from(rt.heap.views.f32.subarray((block + plan.grads) >> 2, ((block + plan.grads) >> 2) + plan.paramCount));
    train(block, plan, data, 0.5, false);
    expect(grads().every((g) => g === 0)).toBe(true);
    train(block, plan, data, 0.5, true);
    expect(grads().some((g) => g !== 0)).toBe(true);
    rt.heap.free(block);
    data.free();
  });

  it('stops at the step that would make a weight non-finite, with the weights of the step before, as the narrow path does', () => {
    const spec: Spec = { inputSize: 2, layers: [{ units: 3, activation: 'linear' }, { units: 2, activation: 'linear' }] };
    const tiny = makeBlock(spec, 2), narrow = makeBlock(spec, 2);
    const data = makeData(2, 2, 40, 4);
    const a = train(tiny.block, tiny.plan, data, 1e12, false);
    const b = train(narrow.block, narrow.plan, data, 1e12, true);
    expect(a.diverged).toBe(1);
    expect(a.done).toBeGreaterThan(0);
    expect(a.done).toBeLessThan(40);
    expect(a).toEqual(b);
    expect(bits(tiny.block, tiny.plan)).toEqual(bits(narrow.block, narrow.plan));
    const weights = rt.heap.views.f32.subarray((tiny.block + tiny.plan.params) >> 2, ((tiny.block + tiny.plan.params) >> 2) + tiny.plan.paramCount);
    expect(weights.every(Number.isFinite)).toBe(true);
    [tiny, narrow].forEach(({ block }) => rt.heap.free(block));
    data.free();
  });

  it('keeps training when the weights are finite but their sum overflows (the cheap check is rechecked value by value)', () => {
    const spec: Spec = { inputSize: 2, layers: [{ units: 3, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }] };
    const tiny = makeBlock(spec, 2), narrow = makeBlock(spec, 2);
    // W1 and b1 zero, W2 all 3e38: h = 1/2, y = σ(+Inf) = 1, so δ = 0 and every weight stays finite, but Σ W2 overflows.
    for (const { block, plan } of [tiny, narrow]) {
      const f32 = rt.heap.views.f32;
      f32.fill(0, (block + plan.params) >> 2, ((block + plan.params) >> 2) + plan.paramCount);
      f32.fill(3e38, (block + plan.layers[1].weights) >> 2, ((block + plan.layers[1].weights) >> 2) + 6);
    }
    const data = makeData(2, 2, 20, 4);
    const a = train(tiny.block, tiny.plan, data, 0.5, false);
    expect(a).toMatchObject({ done: 20, diverged: 0 });
    expect(a).toEqual(train(narrow.block, narrow.plan, data, 0.5, true));
    expect(bits(tiny.block, tiny.plan)).toEqual(bits(narrow.block, narrow.plan));
    [tiny, narrow].forEach(({ block }) => rt.heap.free(block));
    data.free();
  });

  it('stops before a sample whose target is not finite', () => {
    const spec: Spec = { inputSize: 2, layers: [{ units: 3, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }] };
    const tiny = makeBlock(spec, 2), narrow = makeBlock(spec, 2);
    const data = makeData(2, 2, 20, 4);
    const poisoned = rt.heap.views.i32[(data.order >> 2) + 7];
    rt.heap.views.f32[(data.t >> 2) + poisoned * 2 + 1] = Infinity;
    const a = train(tiny.block, tiny.plan, data, 0.5, false);
    expect(a).toMatchObject({ done: 7, diverged: 1, step: 7 });
    expect(a).toEqual(train(narrow.block, narrow.plan, data, 0.5, true));
    expect(bits(tiny.block, tiny.plan)).toEqual(bits(narrow.block, narrow.plan));
    [tiny, narrow].forEach(({ block }) => rt.heap.free(block));
    data.free();
  });
});
