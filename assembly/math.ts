// Vector elementary functions for f32x4, shared by the activations.
//
// exp follows Cephes' expf: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6
// polynomial, then 2^n put into the exponent bits. 2^n is applied in two
// halves so results down to the subnormals (x ≈ -103) come out right, and x is
// clamped so no input gives NaN or Inf except +Inf for x > 88.72 (as e^x is).
// Measured max error: see test/backend/math.test.ts (a few ulp).

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const EXP_MAX: f32 = 88.72283935546875;
const EXP_MIN: f32 = -103.972084045410;
const ROUND_MAGIC: f32 = 12582912; // 1.5 · 2^23
const ROUND_MAGIC_BITS: i32 = 0x4b400000;

/** e^x for x already in [EXP_MIN, EXP_MAX] (and ≤ 0 if nonPositive): the shared core of expV and sigmoidV. */
@inline function expCore(xc: v128, nonPositive: bool): v128 {
  // n = round(x·log2e): nearest() on the dependency chain (one instruction); adding 1.5·2^23 rounds the
  // same way and leaves n in the low mantissa bits for the exponent, off the chain.
  const scaled = f32x4.mul(xc, f32x4.splat(LOG2E));
  const n = f32x4.nearest(scaled);
  const shifted = f32x4.add(scaled, f32x4.splat(ROUND_MAGIC));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  // e^r ≈ 1 + r + r²·P(r), P of degree 5 evaluated by Estrin's scheme: three
  // independent pairs combined with r² and r⁴, about half the dependent steps
  // of Horner's rule. One sigmoid of a narrow layer is all latency, no throughput.
  const r2 = f32x4.mul(r, r);
  const r4 = f32x4.mul(r2, r2);
  const p01 = f32x4.add(f32x4.mul(f32x4.splat(1.6666665459e-1), r), f32x4.splat(5.0000001201e-1));
  const p23 = f32x4.add(f32x4.mul(f32x4.splat(8.3334519073e-3), r), f32x4.splat(4.1665795894e-2));
  const p45 = f32x4.add(f32x4.mul(f32x4.splat(1.9875691500e-4), r), f32x4.splat(1.3981999507e-3));
  const poly = f32x4.add(f32x4.add(p01, f32x4.mul(r2, p23)), f32x4.mul(r4, p45));
  const er = f32x4.add(f32x4.add(f32x4.mul(poly, r2), r), f32x4.splat(1));
  const ni = i32x4.sub(shifted, i32x4.splat(ROUND_MAGIC_BITS));
  // (For x ≤ 0, as σ uses it, n ≤ 0 and only the lower bound needs a test.)
  const outside = nonPositive ? i32x4.lt_s(ni, i32x4.splat(-125)) : v128.or(i32x4.lt_s(ni, i32x4.splat(-125)), i32x4.gt_s(ni, i32x4.splat(127)));
  if (!v128.any_true(outside)) {
    // e^r·2^n is a normal float (e^r is in [0.7, 1.42]): add n to the exponent, one integer add on the
    // dependency chain instead of two multiplications.
    return i32x4.add(er, i32x4.shl(ni, 23));
  }
  // Results near the subnormals: 2^n as two factors 2^(n>>1) · 2^(n - (n>>1)), each a normal float for n in [-150, 128].
  const half = i32x4.shr_s(ni, 1);
  const bias = i32x4.splat(127);
  const scale1 = i32x4.shl(i32x4.add(half, bias), 23);
  const scale2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), bias), 23);
  return f32x4.mul(f32x4.mul(er, scale1), scale2);
}

@inline export function expV(x: v128): v128 {
  const overflow = f32x4.gt(x, f32x4.splat(EXP_MAX));
  const nanMask = f32x4.ne(x, x);
  // pmin/pmax (one instruction each; wasm's min/max cost eight on x64) keep a NaN x as it is, since x is their first operand.
  const result = expCore(f32x4.pmax(f32x4.pmin(x, f32x4.splat(EXP_MAX)), f32x4.splat(EXP_MIN)), false);
  return v128.bitselect(x, v128.bitselect(f32x4.splat(Infinity), result, overflow), nanMask);
}

