// Plain SGD over the network's one contiguous parameter array, the seed's
// w ← w - η ∂L/∂w, all or nothing. For large arrays on the threads build,
// optimizers.ts's sgdUpdateShared has the pool run sgdCheck and sgdApply on
// slices (assembly/threads.ts), so this file imports nothing.

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
