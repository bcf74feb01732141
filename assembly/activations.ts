// Activation functions, forward and derivative side by side.
//
// The derivative is taken from the forward pass's kept output y, as the seed
// does for the sigmoid: σ'(a) = y(1 - y). Every kind here has a derivative
// expressible in y, so the pre-activation never needs to be stored.

export const ACTIVATION_LINEAR: i32 = 0;
export const ACTIVATION_SIGMOID: i32 = 1;
export const ACTIVATION_TANH: i32 = 2;
export const ACTIVATION_RELU: i32 = 3;

import { sigmoidV, tanhV, loadPartial, storePartial } from './math';

/** Applies a vector function to n floats, the last 1-3 through a partial vector so every element sees the same code. */
@inline function mapVector(n: i32, x: usize, y: usize, kind: i32): void {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  let i: usize = 0;
  if (kind == ACTIVATION_SIGMOID) {
    for (; i < vecBytes; i += 16) v128.store(y + i, sigmoidV(v128.load(x + i)));
    if (i < bytes) storePartial(y + i, sigmoidV(loadPartial(x + i, (bytes - i) >> 2)), (bytes - i) >> 2);
  } else {
    for (; i < vecBytes; i += 16) v128.store(y + i, tanhV(v128.load(x + i)));
    if (i < bytes) storePartial(y + i, tanhV(loadPartial(x + i, (bytes - i) >> 2)), (bytes - i) >> 2);
  }
}

/** f applied to four values in a register. */
@inline export function activateV(kind: i32, a: v128): v128 {
  if (kind == ACTIVATION_SIGMOID) return sigmoidV(a);
  if (kind == ACTIVATION_TANH) return tanhV(a);
  if (kind == ACTIVATION_LINEAR) return a;
  return f32x4.max(a, f32x4.splat(0));
}

/**
 * y = f(y + bias) over a rows×cols block with row stride ldc: a dense layer's
 * epilogue, run by the GEMM on each block while it is still in cache. bias 0
 * means none. Never writes past column cols.
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

/** y = f(x) elementwise over n floats; y may alias x. */
export function activationForward(kind: i32, n: i32, x: usize, y: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  if (kind == ACTIVATION_LINEAR) {
    if (x != y) memory.copy(y, x, bytes);
  } else if (kind == ACTIVATION_RELU) {
    const zero = f32x4.splat(0);
    let i: usize = 0;
    for (; i < vecBytes; i += 16) v128.store(y + i, f32x4.max(v128.load(x + i), zero));
    for (; i < bytes; i += 4) store<f32>(y + i, max<f32>(load<f32>(x + i), 0));
  } else if (kind == ACTIVATION_SIGMOID || kind == ACTIVATION_TANH) {
    mapVector(n, x, y, kind);
  } else {
    unreachable();
  }
}

/**
 * dx = dy · f'(a), with f'(a) computed from the kept output y:
 * linear 1, sigmoid y(1 - y), tanh 1 - y², relu [y > 0]. dx may alias dy.
 */
export function activationBackward(kind: i32, n: i32, y: usize, dy: usize, dx: usize): void {
  const bytes = <usize>n << 2;
  const vecBytes = <usize>(n & ~3) << 2;
  const one = f32x4.splat(1);
  let i: usize = 0;
  if (kind == ACTIVATION_LINEAR) {
    if (dx != dy) memory.copy(dx, dy, bytes);
    return;
  } else if (kind == ACTIVATION_SIGMOID) {
    for (; i < vecBytes; i += 16) {
      const yv = v128.load(y + i);
      v128.store(dx + i, f32x4.mul(v128.load(dy + i), f32x4.mul(yv, f32x4.sub(one, yv))));
    }
    for (; i < bytes; i += 4) {
      const yv = load<f32>(y + i);
      store<f32>(dx + i, load<f32>(dy + i) * (yv * (1 - yv)));
    }
  } else if (kind == ACTIVATION_TANH) {
    for (; i < vecBytes; i += 16) {
      const yv = v128.load(y + i);
      v128.store(dx + i, f32x4.mul(v128.load(dy + i), f32x4.sub(one, f32x4.mul(yv, yv))));
    }
    for (; i < bytes; i += 4) {
      const yv = load<f32>(y + i);
      store<f32>(dx + i, load<f32>(dy + i) * (1 - yv * yv));
    }
  } else if (kind == ACTIVATION_RELU) {
    const zero = f32x4.splat(0);
    for (; i < vecBytes; i += 16) {
      const positive = f32x4.gt(v128.load(y + i), zero);
      v128.store(dx + i, v128.and(v128.load(dy + i), positive));
    }
    for (; i < bytes; i += 4) {
      store<f32>(dx + i, load<f32>(y + i) > 0 ? load<f32>(dy + i) : 0);
    }
  } else {
    unreachable();
  }
}
