import { internalError } from '../../errors.js';
import type { MemoryViews } from '../../heap.js';
import { ACTIVATION_IDS, LEAKY_SLOPE, LOSS_IDS } from '../kinds.js';
import { softmaxRows } from './tensor-kernels.js';
import { normalCdf, normalPdf } from './math.js';

// The pure-TS twins of assembly/bias.ts, activations.ts, losses.ts and
// optimizers.ts: the same formulas, one element at a time.

const {
  linear: LINEAR, sigmoid: SIGMOID, tanh: TANH, relu: RELU, leakyRelu: LEAKY, elu: ELU, softplus: SOFTPLUS, softmax: SOFTMAX,
  gelu: GELU, silu: SILU,
} = ACTIVATION_IDS;

/** σ(x) without overflow: exp only of -|x|, and e/(1+e) rather than 1 - s for x < 0. */
export function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const s = 1 / (1 + e);
  return x >= 0 ? s : e * s;
}

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

/** f(x) for one value of an elementwise kind. */
export function activate(kind: number, x: number): number {
  switch (kind) {
    case LINEAR: return x;
    case SIGMOID: return sigmoid(x);
    case TANH: return Math.tanh(x);
    case RELU: return x > 0 ? x : 0;
    case LEAKY: return x > 0 ? x : Math.fround(LEAKY_SLOPE) * x;
    case ELU: return x > 0 ? x : Math.expm1(x);
    case SOFTPLUS: return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
    case GELU: return x * normalCdf(x);
    case SILU: return x * sigmoid(x);
    default: throw internalError(`activation: unknown elementwise activation id ${kind}`);
  }
}

/** f'(a) from the kept value y: the output, or the pre-activation a for gelu and silu. */
export function slope(kind: number, y: number): number {
  switch (kind) {
    case LINEAR: return 1;
    case SIGMOID: return y * (1 - y);
    case TANH: return 1 - y * y;
    case RELU: return y > 0 ? 1 : 0;
    case LEAKY: return y > 0 ? 1 : Math.fround(LEAKY_SLOPE);
    case ELU: return y > 0 ? 1 : y + 1;
    case SOFTPLUS: return 1 - Math.exp(-y);
    case GELU: return normalCdf(y) + y * normalPdf(y);
    case SILU: { const s = sigmoid(y); return s * (1 + y * (1 - s)); }
    default: throw internalError(`activation: unknown elementwise activation id ${kind}`);
  }
}

export function activationForward(v: MemoryViews, kind: number, rows: number, cols: number, x: number, y: number): void {
  if (kind === SOFTMAX) {
    softmaxRows(v, rows, cols, x, y);
    return;
  }
  const f = v.f32, X = x >>> 2, Y = y >>> 2;
  for (let i = 0; i < rows * cols; i++) f[Y + i] = activate(kind, f[X + i]);
}

/** dx = dy · f'(a) from the kept output y (elementwise kinds). */
export function activationBackward(v: MemoryViews, kind: number, n: number, y: number, dy: number, dx: number): void {
  const f = v.f32, Y = y >>> 2, DY = dy >>> 2, DX = dx >>> 2;
  for (let i = 0; i < n; i++) f[DX + i] = f[DY + i] * slope(kind, f[Y + i]);
}

const FLOOR = 1e-7;

/** Throws on a loss id outside LOSS_IDS, as the wasm twin traps: the branches below would compute l2 for it. */
function checkLoss(loss: number): void {
  if (!(loss >= 0 && loss <= LOSS_IDS.categoricalCrossentropy)) throw internalError(`loss: unknown loss id ${loss}`);
}

