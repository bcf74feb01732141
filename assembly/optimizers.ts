// Parameter updates over the network's one contiguous parameter array.

/**
 * Plain gradient descent, the seed's w ← w - η ∂L/∂w, applied only if every
 * updated weight is finite: returns 1 if applied, 0 (weights untouched) if a
 * gradient is NaN/Inf or a step would overflow. A first read-only pass checks,
 * so a diverging run keeps its last finite weights.
 */
export function sgdUpdate(n: i32, w: usize, g: usize, learningRate: f32): i32 {
  if (!sgdCheck(n, w, g, learningRate)) return 0;
  sgdApply(n, w, g, learningRate);
  return 1;
}

/** 1 if every w - η g is finite (a read-only pass), else 0. */
export function sgdCheck(n: i32, w: usize, g: usize, learningRate: f32): i32 {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  const rate = f32x4.splat(learningRate);
  const zero = f32x4.splat(0);
  // x·0 is 0 for finite x and NaN for ±Inf or NaN, so the probe stays 0 only if all are finite.
  let probe = zero;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) {
    const next = f32x4.sub(v128.load(w + i), f32x4.mul(rate, v128.load(g + i)));
    probe = f32x4.add(probe, f32x4.mul(next, zero));
  }
  let tail: f32 = 0;
  for (; i < bytes; i += 4) tail += (load<f32>(w + i) - learningRate * load<f32>(g + i)) * 0;
  const total = f32x4.extract_lane(probe, 0) + f32x4.extract_lane(probe, 1)
    + f32x4.extract_lane(probe, 2) + f32x4.extract_lane(probe, 3) + tail;
  return total == 0 ? 1 : 0;
}

/** w ← w - η g, unchecked. */
export function sgdApply(n: i32, w: usize, g: usize, learningRate: f32): void {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  const rate = f32x4.splat(learningRate);
  let i: usize = 0;
  for (; i < vecBytes; i += 16) {
    v128.store(w + i, f32x4.sub(v128.load(w + i), f32x4.mul(rate, v128.load(g + i))));
  }
  for (; i < bytes; i += 4) store<f32>(w + i, load<f32>(w + i) - learningRate * load<f32>(g + i));
}

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
