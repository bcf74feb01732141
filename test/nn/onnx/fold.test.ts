/**
 * ONNX import folds Add/Sub/Mul/Div by constants and Gemm's alpha/beta into
 * the dense layers (src/nn/onnx/fold.ts): toOnnx's standardize and
 * destandardize round-trip, and graphs written here are imported to predict
 * what onnxruntime-web computes from the same bytes (1e-5 relative); a fold
 * that would cost more precision than that is refused, nothing allocated.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, type Activation } from '../../../src/index.js';
import { toOnnx } from '../../../src/nn/onnx/export.js';
import { fromOnnx } from '../../../src/nn/onnx/import.js';
import { runtime } from '../../../src/runtime.js';
import { initFromBuild } from '../../helpers.js';
import { expectSameAsOrt, maxRelativeDiff, model, TOLERANCE, type Node } from './graphs.js';
import { rows } from './ort.js';

beforeAll(async () => {
  await initFromBuild();
});

/** `count` raw rows x = mean + std·z, z in [-2, 2). */
function rawRows(count: number, mean: number[], std: number[], seed: number): Float32Array {
  const n = mean.length;
  return Float32Array.from(rows(count, n, seed), (z, k) => mean[k % n] + std[k % n] * z);
}

describe('round trips of toOnnx with standardize and destandardize', () => {
  const mean = [3, -20, 150, 0.25], std = [0.5, 4, 30, 0.01];

  it.each<[Activation, Activation]>([['relu', 'softmax'], ['gelu', 'sigmoid'], ['silu', 'linear']])('%s then %s: leading Sub/Div folded into the first layer', async (hidden, last) => {
    const net = sequential({ inputSize: 4, layers: [dense(6, { activation: hidden }), dense(3, { activation: last })], seed: 7 });
    const bytes = toOnnx(net, { standardize: { mean, std } });
    const x = rawRows(20, mean, std, 3);
    await expectSameAsOrt(bytes, 4, 3, [hidden, last], x);
    // Independently: the original network on inputs standardized by hand, in float64.
    const z = Float32Array.from(x, (v, k) => (v - mean[k % 4]) / std[k % 4]);
    const copy = fromOnnx(bytes);
    expect(maxRelativeDiff(copy.predict(x), net.predict(z))).toBeLessThanOrEqual(TOLERANCE);
    copy.dispose();
    net.dispose();
  });

  it('a regression model (linear last layer): trailing Mul/Add folded into the last layer, outputs in the target\'s units', async () => {
    const net = sequential({ inputSize: 4, layers: [dense(8, { activation: 'tanh' }), dense(2)], seed: 3 });
    const target = { mean: [5000, -3], std: [300, 0.2] };
    const bytes = toOnnx(net, { standardize: { mean, std }, destandardize: target });
    const x = rawRows(20, mean, std, 9);
    await expectSameAsOrt(bytes, 4, 2, ['tanh', 'linear'], x);
    const z = Float32Array.from(x, (v, k) => (v - mean[k % 4]) / std[k % 4]);
    const expected = Array.from(net.predict(z), (y, k) => y * target.std[k % 2] + target.mean[k % 2]);
    const copy = fromOnnx(bytes);
    expect(maxRelativeDiff(copy.predict(x), expected)).toBeLessThanOrEqual(TOLERANCE);
    copy.dispose();
    net.dispose();
  });

  it('means far from zero for their spread (a "year" column: mean 2000, std 10): refused, naming the nodes and the input, nothing allocated', () => {
    const net = sequential({ inputSize: 2, layers: [dense(3, { activation: 'relu' }), dense(1)], seed: 1 });
    const bytes = toOnnx(net, { standardize: { mean: [1, 2000], std: [1, 10] } });
    net.dispose();
    const live = runtime().heap.liveBytes;
    expect(() => fromOnnx(bytes)).toThrow(expect.objectContaining({
      code: 'WASMGRAD_UNSUPPORTED',
      message: expect.stringMatching(/node "standardize_sub" \(Sub\), node "standardize_div" \(Div\) before node "dense0_gemm" \(Gemm\) cannot be folded.*input 1 is shifted by 200 times its scale.*more than 0\.00001/),
    }));
    expect(runtime().heap.liveBytes).toBe(live);
  });
});

