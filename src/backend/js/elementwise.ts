import type { MemoryViews } from '../../heap.js';
import { ACTIVATION_IDS } from '../kinds.js';

// The pure-TS twins of assembly/bias.ts, activations.ts, losses.ts and
// optimizers.ts: the same formulas, one element at a time.

const { linear: LINEAR, sigmoid: SIGMOID, tanh: TANH, relu: RELU } = ACTIVATION_IDS;

/** σ(x) without overflow: exp only of -|x|, and e/(1+e) rather than 1 - s for x < 0. */
export function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const s = 1 / (1 + e);
  return x >= 0 ? s : e * s;
}

export function biasAdd(v: MemoryViews, rows: number, cols: number, bias: number, c: number): void {
  const f = v.f32, B = bias >> 2;
  for (let i = 0; i < rows; i++) {
    const row = (c >> 2) + i * cols;
    for (let j = 0; j < cols; j++) f[row + j] += f[B + j];
  }
}

export function columnSums(v: MemoryViews, rows: number, cols: number, x: number, out: number): void {
  const f = v.f32, O = out >> 2, X = x >> 2;
  for (let j = 0; j < cols; j++) {
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += f[X + i * cols + j];
    f[O + j] = sum;
  }
}

export function activationForward(v: MemoryViews, kind: number, n: number, x: number, y: number): void {
  const f = v.f32, X = x >> 2, Y = y >> 2;
  for (let i = 0; i < n; i++) {
    const value = f[X + i];
    switch (kind) {
      case LINEAR: f[Y + i] = value; break;
      case SIGMOID: f[Y + i] = sigmoid(value); break;
      case TANH: f[Y + i] = Math.tanh(value); break;
      case RELU: f[Y + i] = value > 0 ? value : 0; break;
      default: throw new RangeError(`activationForward: unknown activation id ${kind}`);
    }
  }
}

/** dx = dy · f'(a) from the output y: 1, y(1 - y), 1 - y², [y > 0]. */
export function activationBackward(v: MemoryViews, kind: number, n: number, y: number, dy: number, dx: number): void {
  const f = v.f32, Y = y >> 2, DY = dy >> 2, DX = dx >> 2;
  for (let i = 0; i < n; i++) {
    const out = f[Y + i];
    let slope: number;
    switch (kind) {
      case LINEAR: slope = 1; break;
      case SIGMOID: slope = out * (1 - out); break;
      case TANH: slope = 1 - out * out; break;
      case RELU: slope = out > 0 ? 1 : 0; break;
      default: throw new RangeError(`activationBackward: unknown activation id ${kind}`);
    }
    f[DX + i] = f[DY + i] * slope;
  }
}

export function expElementwise(v: MemoryViews, n: number, x: number, y: number): void {
  const f = v.f32, X = x >> 2, Y = y >> 2;
  for (let i = 0; i < n; i++) f[Y + i] = Math.exp(f[X + i]);
}

export function l2LossSum(v: MemoryViews, rows: number, cols: number, y: number, t: number): number {
  const f = v.f32, Y = y >> 2, T = t >> 2;
  let sum = 0;
  for (let i = 0; i < rows * cols; i++) {
    const diff = f[Y + i] - f[T + i];
    sum += diff * diff;
  }
  return 0.5 * sum;
}

export function l2Delta(v: MemoryViews, rows: number, cols: number, y: number, t: number, delta: number, scale: number): void {
  const f = v.f32, Y = y >> 2, T = t >> 2, D = delta >> 2;
  const s = Math.fround(scale);
  for (let i = 0; i < rows * cols; i++) f[D + i] = s * (f[Y + i] - f[T + i]);
}

/** w ← w - η g if every result is finite (returns 1); otherwise changes nothing (returns 0). */
export function sgdUpdate(v: MemoryViews, n: number, w: number, g: number, learningRate: number): number {
  const f = v.f32, W = w >> 2, G = g >> 2;
  const rate = Math.fround(learningRate);
  // Rounding η·g to float32 first makes this the wasm kernel's f32 arithmetic exactly.
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(Math.fround(f[W + i] - Math.fround(rate * f[G + i])))) return 0;
  }
  for (let i = 0; i < n; i++) f[W + i] -= Math.fround(rate * f[G + i]);
  return 1;
}

export function firstNonFinite(v: MemoryViews, n: number, x: number): number {
  const f = v.f32, X = x >> 2;
  for (let i = 0; i < n; i++) if (!Number.isFinite(f[X + i])) return i;
  return -1;
}

export function sumSquares(v: MemoryViews, n: number, x: number): number {
  const f = v.f32, X = x >> 2;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += f[X + i] * f[X + i];
  return sum;
}

export function gatherRows(v: MemoryViews, src: number, rowLength: number, order: number, from: number, rows: number, dst: number): void {
  const f = v.f32, idx = v.i32, O = order >> 2;
  for (let r = 0; r < rows; r++) {
    const start = (src >> 2) + idx[O + from + r] * rowLength;
    f.copyWithin((dst >> 2) + r * rowLength, start, start + rowLength);
  }
}
