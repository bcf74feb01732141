import { internalError } from '../../errors.js';
import type { MemoryViews } from '../../heap.js';
import { ACTIVATION_IDS, LOSS_IDS } from '../kinds.js';
import { slope } from './activations.js';

// The pure-TS twin of assembly/losses.ts: the same formulas, one element at a time.

const { sigmoid: SIGMOID, softmax: SOFTMAX } = ACTIVATION_IDS;

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