describe('graphs written here, against onnxruntime-web', () => {
  it('Gemm alpha 0.5 and beta 2 (transB = 1), folded into the weights and bias', async () => {
    await expectSameAsOrt(model({
      inputSize: 3, outputSize: 2, weights: { w0: [4, 3], b0: [4], w1: [4, 2], b1: [1, 2] },
      nodes: [['Gemm', ['x', 'w0', 'b0'], 'a0', { alpha: { float: 0.5 }, beta: { float: 2 }, transB: { int: 1 } }], ['Relu', ['a0'], 'h0'],
        ['Gemm', ['h0', 'w1', 'b1'], 'y', { alpha: { float: -3 }, beta: { float: 0.25 } }]],
    }), 3, 2, ['relu', 'linear']);
  });

  it('steps in every position: c − x and a scalar before the first layer, Mul between a layer and its activation, Div between an activation and the next layer', async () => {
    await expectSameAsOrt(model({
      inputSize: 3, outputSize: 2, weights: { c: [1, 3], two: [], w0: [3, 4], b0: [4], s: [4], w1: [4, 2], d: [4] },
      values: { c: [1, -2, 0.5], two: [2], s: [1.5, -0.5, 2, 0.75], d: [2, 4, -1, 0.5] },
      nodes: [['Sub', ['c', 'x'], 'n'], ['Mul', ['two', 'n'], 'm'], ['Gemm', ['m', 'w0', 'b0'], 'a0'], ['Mul', ['a0', 's'], 'a0s'], ['Tanh', ['a0s'], 'h0'],
        ['Div', ['h0', 'd'], 'h0d'], ['MatMul', ['h0d', 'w1'], 'y']],
    }), 3, 2, ['tanh', 'linear']);
  });
});

describe('refusals, nothing allocated', () => {
  const gemm = (before: Node[], after: Node[], values: Record<string, number[]> = {}, weights: Record<string, number[]> = {}) => model({
    inputSize: 2, outputSize: 2, weights: { w: [2, 2], b: [2], ...weights }, values,
    nodes: [...before, ['Gemm', [before.length ? 'p' : 'x', 'w', 'b'], after.length ? 'a' : 'y'], ...after],
  });
  const cases: [string, Uint8Array, RegExp][] = [
    ['Mul after the last activation', gemm([], [['Sigmoid', ['a'], 's'], ['Mul', ['s', 'k'], 'y']], {}, { k: [2] }),
      /node "mul2" \(Mul\) follows the last layer's activation \(sigmoid\)/],
    ['a constant divided by the chain', gemm([['Div', ['k', 'x'], 'p']], [], {}, { k: [2] }), /node "div0" \(Div\) divides the constant "k" by the chain's tensor/],
    ['a constant of dims [2, 2]', gemm([['Add', ['x', 'k'], 'p']], [], {}, { k: [2, 2] }), /node "add0" \(Add\) has the constant "k" of dims \[2,2\]/],
    ['a constant of 3 values for 2 features', gemm([['Add', ['x', 'k'], 'p']], [], {}, { k: [3] }), /node "add0" \(Add\) has the constant "k" of 3 values for 2 features/],
    ['a division by zero', gemm([['Div', ['x', 'k'], 'p']], [], { k: [1, 0] }, { k: [2] }), /folding node "gemm1" \(Gemm\), node "div0" \(Div\) gives -?Infinity in the weights/],
    ['an add of two chain tensors', gemm([], [['Add', ['a', 'a'], 'y']]), /node "add1" \(Add\) is not supported: wasmgrad imports .*Add\/Sub\/Mul\/Div by constants/],
  ];
  it.each(cases)('%s', (_, bytes, message) => {
    const live = runtime().heap.liveBytes;
    expect(() => fromOnnx(bytes)).toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(message) }));
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('Gemm alpha Infinity: refused (the weights would not be finite)', () => {
    const live = runtime().heap.liveBytes;
    const bytes = model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2] }, nodes: [['Gemm', ['x', 'w'], 'y', { alpha: { float: Number.POSITIVE_INFINITY } }]] });
    expect(() => fromOnnx(bytes)).toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/folding node "gemm0" \(Gemm\) gives -?Infinity in the weights.*alpha Infinity/) }));
    expect(runtime().heap.liveBytes).toBe(live);
  });
});
