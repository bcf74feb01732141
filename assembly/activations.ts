// Activation functions, forward and derivative side by side.
//
// The derivative is taken from the forward pass's kept output y, as the seed
// does for the sigmoid: σ'(a) = y(1 - y), wherever that is possible, so those
// layers never store their pre-activation. gelu and silu are not monotonic (one
// y comes from two a), so their derivative is taken from the pre-activation a,
// which their layers keep (LAYER_PRE in assembly/layout.ts). Softmax couples a row's units: its forward is a row operation
// (softmaxRows) and its derivative is applied with the loss (assembly/losses.ts).

import { expV, sigmoidV, tanhV, normalCdfV, normalPdfV, loadPartial, storePartial } from './math';
import { softmaxRows } from './shape';

export const ACTIVATION_LINEAR: i32 = 0;
export const ACTIVATION_SIGMOID: i32 = 1;
export const ACTIVATION_TANH: i32 = 2;
export const ACTIVATION_RELU: i32 = 3;
export const ACTIVATION_LEAKY_RELU: i32 = 4;
export const ACTIVATION_ELU: i32 = 5;
export const ACTIVATION_SOFTPLUS: i32 = 6;
export const ACTIVATION_SOFTMAX: i32 = 7;
/** x·Φ(x), Φ the normal CDF by erf (Keras/TF.js `gelu`, approximate = false). Derivative from a. */
export const ACTIVATION_GELU: i32 = 8;
/** x·σ(x) (TF.js `swish`). Derivative from a. */
export const ACTIVATION_SILU: i32 = 9;
/**
 * One past the last id: the only activation global index.ts exports. The
 * registry test checks that src/backend/kinds.ts has this many entries and
 * that each id computes its entry's function (so ids cannot drift apart), and
 * that this id traps.
 */
export const ACTIVATION_COUNT: i32 = 10;

/** Whether kind's derivative needs the pre-activation a (slopeV then takes a, not y). */
@inline export function needsPreactivation(kind: i32): bool {
  return kind == ACTIVATION_GELU || kind == ACTIVATION_SILU;
}

/** The negative slope of leaky relu. */
export const LEAKY_SLOPE: f32 = 0.01;

/** softplus(x) = ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), lane by lane (wasm has no vector log). */
@inline function softplusV(x: v128): v128 {
  const tail = expV(f32x4.neg(f32x4.abs(x)));
  return f32x4.add(f32x4.max(x, f32x4.splat(0)), f32x4(
    Mathf.log1p(f32x4.extract_lane(tail, 0)), Mathf.log1p(f32x4.extract_lane(tail, 1)),
    Mathf.log1p(f32x4.extract_lane(tail, 2)), Mathf.log1p(f32x4.extract_lane(tail, 3))));
}

/** σ(a), but 0 below EXP_MIN where sigmoidV stops at its smallest subnormal: silu(a) = a·σ(a) is then 0, not a·1e-45. */
@inline function sigmoidFlushV(a: v128): v128 {
  return v128.andnot(sigmoidV(a), f32x4.lt(a, f32x4.splat(-104)));
}

/**
 * silu'(a) = σ(a)(1 + a·σ(-a)), with σ(a) and σ(-a) = 1 - σ(a) both from e = e^{-|a|}: 1 - σ(a)
 * rounded would lose σ(-a)'s digits for large a, and a·σ(-a) amplifies that.
 */
@inline function siluSlopeV(a: v128): v128 {
  const e = expV(f32x4.neg(f32x4.abs(a)));
  const d = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  const ed = f32x4.mul(e, d);
  const positive = f32x4.ge(a, f32x4.splat(0));
  const s = v128.andnot(v128.bitselect(d, ed, positive), f32x4.lt(a, f32x4.splat(-104)));
  const complement = v128.bitselect(ed, d, positive);
  return f32x4.mul(s, f32x4.add(f32x4.splat(1), f32x4.mul(a, complement)));
}

