// Input checks that run where the data already is: after it is copied into
// linear memory, one SIMD pass finds a NaN or ±Infinity far faster than a
// JavaScript loop over the same values.

/** Index of the first of n floats at x that is NaN or ±Infinity, or -1. */
export function firstNonFinite(n: i32, x: usize): i32 {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~63;
  const zero = f32x4.splat(0);
  let i: usize = 0;
  // v·0 is 0 for finite v and NaN otherwise; four vectors per step, checked once.
  for (; i < vecBytes; i += 64) {
    const probe = f32x4.add(
      f32x4.add(f32x4.mul(v128.load(x + i), zero), f32x4.mul(v128.load(x + i, 16), zero)),
      f32x4.add(f32x4.mul(v128.load(x + i, 32), zero), f32x4.mul(v128.load(x + i, 48), zero)));
    if (v128.any_true(f32x4.ne(probe, zero))) break;
  }
  for (; i < bytes; i += 4) {
    if (!isFinite(load<f32>(x + i))) return <i32>(i >> 2);
  }
  return -1;
}