export function lossSum(v: MemoryViews, loss: number, rows: number, cols: number, y: number, t: number): number {
  checkLoss(loss);
  const f = v.f32, Y = y >>> 2, T = t >>> 2;
  let sum = 0;
  for (let i = 0; i < rows * cols; i++) {
    const yi = f[Y + i], ti = f[T + i];
    if (loss === LOSS_IDS.binaryCrossentropy) {
      const p = Math.min(Math.max(yi, FLOOR), 1 - FLOOR);
      sum -= ti * Math.log(p) + (1 - ti) * Math.log(1 - p);
    } else if (loss === LOSS_IDS.categoricalCrossentropy) {
      if (ti !== 0) sum -= ti * Math.log(Math.max(yi, FLOOR));
    } else {
      sum += (yi - ti) * (yi - ti);
    }
  }
  if (loss === LOSS_IDS.l2) return 0.5 * sum;
  if (loss === LOSS_IDS.mse || loss === LOSS_IDS.binaryCrossentropy) return sum / cols;
  return sum;
}

/** The pure-TS twin of assembly/losses.ts outputDelta. */
export function outputDelta(v: MemoryViews, loss: number, activation: number, rows: number, cols: number, y: number, t: number, delta: number, scale: number): void {
  checkLoss(loss);
  const f = v.f32, s = Math.fround(scale);
  const fusedBinary = loss === LOSS_IDS.binaryCrossentropy && activation === SIGMOID;
  const fusedCategorical = loss === LOSS_IDS.categoricalCrossentropy && activation === SOFTMAX;
  for (let r = 0; r < rows; r++) {
    const Y = (y >>> 2) + r * cols, T = (t >>> 2) + r * cols, D = (delta >>> 2) + r * cols;
    for (let j = 0; j < cols; j++) {
      const yi = f[Y + j], ti = f[T + j];
      let g: number;
      if (fusedBinary) g = (yi - ti) / cols;
      else if (fusedCategorical) g = yi - ti;
      else if (loss === LOSS_IDS.mse) g = (2 * (yi - ti)) / cols;
      else if (loss === LOSS_IDS.binaryCrossentropy) {
        const p = Math.min(Math.max(yi, FLOOR), 1 - FLOOR);
        g = (p - ti) / (p * (1 - p)) / cols;
      } else if (loss === LOSS_IDS.categoricalCrossentropy) g = -ti / Math.max(yi, FLOOR);
      else g = yi - ti;
      f[D + j] = s * g;
    }
    if (fusedBinary || fusedCategorical) continue;
    if (activation === SOFTMAX) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += f[D + j] * f[Y + j];
      for (let j = 0; j < cols; j++) f[D + j] = f[Y + j] * (f[D + j] - dot);
    } else {
      for (let j = 0; j < cols; j++) f[D + j] = f[D + j] * slope(activation, f[Y + j]);
    }
  }
}

/** w ← w - η g if every result is finite (returns 1); otherwise changes nothing (returns 0). */
export function sgdUpdate(v: MemoryViews, n: number, w: number, g: number, learningRate: number): number {
  const f = v.f32, W = w >>> 2, G = g >>> 2;
  const rate = Math.fround(learningRate);
  // Rounding η·g to float32 first makes this the wasm kernel's f32 arithmetic exactly.
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(Math.fround(f[W + i] - Math.fround(rate * f[G + i])))) return 0;
  }
  for (let i = 0; i < n; i++) f[W + i] -= Math.fround(rate * f[G + i]);
  return 1;
}

export function firstNonFinite(v: MemoryViews, n: number, x: number): number {
  const f = v.f32, X = x >>> 2;
  for (let i = 0; i < n; i++) if (!Number.isFinite(f[X + i])) return i;
  return -1;
}

export function sumSquares(v: MemoryViews, n: number, x: number): number {
  const f = v.f32, X = x >>> 2;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += f[X + i] * f[X + i];
  return sum;
}

export function gatherRows(v: MemoryViews, src: number, rowLength: number, order: number, from: number, rows: number, dst: number): void {
  const f = v.f32, idx = v.i32, O = order >>> 2;
  for (let r = 0; r < rows; r++) {
    const start = (src >>> 2) + idx[O + from + r] * rowLength;
    f.copyWithin((dst >>> 2) + r * rowLength, start, start + rowLength);
  }
}
