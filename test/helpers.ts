/**
 * Shared test helpers: loading the built module from source tests, a seeded
 * float64 reference of the network forward pass, and random data.
 */
import { readFileSync } from 'node:fs';
import { init } from '../src/index.js';
import { Random } from '../src/random.js';
import type { Activation, Loss } from '../src/backend/kinds.js';
import { normalCdf, normalPdf } from '../src/backend/js/math.js';
import { crc32 } from '../src/nn/crc32.js';

/**
 * The baseline build, or the one WASMGRAD_TEST_WASM names (`wasmgrad-relaxed.wasm`: run the suites that
 * use initFromBuild on the relaxed-SIMD build, where the engine has relaxed SIMD).
 */
export const TEST_WASM = process.env.WASMGRAD_TEST_WASM || 'wasmgrad.wasm';
const WASM_PATH = new URL(`../build/${TEST_WASM}`, import.meta.url);

/** Initialises the source-tree runtime with the built wasm (run `npm run build` first; `npm test` does). */
export function initFromBuild() {
  return init({ wasm: readFileSync(WASM_PATH) });
}

export interface ReferenceLayer {
  weights: number[][];
  bias: number[];
  activation: Activation;
}

/** f(a) in float64, for the elementwise activations (softmax is per row: see referenceForward). */
export function activate(activation: Activation, a: number): number {
  switch (activation) {
    case 'linear': return a;
    case 'sigmoid': return 1 / (1 + Math.exp(-a));
    case 'tanh': return Math.tanh(a);
    case 'relu': return Math.max(0, a);
    case 'leakyRelu': return a > 0 ? a : 0.01 * a;
    case 'elu': return a > 0 ? a : Math.expm1(a);
    case 'softplus': return Math.log1p(Math.exp(a));
    // Φ by the float64 erf that test/backend/erf.test.ts checks against tabulated values.
    case 'gelu': return a * normalCdf(a);
    case 'silu': return a / (1 + Math.exp(-a));
    case 'softmax': throw new Error('softmax is not elementwise');
  }
}

/**
 * f'(a) in float64, written independently of the library: from the output y
 * where the library takes it from y (so a test compares the same formula on
 * the kernel's own y), from a for gelu and silu (needsPreactivation).
 */
export function activationSlope(activation: Activation, a: number, y: number): number {
  const s = 1 / (1 + Math.exp(-a));
  switch (activation) {
    case 'linear': return 1;
    case 'sigmoid': return y * (1 - y);
    case 'tanh': return 1 - y * y;
    case 'relu': return y > 0 ? 1 : 0;
    case 'leakyRelu': return y > 0 ? 1 : 0.01;
    case 'elu': return y > 0 ? 1 : y + 1;
    case 'softplus': return 1 - Math.exp(-y);
    case 'gelu': return normalCdf(a) + a * normalPdf(a);
    case 'silu': return s * (1 + a * (1 - s));
    case 'softmax': throw new Error('softmax is not elementwise');
  }
}

/** Forward pass in float64, written independently of the library: every layer's output. */
export function referenceForward(layers: ReferenceLayer[], x: number[]): number[][] {
  const outputs: number[][] = [];
  let h = x;
  for (const layer of layers) {
    const units = layer.bias.length;
    const a = new Array<number>(units);
    for (let j = 0; j < units; j++) {
      a[j] = layer.bias[j];
      for (let i = 0; i < h.length; i++) a[j] += h[i] * layer.weights[i][j];
    }
    let y: number[];
    if (layer.activation === 'softmax') {
      const top = Math.max(...a);
      const e = a.map((v) => Math.exp(v - top));
      const total = e.reduce((s, v) => s + v, 0);
      y = e.map((v) => v / total);
    } else {
      y = a.map((v) => activate(layer.activation, v));
    }
    outputs.push(y);
    h = y;
  }
  return outputs;
}

/**
 * One sample's loss in float64, written from the definitions (l2 is the
 * seed's 1/2 Σ (y - t)²). For sparseCategoricalCrossentropy, t is [c], the class index.
 */
