/**
 * Every op's gradient against central finite differences (checkGradients),
 * on random shapes and broadcast cases, on both backends; and the two
 * backends against each other.
 *
 * Tolerance: values are float32 and ε = 1e-2, so differences carry ~1e-4
 * rounding and O(ε²) curvature error: maxError < 5e-3 (relative to
 * max(1, |gradient|)) passes correct rules and fails wrong ones by far
 * (a missing factor or a wrong sign is an error of order 1).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { checkGradients, tensor, tidy, type Tensor } from '../../src/index.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

type Backend = 'wasm' | 'js';
const random = new Random(2024);
function randomTensor(shape: number[], backend: Backend, low = -1.5, high = 1.5): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tensor(new Float32Array(size).map(() => random.uniform(low, high)), shape, { backend });
}
/** Reduces an op's output to a scalar with fixed random weights, so every output element matters differently. */
function weightedSum(out: Tensor, seed: number): Tensor {
  const r = new Random(seed);
  const weights = tensor(new Float32Array(out.size).map(() => r.uniform(0.5, 1.5)), out.shape.length ? [...out.shape] : [1], { backend: out.backend });
  return out.rank === 0 ? out.mul(weights.reshape([])) : out.mul(weights).sum();
}

interface Case {
  name: string;
  shapes: number[][];
  /** Input ranges, per input: [low, high]. */
  ranges?: [number, number][];
  f: (...xs: Tensor[]) => Tensor;
}

const cases: Case[] = [
  { name: 'add', shapes: [[3, 4], [3, 4]], f: (a, b) => a.add(b) },
  { name: 'add, broadcast [3,4] + [4]', shapes: [[3, 4], [4]], f: (a, b) => a.add(b) },
  { name: 'add, broadcast [3,1] + [1,5]', shapes: [[3, 1], [1, 5]], f: (a, b) => a.add(b) },
  { name: 'add a number', shapes: [[5]], f: (a) => a.add(2.5) },
  { name: 'sub, broadcast [2,3,4] - [3,1]', shapes: [[2, 3, 4], [3, 1]], f: (a, b) => a.sub(b) },
  { name: 'sub from a number', shapes: [[4]], f: (a) => a.sub(1).neg().add(3) },
  { name: 'mul', shapes: [[7], [7]], f: (a, b) => a.mul(b) },
  { name: 'mul, broadcast scalar × [2,5]', shapes: [[], [2, 5]], f: (a, b) => a.mul(b) },
  { name: 'div', shapes: [[6], [6]], ranges: [[-2, 2], [0.5, 2]], f: (a, b) => a.div(b) },
  { name: 'div, broadcast [4,3] / [3]', shapes: [[4, 3], [3]], ranges: [[-2, 2], [0.5, 2]], f: (a, b) => a.div(b) },
  { name: 'div by a number', shapes: [[5]], f: (a) => a.div(4) },
  { name: 'pow, number exponent', shapes: [[6]], ranges: [[0.3, 2]], f: (a) => a.pow(3) },
  { name: 'pow, fractional exponent', shapes: [[6]], ranges: [[0.3, 2]], f: (a) => a.pow(1.5) },
  { name: 'pow, tensor exponent', shapes: [[5], [5]], ranges: [[0.5, 2], [-1, 2]], f: (a, b) => a.pow(b) },
  { name: 'neg', shapes: [[3, 2]], f: (a) => a.neg() },
  { name: 'exp', shapes: [[9]], f: (a) => a.exp() },
  { name: 'log', shapes: [[9]], ranges: [[0.5, 3]], f: (a) => a.log() },
  { name: 'sqrt', shapes: [[9]], ranges: [[0.5, 3]], f: (a) => a.sqrt() },
  { name: 'abs', shapes: [[8]], ranges: [[0.2, 2]], f: (a) => a.abs().add(a.neg().abs()) },
  { name: 'sigmoid', shapes: [[3, 5]], f: (a) => a.sigmoid() },
  { name: 'tanh', shapes: [[3, 5]], f: (a) => a.tanh() },
  { name: 'relu', shapes: [[11]], ranges: [[0.1, 2]], f: (a) => a.relu().add(a.neg().relu()) },
  { name: 'softmax', shapes: [[3, 4]], f: (a) => a.softmax() },
  { name: 'sum (all)', shapes: [[3, 4]], f: (a) => a.sum().mul(1) },
  { name: 'sum over axis 0', shapes: [[3, 4]], f: (a) => a.sum(0) },
  { name: 'sum over axis -1, keepDims', shapes: [[2, 3, 4]], f: (a) => a.sum(-1, true) },
  { name: 'mean over axis 1', shapes: [[2, 5, 3]], f: (a) => a.mean(1) },
  { name: 'mean (all)', shapes: [[4, 2]], f: (a) => a.mean().mul(1) },
  { name: 'max over axis 1', shapes: [[4, 6]], f: (a) => a.max(1) },
  { name: 'max (all)', shapes: [[10]], f: (a) => a.max().mul(1) },
  { name: 'matmul', shapes: [[3, 5], [5, 4]], f: (a, b) => a.matmul(b) },
  { name: 'matmul, odd sizes', shapes: [[7, 9], [9, 13]], f: (a, b) => a.matmul(b) },
  { name: 'transpose', shapes: [[3, 5]], f: (a) => a.transpose() },
  { name: 'reshape', shapes: [[3, 4]], f: (a) => a.reshape([2, 6]) },
  { name: 'a composite: a dense layer with softmax', shapes: [[4, 3], [3, 5], [5]], f: (x, w, b) => x.matmul(w).add(b).softmax() },
];

describe.each(['wasm', 'js'] as Backend[])('gradients vs central finite differences (%s backend)', (backend) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const inputs = c.shapes.map((shape, i) => randomTensor(shape, backend, ...(c.ranges?.[i] ?? [-1.5, 1.5])));
    const result = checkGradients((...xs) => weightedSum(c.f(...xs), 99), inputs);
    expect(result.checked).toBe(inputs.reduce((s, t) => s + t.size, 0));
    expect(result.maxError, JSON.stringify(result.worst)).toBeLessThan(5e-3);
    inputs.forEach((t) => t.dispose());
  });
});

describe('the wasm and js backends agree on every op', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const values = c.shapes.map((shape, i) => {
      const [low, high] = c.ranges?.[i] ?? [-1.5, 1.5];
      return new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => random.uniform(low, high));
    });
    const run = (backend: Backend) => tidy(() => {
      const inputs = values.map((v, i) => tensor(v, c.shapes[i], { requiresGrad: true, backend }));
      const out = weightedSum(c.f(...inputs), 7);
      out.backward();
      const result = { value: out.item(), grads: inputs.map((t) => Array.from(t.grad!.dataSync())) };
      inputs.forEach((t) => t.dispose());
      return result;
    });
    const wasm = run('wasm'), js = run('js');
    expect(wasm.value).toBeCloseTo(js.value, 4);
    wasm.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(js.grads[i][j], 4)));
  });
});
