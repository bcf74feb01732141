// Losses and their output deltas, side by side.
//
// Per sample (networks minimise the mean over the batch):
//   l2                    L = 1/2 Σ_j (y_j - t_j)²                 (the seed's)
//   mse                   L = 1/n Σ_j (y_j - t_j)²
//   binaryCrossentropy    L = -1/n Σ_j [t_j ln y_j + (1 - t_j) ln(1 - y_j)]
//   categoricalCrossentropy  L = -Σ_j t_j ln y_j
// outputDelta gives δ = ∂L/∂a at the last layer's pre-activation, the loss's
// ∂L/∂y times the activation's derivative, fused where they cancel: sigmoid +
// binary cross-entropy and softmax + categorical cross-entropy both give
// δ = (y - t) (over n for the binary one), which is exact and stable where
// y saturates.

import { ACTIVATION_SIGMOID, ACTIVATION_SOFTMAX, activationBackward } from './activations';

export const LOSS_L2: i32 = 0;
export const LOSS_MSE: i32 = 1;
export const LOSS_BINARY_CROSSENTROPY: i32 = 2;
export const LOSS_CATEGORICAL_CROSSENTROPY: i32 = 3;

/** Probabilities are kept this far from 0 and 1 inside logarithms and divisions. */
const PROBABILITY_FLOOR: f64 = 1e-7;

/** Traps on a loss id outside LOSS_*: the branches below would otherwise compute l2 for it. */
@inline function checkLoss(loss: i32): void {
  if (<u32>loss > <u32>LOSS_CATEGORICAL_CROSSENTROPY) unreachable();
}

/** Σ over all rows of the per-sample loss, accumulated in f64. */
export function lossSum(loss: i32, rows: i32, cols: i32, y: usize, t: usize): f64 {
  checkLoss(loss);
  const n = rows * cols;
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const yi = <f64>load<f32>(y + (<usize>i << 2));
    const ti = <f64>load<f32>(t + (<usize>i << 2));
    if (loss == LOSS_BINARY_CROSSENTROPY) {
      const p = Math.min(Math.max(yi, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR);
      sum -= ti * Math.log(p) + (1 - ti) * Math.log(1 - p);
    } else if (loss == LOSS_CATEGORICAL_CROSSENTROPY) {
      if (ti != 0) sum -= ti * Math.log(Math.max(yi, PROBABILITY_FLOOR));
    } else {
      const diff = yi - ti;
      sum += diff * diff;
    }
  }
  if (loss == LOSS_L2) return 0.5 * sum;
  if (loss == LOSS_MSE || loss == LOSS_BINARY_CROSSENTROPY) return sum / cols;
  return sum;
}

/** ∂L/∂y_i for one element (before the activation's derivative). */
@inline function lossGradient(loss: i32, cols: i32, yi: f32, ti: f32): f32 {
  if (loss == LOSS_MSE) return <f32>2 * (yi - ti) / <f32>cols;
  if (loss == LOSS_BINARY_CROSSENTROPY) {
    const p = <f32>Math.min(Math.max(<f64>yi, PROBABILITY_FLOOR), 1 - PROBABILITY_FLOOR);
    return (p - ti) / (p * (1 - p)) / <f32>cols;
  }
  if (loss == LOSS_CATEGORICAL_CROSSENTROPY) return -ti / <f32>Math.max(<f64>yi, PROBABILITY_FLOOR);
  return yi - ti;
}

/**
 * delta = scale · ∂L/∂a for the last layer (scale is 1/rows for the batch
 * mean), from its outputs y and the targets t, rows × cols.
 */
export function outputDelta(loss: i32, activation: i32, rows: i32, cols: i32, y: usize, t: usize, delta: usize, scale: f32): void {
  checkLoss(loss);
  const fusedBinary = loss == LOSS_BINARY_CROSSENTROPY && activation == ACTIVATION_SIGMOID;
  const fusedCategorical = loss == LOSS_CATEGORICAL_CROSSENTROPY && activation == ACTIVATION_SOFTMAX;
  for (let r = 0; r < rows; r++) {
    const rowOffset = <usize>(r * cols) << 2;
    const yr = y + rowOffset, tr = t + rowOffset, dr = delta + rowOffset;
    if (fusedBinary || fusedCategorical) {
      const factor = fusedBinary ? scale / <f32>cols : scale;
      for (let j = 0; j < cols; j++) {
        const o = <usize>j << 2;
        store<f32>(dr + o, factor * (load<f32>(yr + o) - load<f32>(tr + o)));
      }
      continue;
    }
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(dr + o, scale * lossGradient(loss, cols, load<f32>(yr + o), load<f32>(tr + o)));
    }
    if (activation == ACTIVATION_SOFTMAX) {
      // Softmax couples the row: δ_j = y_j (g_j - Σ_k g_k y_k).
      let dot: f32 = 0;
      for (let j = 0; j < cols; j++) dot += load<f32>(dr + (<usize>j << 2)) * load<f32>(yr + (<usize>j << 2));
      for (let j = 0; j < cols; j++) {
        const o = <usize>j << 2;
        store<f32>(dr + o, load<f32>(yr + o) * (load<f32>(dr + o) - dot));
      }
      continue;
    }
    activationBackward(activation, cols, yr, dr, dr);
  }
}