/** σ(x) = 1/(1+e^-x), from exp(-|x|) only: never overflows, keeps tiny values for x ≪ 0. */
@inline export function sigmoidV(x: v128): v128 {
  // -|x| (the sign bit set) ≤ 0 needs only the lower clamp; one division gives 1/(1+e) or e/(1+e).
  const e = expCore(f32x4.pmax(v128.or(x, f32x4.splat(-0.0)), f32x4.splat(EXP_MIN)), true);
  const numerator = v128.bitselect(f32x4.splat(1), e, f32x4.ge(x, f32x4.splat(0)));
  return f32x4.div(numerator, f32x4.add(f32x4.splat(1), e));
}

/**
 * tanh as Cephes' tanhf: an odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x+1)
 * would cancel), else sign(x)·(1 - 2/(e^{2|x|} + 1)), which tends to ±1 without overflow.
 */
@inline export function tanhV(x: v128): v128 {
  const ax = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e2 = expV(f32x4.add(ax, ax));
  const large = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e2, f32x4.splat(1))));
  // Copy x's sign onto the large-|x| branch.
  const signed = v128.or(large, v128.and(x, f32x4.splat(-0.0)));
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** Loads `count` (< 4) floats into the low lanes of a vector, zeros elsewhere. */
@inline export function loadPartial(p: usize, count: usize): v128 {
  let v = f32x4.splat(0);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (count > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (count > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the low `count` (< 4) lanes of a vector. */
@inline export function storePartial(p: usize, v: v128, count: usize): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (count > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (count > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

// erf, after Norbert Juffa's erff (max 1 ulp with fma): an odd polynomial in x for
// |x| ≤ ERF_SPLIT, else erf(|x|) = 1 - e^{r(|x|)} with r a degree-7 polynomial fitted
// for erf (erfc = e^{r} only to erf's absolute accuracy). Wasm has no erf instruction.
// Measured max error: see test/backend/erf.test.ts.
//
// The normal CDF of gelu needs erfc with a small relative error far into the tail (Φ(x) for
// x ≪ 0, where 1 + erf would cancel and Juffa's r is not fitted): normalTailV uses Numerical
// Recipes' erfcc (fractional error < 1.2e-7 for every argument ≥ 0), with x²/2 kept exact.
const ERF_SPLIT: f32 = 0.927734375;
/** Beyond this, erf is ±1 in float32 and erfc underflows: the clamp keeps r(t) inside its fitted range. */
const ERF_CLAMP: f32 = 10;
const FRAC_1_SQRT2: f32 = 0.70710678118654752;
const FRAC_1_SQRT_2PI: f32 = 0.39894228040143268;

/** erf(x) for |x| ≤ ERF_SPLIT: x + x·P(x²). */
@inline function erfSmallV(x: v128): v128 {
  const s = f32x4.mul(x, x);
  let r = f32x4.splat(-5.96761703e-4);
  r = f32x4.add(f32x4.mul(r, s), f32x4.splat(4.99119423e-3));
  r = f32x4.add(f32x4.mul(r, s), f32x4.splat(-2.67681349e-2));
  r = f32x4.add(f32x4.mul(r, s), f32x4.splat(1.12819925e-1));
  r = f32x4.add(f32x4.mul(r, s), f32x4.splat(-3.76125336e-1));
  r = f32x4.add(f32x4.mul(r, s), f32x4.splat(1.28379166e-1));
  return f32x4.add(f32x4.mul(r, x), x);
}

/** erfc(t) ≈ e^{r(t)} for t ≥ ERF_SPLIT (t ≥ 0; a NaN t stays NaN), to erf's absolute accuracy. */
@inline function erfcLargeV(t: v128): v128 {
  const tc = f32x4.pmin(t, f32x4.splat(ERF_CLAMP));
  const s = f32x4.mul(tc, tc);
  let r = f32x4.add(f32x4.mul(f32x4.splat(-1.72853470e-5), tc), f32x4.splat(3.83197126e-4));
  const u = f32x4.add(f32x4.mul(f32x4.splat(-3.88396438e-3), tc), f32x4.splat(2.42546219e-2));
  r = f32x4.add(f32x4.mul(r, s), u);
  r = f32x4.add(f32x4.mul(r, tc), f32x4.splat(-1.06777877e-1));
  r = f32x4.add(f32x4.mul(r, tc), f32x4.splat(-6.34846687e-1));
  r = f32x4.add(f32x4.mul(r, tc), f32x4.splat(-1.28717512e-1));
  r = f32x4.sub(f32x4.mul(r, tc), tc);
  return expV(r);
}

/**
 * Φ(-v) = erfc(v/√2)/2 for v ≥ 0 (a NaN v stays NaN) by Numerical Recipes' erfcc:
 * erfc(z) = u·e^{-z² + P(u)}, u = 1/(1 + z/2), fractional error < 1.2e-7 for every z ≥ 0.
 * z² = v²/2 is taken from v itself, as hi²/2 + lo(v + hi)/2 with hi = v's top 12
 * significant bits (hi² exact), and e^{-z²} as two factors: z = v/√2 rounded, or one
 * rounded z², would cost 2z²·2^-24 of relative precision (tens of ulp for v ≈ 8).
 */
@inline function normalTailV(v: v128): v128 {
  const u = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(0.5 * FRAC_1_SQRT2), v)));
  let p = f32x4.splat(0.17087277);
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.82215223));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(1.48851587));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-1.13520398));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.27886807));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-0.18628806));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.09678418));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(0.37409196));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(1.00002368));
  p = f32x4.add(f32x4.mul(p, u), f32x4.splat(-1.26551223));
  const half = f32x4.splat(0.5);
  const hi = v128.and(v, i32x4.splat(0xfffff000));
  const lo = f32x4.sub(v, hi);
  const rest = f32x4.sub(p, f32x4.mul(half, f32x4.mul(lo, f32x4.add(v, hi))));
  const result = f32x4.mul(f32x4.mul(f32x4.mul(half, u), expV(f32x4.mul(f32x4.neg(half), f32x4.mul(hi, hi)))), expV(rest));
  // From v = √2·ERF_CLAMP on Φ(-v) is below float32's subnormals (expV would stop at its smallest one).
  return v128.andnot(result, f32x4.ge(v, f32x4.splat(1.41421356 * ERF_CLAMP)));
}