export function sampleLoss(loss: Loss, y: number[], t: number[]): number {
  const n = y.length;
  switch (loss) {
    case 'l2': return y.reduce((s, yj, j) => s + 0.5 * (yj - t[j]) ** 2, 0);
    case 'mse': return y.reduce((s, yj, j) => s + (yj - t[j]) ** 2, 0) / n;
    case 'binaryCrossentropy': return -y.reduce((s, yj, j) => s + t[j] * Math.log(yj) + (1 - t[j]) * Math.log(1 - yj), 0) / n;
    case 'categoricalCrossentropy': return -y.reduce((s, yj, j) => s + t[j] * Math.log(yj), 0);
    case 'sparseCategoricalCrossentropy': return -Math.log(y[t[0]]);
  }
}

/** Mean over samples of the loss, in float64. */
export function referenceLoss(layers: ReferenceLayer[], inputs: number[][], targets: number[][], loss: Loss = 'l2'): number {
  let sum = 0;
  inputs.forEach((x, s) => { sum += sampleLoss(loss, referenceForward(layers, x).at(-1)!, targets[s]); });
  return sum / inputs.length;
}

/** rows×cols uniform values in [low, high). */
export function randomMatrix(random: Random, rows: number, cols: number, low = -1, high = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => random.uniform(low, high)));
}

/** n samples of uniform [0, 1) inputs and targets, from a generator seeded with `seed`. */
export function randomSamples(n: number, inputs: number, outputs: number, seed: number): [number[][], number[][]] {
  const random = new Random(seed);
  return [randomMatrix(random, n, inputs, 0, 1), randomMatrix(random, n, outputs, 0, 1)];
}

/** Largest |a - b| over two equally shaped nested arrays. */
export function maxAbsDiff(a: number[][] | number[], b: number[][] | number[]): number {
  const fa = (a as unknown[]).flat(2) as number[];
  const fb = (b as unknown[]).flat(2) as number[];
  if (fa.length !== fb.length) throw new Error(`shape mismatch: ${fa.length} vs ${fb.length}`);
  return fa.reduce((m, x, i) => Math.max(m, Math.abs(x - fb[i])), 0);
}

/**
 * Checks backprop's gradients (`analytic`, as Network.gradients returns them)
 * against central differences of the float64 reference loss, parameter by
 * parameter; throws naming the first parameter off by more than
 * 1e-3 relative + 2e-6. Returns how many were checked and the worst relative error.
 */
export function checkAgainstFiniteDifferences(reference: ReferenceLayer[], inputs: number[][], targets: number[][], loss: Loss,
  analytic: readonly { weights: number[][]; bias: number[] }[]): { checked: number; worst: number } {
  const h = 1e-5;
  let worst = 0;
  let checked = 0;
  const check = (params: number[], got: number, where: string, index: number) => {
    const original = params[index];
    params[index] = original + h;
    const up = referenceLoss(reference, inputs, targets, loss);
    params[index] = original - h;
    const down = referenceLoss(reference, inputs, targets, loss);
    params[index] = original;
    const numeric = (up - down) / (2 * h);
    const error = Math.abs(got - numeric);
    worst = Math.max(worst, error / (Math.abs(numeric) + 1e-3));
    if (!(error <= 1e-3 * Math.abs(numeric) + 2e-6)) throw new Error(`${where}: backprop ${got} vs finite differences ${numeric}`);
    checked++;
  };
  reference.forEach((layer, l) => {
    layer.weights.forEach((row, i) => row.forEach((_, j) => check(row, analytic[l].weights[i][j], `layer ${l} W[${i}][${j}]`, j)));
    layer.bias.forEach((_, j) => check(layer.bias, analytic[l].bias[j], `layer ${l} b[${j}]`, j));
  });
  return { checked, worst };
}

/** A model file with its header edited (and its checksum made right again), as a crafted file would be. */
export function withHeader(bytes: Uint8Array, edit: (header: Record<string, any>) => void): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const length = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + length)));
  const dataStart = Math.ceil((24 + length) / 8) * 8;
  edit(header);
  const text = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(Math.ceil((24 + text.length) / 8) * 8);
  head.set(bytes.subarray(0, 24));
  head.set(text, 24);
  const out = new Uint8Array(head.length + bytes.length - dataStart);
  out.set(head);
  out.set(bytes.subarray(dataStart), head.length);
  new DataView(out.buffer).setUint32(12, text.length, true);
  new DataView(out.buffer).setUint32(16, crc32(text), true);
  return out;
}
