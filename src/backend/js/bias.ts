import type { MemoryViews } from '../../heap.js';

// The pure-TS twin of assembly/bias.ts: a dense layer's bias, forward and gradient.

export function biasAdd(v: MemoryViews, rows: number, cols: number, bias: number, c: number): void {
  const f = v.f32, B = bias >>> 2;
  for (let i = 0; i < rows; i++) {
    const row = (c >>> 2) + i * cols;
    for (let j = 0; j < cols; j++) f[row + j] += f[B + j];
  }
}

export function columnSums(v: MemoryViews, rows: number, cols: number, x: number, out: number): void {
  const f = v.f32, O = out >>> 2, X = x >>> 2;
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += f[X + i * cols + j];
    f[O + j] = sum;
  }
}