/** erf(x), four lanes: odd, ±1 at ±Inf, NaN for NaN, -0 for -0. */
@inline export function erfV(x: v128): v128 {
  const t = f32x4.abs(x);
  const large = f32x4.sub(f32x4.splat(1), erfcLargeV(t));
  const signed = v128.or(large, v128.and(x, f32x4.splat(-0.0)));
  return v128.bitselect(signed, erfSmallV(x), f32x4.gt(t, f32x4.splat(ERF_SPLIT)));
}

/** Φ(x) = (1 + erf(x/√2))/2, the standard normal CDF, with a small relative error for x ≪ 0 too (erfc there). */
@inline export function normalCdfV(x: v128): v128 {
  const z = f32x4.mul(x, f32x4.splat(FRAC_1_SQRT2));
  const t = f32x4.abs(z);
  const half = f32x4.splat(0.5);
  const small = f32x4.add(half, f32x4.mul(half, erfSmallV(z)));
  const isLarge = f32x4.gt(t, f32x4.splat(ERF_SPLIT));
  // The tail costs two exps and a division: skipped when no lane needs it (|x| ≤ 1.31, most of a layer's units).
  if (!v128.any_true(isLarge)) return small;
  const tail = normalTailV(f32x4.abs(x)); // Φ(-|x|)
  const large = v128.bitselect(f32x4.sub(f32x4.splat(1), tail), tail, f32x4.ge(z, f32x4.splat(0)));
  return v128.bitselect(large, small, isLarge);
}

/** φ(x) = e^{-x²/2}/√(2π), the standard normal density; 0 where it underflows (x·φ(x) is then 0, not x·(smallest subnormal)). */
@inline export function normalPdfV(x: v128): v128 {
  const e = f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5));
  return v128.andnot(f32x4.mul(expV(e), f32x4.splat(FRAC_1_SQRT_2PI)), f32x4.lt(e, f32x4.splat(EXP_MIN)));
}

/** y = erf(x) over n floats (for tests of erfV's error bound; y may alias x). */
export function erfMap(n: i32, x: usize, y: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) v128.store(y + i, erfV(v128.load(x + i)));
  const tail = (bytes - i) >> 2;
  if (tail) storePartial(y + i, erfV(loadPartial(x + i, tail)), tail);
}
