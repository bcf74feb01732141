import { internalError } from '../../errors.js';
import type { MemoryViews } from '../../heap.js';
import { ACTIVATION_IDS, LEAKY_SLOPE } from '../kinds.js';
import { normalCdf, normalPdf } from './math.js';
import { softmaxRows } from './shape.js';

// The pure-TS twin of assembly/activations.ts: the same formulas, one element at a time.

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
