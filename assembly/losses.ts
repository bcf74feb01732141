// Losses and their output deltas, side by side.
//
// L2 is the seed's L = 1/2 Σ_j (y_j - t_j)² per sample. Networks minimise its
// mean over the batch, so ∂L/∂y_j = (y_j - t_j) / rows.

export const LOSS_L2: i32 = 0;

/** Σ over all rows of 1/2 Σ_j (y_j - t_j)², accumulated in f64. */
export function l2LossSum(rows: i32, cols: i32, y: usize, t: usize): f64 {
  const bytes = <usize>(rows * cols) << 2;
  let sum: f64 = 0;
  for (let i: usize = 0; i < bytes; i += 4) {
    const diff = <f64>load<f32>(y + i) - <f64>load<f32>(t + i);
    sum += diff * diff;
  }
  return 0.5 * sum;
}

/** delta = scale · (y - t): ∂L/∂y of the L2 loss, before the activation's derivative. */
export function l2Delta(rows: i32, cols: i32, y: usize, t: usize, delta: usize, scale: f32): void {
  const bytes = <usize>(rows * cols) << 2;
  const vecBytes = bytes & ~15;
  const scaleV = f32x4.splat(scale);
  let i: usize = 0;
  for (; i < vecBytes; i += 16) {
    v128.store(delta + i, f32x4.mul(scaleV, f32x4.sub(v128.load(y + i), v128.load(t + i))));
  }
  for (; i < bytes; i += 4) store<f32>(delta + i, scale * (load<f32>(y + i) - load<f32>(t + i)));
}