/** f applied to four values in a register (elementwise kinds; softmax is a row operation). */
@inline export function activateV(kind: i32, a: v128): v128 {
  const zero = f32x4.splat(0);
  switch (kind) {
    case ACTIVATION_SIGMOID: return sigmoidV(a);
    case ACTIVATION_TANH: return tanhV(a);
    case ACTIVATION_RELU: return f32x4.max(a, zero);
    case ACTIVATION_LEAKY_RELU: return v128.bitselect(a, f32x4.mul(a, f32x4.splat(LEAKY_SLOPE)), f32x4.gt(a, zero));
    // e^a - 1 for a ≤ 0, by expm1 lane by lane: e^a - 1 itself would lose every digit near 0.
    case ACTIVATION_ELU: return v128.bitselect(a, f32x4(
      Mathf.expm1(f32x4.extract_lane(a, 0)), Mathf.expm1(f32x4.extract_lane(a, 1)),
      Mathf.expm1(f32x4.extract_lane(a, 2)), Mathf.expm1(f32x4.extract_lane(a, 3))), f32x4.gt(a, zero));
    case ACTIVATION_SOFTPLUS: return softplusV(a);
    case ACTIVATION_GELU: return f32x4.mul(a, normalCdfV(a));
    case ACTIVATION_SILU: return f32x4.mul(a, sigmoidFlushV(a));
    case ACTIVATION_LINEAR: return a;
    // Softmax is per row (activationForward, the GEMM epilogue and the narrow kernel handle it before
    // here); any other id is a bug, which must trap rather than compute something else.
    default: unreachable(); return a;
  }
}

/**
 * f'(a) from the kept value y: the output for sigmoid y(1 - y), tanh 1 - y², relu [y > 0],
 * leaky relu 1 or LEAKY_SLOPE, elu 1 or y + 1, softplus 1 - e^-y, linear 1; the
 * pre-activation a (passed as y) for gelu Φ(a) + a·φ(a) and silu σ(a)(1 + a(1 - σ(a))).
 */
@inline export function slopeV(kind: i32, y: v128): v128 {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  switch (kind) {
    case ACTIVATION_SIGMOID: return f32x4.mul(y, f32x4.sub(one, y));
    case ACTIVATION_TANH: return f32x4.sub(one, f32x4.mul(y, y));
    case ACTIVATION_RELU: return v128.and(one, f32x4.gt(y, zero));
    case ACTIVATION_LEAKY_RELU: return v128.bitselect(one, f32x4.splat(LEAKY_SLOPE), f32x4.gt(y, zero));
    case ACTIVATION_ELU: return v128.bitselect(one, f32x4.add(y, one), f32x4.gt(y, zero));
    case ACTIVATION_SOFTPLUS: return f32x4.sub(one, expV(f32x4.neg(y)));
    case ACTIVATION_GELU: return f32x4.add(normalCdfV(y), f32x4.mul(y, normalPdfV(y)));
    case ACTIVATION_SILU: return siluSlopeV(y);
    case ACTIVATION_LINEAR: return one;
    // Softmax's derivative is fused with its loss (assembly/losses.ts); any other id is a bug: trap.
    default: unreachable(); return one;
  }
}

/**
 * y = f(y + bias) over a rows×cols block with row stride ldc: a dense layer's
 * epilogue, run by the GEMM on each block while it is still in cache. bias 0
 * means none. Never writes past column cols. Elementwise kinds only.
 */
export function biasActivate(rows: i32, cols: i32, ldc: i32, y: usize, bias: usize, kind: i32): void {
  const bytes = <usize>cols << 2;
  const vecBytes = bytes & ~15;
  const tail = (bytes - vecBytes) >> 2;
  for (let r = 0; r < rows; r++) {
    const row = y + (<usize>(r * ldc) << 2);
    let j: usize = 0;
    for (; j < vecBytes; j += 16) {
      const a = bias ? f32x4.add(v128.load(row + j), v128.load(bias + j)) : v128.load(row + j);
      v128.store(row + j, activateV(kind, a));
    }
    if (tail) {
      const a = bias ? f32x4.add(loadPartial(row + j, tail), loadPartial(bias + j, tail)) : loadPartial(row + j, tail);
      storePartial(row + j, activateV(kind, a), tail);
    }
  }
}

/** y = f(x) over a rows×cols matrix (softmax per row, the others elementwise); y may alias x. */
export function activationForward(kind: i32, rows: i32, cols: i32, x: usize, y: usize): void {
  if (kind == ACTIVATION_SOFTMAX) {
    softmaxRows(rows, cols, x, y);
    return;
  }
  const bytes = <usize>(rows * cols) << 2;
  const vecBytes = bytes & ~15;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) v128.store(y + i, activateV(kind, v128.load(x + i)));
  const tail = (bytes - i) >> 2;
  if (tail) storePartial(y + i, activateV(kind, loadPartial(x + i, tail)), tail);
}

/** dx = dy · f'(a), with f'(a) computed from the kept value y (the output, or a for needsPreactivation kinds; elementwise kinds); dx may alias dy. */
export function activationBackward(kind: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) v128.store(dx + i, f32x4.mul(v128.load(dy + i), slopeV(kind, v128.load(y + i))));
  const tail = (bytes - i) >> 2;
  if (tail) storePartial(dx + i, f32x4.mul(loadPartial(dy + i, tail), slopeV(kind, loadPartial(y + i, tail))), tail);
}
