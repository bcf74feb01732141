// Norms over float32 arrays, accumulated in f64.

/**
 * Σ x², in f64: a squared gradient norm (fit's per-layer gradient norms, clipping by global norm). Eight
 * floats a step into four f64x2 partial sums: a layer of a million weights is measured after each of
 * an epoch's first batches, where one scalar chain of additions took milliseconds.
 */
export function sumSquares(n: i32, x: usize): f64 {
  const bytes = <usize>n << 2;
  const blockBytes = bytes & ~31;
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let i: usize = 0;
  for (; i < blockBytes; i += 32) {
    const a = v128.load(x + i), b = v128.load(x + i, 16);
    const a0 = f64x2.promote_low_f32x4(a), a1 = f64x2.promote_low_f32x4(i32x4.shuffle(a, a, 2, 3, 2, 3));
    const b0 = f64x2.promote_low_f32x4(b), b1 = f64x2.promote_low_f32x4(i32x4.shuffle(b, b, 2, 3, 2, 3));
    s0 = f64x2.add(s0, f64x2.mul(a0, a0));
    s1 = f64x2.add(s1, f64x2.mul(a1, a1));
    s2 = f64x2.add(s2, f64x2.mul(b0, b0));
    s3 = f64x2.add(s3, f64x2.mul(b1, b1));
  }
  const total = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let sum = f64x2.extract_lane(total, 0) + f64x2.extract_lane(total, 1);
  for (; i < bytes; i += 4) {
    const v = <f64>load<f32>(x + i);
    sum += v * v;
  }
  return sum;
}
