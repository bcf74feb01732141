/**
 * Shared test helpers: loading the built module from source tests, a seeded
 * float64 reference of the network forward pass, and random data.
 */
import { readFileSync } from 'node:fs';
import { init } from '../src/index.js';
import { Random } from '../src/random.js';
import type { Activation } from '../src/backend/kinds.js';

const WASM_PATH = new URL('../build/wasmgrad.wasm', import.meta.url);

/** Initialises the source-tree runtime with the built wasm (run `npm run build` first; `npm test` does). */
export function initFromBuild() {
  return init({ wasm: readFileSync(WASM_PATH) });
}

export interface ReferenceLayer {
  weights: number[][];
  bias: number[];
  activation: Activation;
}

/** f(a) in float64. */
export function activate(activation: Activation, a: number): number {
  switch (activation) {
    case 'linear': return a;
    case 'sigmoid': return 1 / (1 + Math.exp(-a));
    case 'tanh': return Math.tanh(a);
    case 'relu': return Math.max(0, a);
  }
}

/** Forward pass in float64, written independently of the library: every layer's output. */
export function referenceForward(layers: ReferenceLayer[], x: number[]): number[][] {
  const outputs: number[][] = [];
  let h = x;
  for (const layer of layers) {
    const units = layer.bias.length;
    const y = new Array<number>(units);
    for (let j = 0; j < units; j++) {
      let a = layer.bias[j];
      for (let i = 0; i < h.length; i++) a += h[i] * layer.weights[i][j];
      y[j] = activate(layer.activation, a);
    }
    outputs.push(y);
    h = y;
  }
  return outputs;
}

/** Mean over samples of 1/2 Σ_j (y_j - t_j)², in float64. */
export function referenceLoss(layers: ReferenceLayer[], inputs: number[][], targets: number[][]): number {
  let sum = 0;
  inputs.forEach((x, s) => {
    const y = referenceForward(layers, x).at(-1)!;
    y.forEach((yj, j) => { sum += 0.5 * (yj - targets[s][j]) ** 2; });
  });
  return sum / inputs.length;
}

/** rows×cols uniform values in [low, high). */
export function randomMatrix(random: Random, rows: number, cols: number, low = -1, high = 1): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => random.uniform(low, high)));
}

/** Largest |a - b| over two equally shaped nested arrays. */
export function maxAbsDiff(a: number[][] | number[], b: number[][] | number[]): number {
  const fa = (a as unknown[]).flat(2) as number[];
  const fb = (b as unknown[]).flat(2) as number[];
  if (fa.length !== fb.length) throw new Error(`shape mismatch: ${fa.length} vs ${fb.length}`);
  return fa.reduce((m, x, i) => Math.max(m, Math.abs(x - fb[i])), 0);
}
