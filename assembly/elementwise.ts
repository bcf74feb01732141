// Elementwise kernels for the tensor graph (src/autograd): one kernel per
// arity, the operation chosen by an id, SIMD where wasm has the instruction
// and scalar Mathf where it has not (log, pow). Same-shape operands only:
// broadcasting is materialized first (assembly/shape.ts).

import { expV, sigmoidV, tanhV, loadPartial, storePartial } from './math';

export const UNARY_NEG: i32 = 0;
export const UNARY_EXP: i32 = 1;
export const UNARY_LOG: i32 = 2;
export const UNARY_SQRT: i32 = 3;
export const UNARY_ABS: i32 = 4;
export const UNARY_SIGMOID: i32 = 5;
export const UNARY_TANH: i32 = 6;
export const UNARY_RELU: i32 = 7;
export const UNARY_SIGN: i32 = 8;
/** 1 where x > 0, else 0: relu's derivative. */
export const UNARY_STEP: i32 = 9;

export const BINARY_ADD: i32 = 0;
export const BINARY_SUB: i32 = 1;
export const BINARY_MUL: i32 = 2;
export const BINARY_DIV: i32 = 3;
export const BINARY_POW: i32 = 4;
/** 1 where a == b, else 0: routes max's gradient to the maxima. */
export const BINARY_EQUAL: i32 = 5;

export const SCALAR_ADD: i32 = 0;
/** s - x */
export const SCALAR_RSUB: i32 = 1;
export const SCALAR_MUL: i32 = 2;
/** s / x */
export const SCALAR_RDIV: i32 = 3;
/** x^s */
export const SCALAR_POW: i32 = 4;
/** s^x */
export const SCALAR_RPOW: i32 = 5;

@inline function unaryV(op: i32, x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case UNARY_NEG: return f32x4.neg(x);
    case UNARY_EXP: return expV(x);
    case UNARY_SQRT: return f32x4.sqrt(x);
    case UNARY_ABS: return f32x4.abs(x);
    case UNARY_SIGMOID: return sigmoidV(x);
    case UNARY_TANH: return tanhV(x);
    case UNARY_RELU: return f32x4.max(x, zero);
    case UNARY_SIGN: {
      const one = f32x4.splat(1);
      return v128.or(v128.and(one, f32x4.gt(x, zero)), v128.and(f32x4.splat(-1), f32x4.lt(x, zero)));
    }
    case UNARY_STEP: return v128.and(f32x4.splat(1), f32x4.gt(x, zero));
    case UNARY_LOG: {
      // log has no vector form: lane by lane.
      return f32x4(Mathf.log(f32x4.extract_lane(x, 0)), Mathf.log(f32x4.extract_lane(x, 1)),
        Mathf.log(f32x4.extract_lane(x, 2)), Mathf.log(f32x4.extract_lane(x, 3)));
    }
    // An unknown op is a bug (src/backend/kinds.ts UNARY_IDS is the list): trap rather than compute another op.
    default: unreachable(); return x;
  }
}

@inline function binaryV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case BINARY_ADD: return f32x4.add(a, b);
    case BINARY_SUB: return f32x4.sub(a, b);
    case BINARY_MUL: return f32x4.mul(a, b);
    case BINARY_DIV: return f32x4.div(a, b);
    case BINARY_EQUAL: return v128.and(f32x4.splat(1), f32x4.eq(a, b));
    case BINARY_POW: return f32x4(
      Mathf.pow(f32x4.extract_lane(a, 0), f32x4.extract_lane(b, 0)), Mathf.pow(f32x4.extract_lane(a, 1), f32x4.extract_lane(b, 1)),
      Mathf.pow(f32x4.extract_lane(a, 2), f32x4.extract_lane(b, 2)), Mathf.pow(f32x4.extract_lane(a, 3), f32x4.extract_lane(b, 3)));
    default: unreachable(); return a;
  }
}

/** y = op(x) over n floats; y may alias x. */
export function mapUnary(op: i32, n: i32, x: usize, y: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) v128.store(y + i, unaryV(op, v128.load(x + i)));
  const tail = (bytes - i) >> 2;
  if (tail) storePartial(y + i, unaryV(op, loadPartial(x + i, tail)), tail);
}

/** y = op(a, b) over n floats of two same-shape operands; y may alias either. */
export function mapBinary(op: i32, n: i32, a: usize, b: usize, y: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  let i: usize = 0;
  for (; i < vecBytes; i += 16) v128.store(y + i, binaryV(op, v128.load(a + i), v128.load(b + i)));
  const tail = (bytes - i) >> 2;
  if (tail) storePartial(y + i, binaryV(op, loadPartial(a + i, tail), loadPartial(b + i, tail)), tail);
}

/** y = op(x, s) with a scalar s (see SCALAR_*); y may alias x. */
export function mapScalar(op: i32, n: i32, x: usize, s: f32, y: usize): void {
  const bytes = <usize>n << 2;
  const sv = f32x4.splat(s);
  for (let i: usize = 0; i < bytes; i += 16) {
    const count = min<usize>(4, (bytes - i) >> 2);
    const xv = count == 4 ? v128.load(x + i) : loadPartial(x + i, count);
    let r: v128;
    switch (op) {
      case SCALAR_ADD: { r = f32x4.add(xv, sv); break; }
      case SCALAR_RSUB: { r = f32x4.sub(sv, xv); break; }
      case SCALAR_MUL: { r = f32x4.mul(xv, sv); break; }
      case SCALAR_RDIV: { r = f32x4.div(sv, xv); break; }
      case SCALAR_POW: { r = binaryV(BINARY_POW, xv, sv); break; }
      case SCALAR_RPOW: { r = binaryV(BINARY_POW, sv, xv); break; }
      // An unknown op is a bug: trap rather than compute another op.
      default: { unreachable(); r = xv; }
    }
    if (count == 4) v128.store(y + i, r);
    else storePartial(y + i, r, count);
  }
}
