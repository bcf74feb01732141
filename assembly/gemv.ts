// Assembly-only (the pure-TS backend's gemm, src/backend/js/gemm.ts, already
// covers m = 1 and k = 1): matrix-vector products for one-sample batches, which
// gemmEpilogue (assembly/gemm-kernel.ts) sends here in every layout (batches of
// two or three rows go to assembly/gemv-multi.ts, which reads W once for all
// rows and sums each element as these kernels do).
//
// A batch of one row makes every layer's product a matrix-vector product (or,
// for ∂L/∂W = hᵀδ, an outer product): each weight is used once, so the time is
// the time to stream W from memory. These kernels read W once, in memory order,
// several rows at a time, with no packing (after XNNPACK's f32-gemv and
// f32-gemm-1x16 loops, over an unpacked W):
//
//   gemvRows   y = x·W        (forward; W k×n)     four rows of W per pass over a
//                                                  block of partial sums, each
//                                                  weight loaded once
//   gemvDot    y = x·Wᵀ       (δ·Wᵀ; W n×k)         four dot products at a time,
//                                                  each with its own accumulator
//   gemvOuter  C = a·bᵀ       (hᵀδ at batch 1)      written row by row
//
// Every output element is summed in the order the unpacked small-batch path
// used (gemmDirectAxpy: x_0w_0j, then + x_1w_1j, ...; gemmDirectDot: four lane
// sums over p, then lanes 0+1+2+3, then the tail; k = 1: 0 + a_i b_j), so the
// results are bit-identical to it, and do not depend on where a threads slice
// starts.

import { madd } from './fma';

/**
 * Columns of partial sums per pass over W's rows (16 KiB, in L1 beside the rows
 * streaming through). A layer of up to 4096 units is one pass: W is read
 * exactly in memory order.
 */
export const CHUNK: i32 = 4096;

/** Bytes of workspace gemvRows needs when beta != 0 (gemmWorkBytes is far larger). */
export const GEMV_WORK_BYTES: usize = <usize>CHUNK << 2;

/**
 * y = α·x·W + β·y: x has k elements at stride incx, W is k×n (row stride ldw),
 * y has n. β = 0 never reads y. With β ≠ 0 the partial sums live in `work`
 * (GEMV_WORK_BYTES), else in y itself.
 */
export function gemvRows(
  n: i32, k: i32, alpha: f32, x: usize, incx: i32, w: usize, ldw: i32,
  beta: f32, y: usize, work: usize,
): void {
  const xStep = <usize>incx << 2;
  const rowBytes = <usize>ldw << 2;
  for (let j0 = 0; j0 < n; j0 += CHUNK) {
    const cols = min(CHUNK, n - j0);
    const out = y + (<usize>j0 << 2);
    const acc = beta == 0 ? out : work;
    // +0.0 is all zero bits: the sums start from 0 as gemmDirectAxpy's do.
    memory.fill(acc, 0, <usize>cols << 2);
    let wRow = w + (<usize>j0 << 2);
    let xp = x;
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      accumulate4(cols, acc, load<f32>(xp), load<f32>(xp + xStep), load<f32>(xp + 2 * xStep), load<f32>(xp + 3 * xStep),
        wRow, rowBytes);
      xp += 4 * xStep;
      wRow += 4 * rowBytes;
    }
    for (; p < k; p++) {
      accumulate1(cols, acc, load<f32>(xp), wRow);
      xp += xStep;
      wRow += rowBytes;
    }
    finish(cols, alpha, beta, acc, out);
  }
}

/**
 * acc[j] += x0·w0[j], then += x1·w1[j], += x2·w2[j], += x3·w3[j] (rows w0..w3
 * rowBytes apart): one load and store of the partial sums per four rows.
 */
@inline function accumulate4(cols: i32, acc: usize, x0: f32, x1: f32, x2: f32, x3: f32, w0: usize, rowBytes: usize): void {
  const v0 = f32x4.splat(x0), v1 = f32x4.splat(x1), v2 = f32x4.splat(x2), v3 = f32x4.splat(x3);
  const w1 = w0 + rowBytes, w2 = w0 + 2 * rowBytes, w3 = w0 + 3 * rowBytes;
  let j = 0;
  // One vector of sums at a time, stored before the next is loaded: V8 keeps loads and stores in program
  // order but places the arithmetic just before its first use, so loading all four sums and sixteen
  // weights first (as written before) held twenty vectors at once and spilled seven of them every pass.
  for (; j + 16 <= cols; j += 16) {
    const o = <usize>j << 2;
    let a = v128.load(acc + o);
    a = madd(v0, v128.load(w0 + o), a); a = madd(v1, v128.load(w1 + o), a);
    a = madd(v2, v128.load(w2 + o), a); a = madd(v3, v128.load(w3 + o), a);
    v128.store(acc + o, a);
    a = v128.load(acc + o, 16);
    a = madd(v0, v128.load(w0 + o, 16), a); a = madd(v1, v128.load(w1 + o, 16), a);
    a = madd(v2, v128.load(w2 + o, 16), a); a = madd(v3, v128.load(w3 + o, 16), a);
    v128.store(acc + o, a, 16);
    a = v128.load(acc + o, 32);
    a = madd(v0, v128.load(w0 + o, 32), a); a = madd(v1, v128.load(w1 + o, 32), a);
    a = madd(v2, v128.load(w2 + o, 32), a); a = madd(v3, v128.load(w3 + o, 32), a);
    v128.store(acc + o, a, 32);
    a = v128.load(acc + o, 48);
    a = madd(v0, v128.load(w0 + o, 48), a); a = madd(v1, v128.load(w1 + o, 48), a);
    a = madd(v2, v128.load(w2 + o, 48), a); a = madd(v3, v128.load(w3 + o, 48), a);
    v128.store(acc + o, a, 48);
  }
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    let a = v128.load(acc + o);
    a = madd(v0, v128.load(w0 + o), a);
    a = madd(v1, v128.load(w1 + o), a);
    a = madd(v2, v128.load(w2 + o), a);
    a = madd(v3, v128.load(w3 + o), a);
    v128.store(acc + o, a);
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    let a = load<f32>(acc + o);
    a = x0 * load<f32>(w0 + o) + a;
    a = x1 * load<f32>(w1 + o) + a;
    a = x2 * load<f32>(w2 + o) + a;
    a = x3 * load<f32>(w3 + o) + a;
    store<f32>(acc + o, a);
  }
}

/** acc[j] += x0·w0[j]: the rows left after the groups of four. */
export function accumulate1(cols: i32, acc: usize, x0: f32, w0: usize): void {
  const v0 = f32x4.splat(x0);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    v128.store(acc + o, madd(v0, v128.load(w0 + o), v128.load(acc + o)));
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    store<f32>(acc + o, x0 * load<f32>(w0 + o) + load<f32>(acc + o));
  }
}

/** out = α·acc + β·out (β = 0: α·acc, out never read; acc may be out). */
export function finish(cols: i32, alpha: f32, beta: f32, acc: usize, out: usize): void {
  if (beta == 0 && alpha == 1) return;
  const alphaV = f32x4.splat(alpha), betaV = f32x4.splat(beta);
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    const o = <usize>j << 2;
    const scaled = f32x4.mul(alphaV, v128.load(acc + o));
    v128.store(out + o, beta == 0 ? scaled : f32x4.add(scaled, f32x4.mul(betaV, v128.load(out + o))));
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    store<f32>(out + o, combine(load<f32>(acc + o), alpha, beta, out + o));
  }
}

@inline export function combine(acc: f32, alpha: f32, beta: f32, p: usize): f32 {
  return beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(p);
}

/**
 * y[j] = α·(x · row j of W) + β·y[j]: x has k contiguous elements, W is n×k
 * (row stride ldw), read row after row, four rows in flight, each with its own
 * four-lane accumulator. β = 0 never reads y.
 */
export function gemvDot(n: i32, k: i32, alpha: f32, x: usize, w: usize, ldw: i32, beta: f32, y: usize): void {
  const k4 = k & ~3;
  const rowBytes = <usize>ldw << 2;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const r0 = w + <usize>j * rowBytes, r1 = r0 + rowBytes, r2 = r0 + 2 * rowBytes, r3 = r0 + 3 * rowBytes;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const xv = v128.load(x + o);
      s0 = madd(xv, v128.load(r0 + o), s0);
      s1 = madd(xv, v128.load(r1 + o), s1);
      s2 = madd(xv, v128.load(r2 + o), s2);
      s3 = madd(xv, v128.load(r3 + o), s3);
    }
    const yp = y + (<usize>j << 2);
    store<f32>(yp, combine(dotTail(k4, k, laneSum(s0), x, r0), alpha, beta, yp));
    store<f32>(yp + 4, combine(dotTail(k4, k, laneSum(s1), x, r1), alpha, beta, yp + 4));
    store<f32>(yp + 8, combine(dotTail(k4, k, laneSum(s2), x, r2), alpha, beta, yp + 8));
    store<f32>(yp + 12, combine(dotTail(k4, k, laneSum(s3), x, r3), alpha, beta, yp + 12));
  }
  for (; j < n; j++) {
    const r0 = w + <usize>j * rowBytes;
    let s0 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      s0 = madd(v128.load(x + o), v128.load(r0 + o), s0);
    }
    const yp = y + (<usize>j << 2);
    store<f32>(yp, combine(dotTail(k4, k, laneSum(s0), x, r0), alpha, beta, yp));
  }
}

/** ((lane 0 + lane 1) + lane 2) + lane 3, as gemmDirectDot adds them. */
@inline export function laneSum(s: v128): f32 {
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** acc + x[p]·row[p] for p in [from, k), in order. */
@inline export function dotTail(from: i32, k: i32, acc: f32, x: usize, row: usize): f32 {
  for (let p = from; p < k; p++) acc += load<f32>(x + (<usize>p << 2)) * load<f32>(row + (<usize>p << 2));
  return acc;
}

/**
 * C = α·a·bᵀ + β·C (a product of depth 1): a has m elements at stride inca, b
 * has n at stride incb, C is m×n (row stride ldc), written in memory order.
 * Each element is α·(0 + a_i·b_j) (+ β·c), as the depth-1 GEMM summed it.
 */
export function gemvOuter(
  m: i32, n: i32, alpha: f32, a: usize, inca: i32, b: usize, incb: i32,
  beta: f32, c: usize, ldc: i32,
): void {
  const zero = f32x4.splat(0);
  const alphaV = f32x4.splat(alpha), betaV = f32x4.splat(beta);
  const n4 = incb == 1 ? n & ~3 : 0;
  const bStep = <usize>incb << 2;
  for (let i = 0; i < m; i++) {
    const ai = load<f32>(a + (<usize>(i * inca) << 2));
    const av = f32x4.splat(ai);
    const row = c + (<usize>(i * ldc) << 2);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      const scaled = f32x4.mul(alphaV, madd(av, v128.load(b + o), zero));
      v128.store(row + o, beta == 0 ? scaled : f32x4.add(scaled, f32x4.mul(betaV, v128.load(row + o))));
    }
    for (; j < n; j++) {
      const cp = row + (<usize>j << 2);
      store<f32>(cp, combine(ai * load<f32>(b + <usize>j * bStep) + <f32>0, alpha, beta, cp));
    }
  }
}
