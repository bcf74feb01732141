// Assembly-only (the pure-TS backend's gemm covers these shapes): x·W (the
// forward product) and x·Wᵀ (δ·Wᵀ in training) for batches of two and three
// rows, which gemmEpilogue (assembly/gemm-kernel.ts) sends here. Calling
// gemvRows or gemvDot (assembly/gemv.ts) once per row streams the weight matrix
// m times; these kernels stream it once, in memory order, and apply each
// weight to all m rows while it is in a register.
//
// Every output element is summed exactly as the one-row kernel sums it
// (gemvRows: from 0, then + x_0w_0j, + x_1w_1j, ... in order, vector madd on
// the columns below cols & ~3, scalar mul and add on the rest; gemvDot: four
// lane sums, lanes 0+1+2+3, then the tail), so the results are the bits of m
// one-row calls, whichever step below ran, and a threads slice (whole multiples
// of 8 columns) changes nothing. Steps are sized for V8's 15 allocatable
// vector registers on x64: sums + splats of x + a temporary must fit, or V8
// spills them to the stack inside the loop.

import { madd } from './fma';
import { accumulate1, CHUNK, combine, dotTail, finish, gemvDot, laneSum } from './gemv';

/**
 * Y = α·X·W + β·Y for m = 2 or 3 rows of X, W read once for all of them (the
 * one-row gemvRows m times would stream it m times): row i of X has k elements
 * at stride incx, rows ldx apart; W is k×n (row stride ldw); Y is m×n (row
 * stride ldy). Every element is summed as gemvRows sums it (0, + x_0w_0j,
 * + x_1w_1j, ...; vector madd on the columns below cols & ~3, scalar mul and add
 * on the rest), so the bits are those of m one-row calls. β = 0 never reads Y;
 * β ≠ 0 keeps the partial sums in `work` (GEMV_WORK_BYTES).
 */
export function gemvRowsMulti(
  m: i32, n: i32, k: i32, alpha: f32, x: usize, incx: i32, ldx: i32, w: usize, ldw: i32,
  beta: f32, y: usize, ldy: i32, work: usize,
): void {
  const xStep = <usize>incx << 2, xRow = <usize>ldx << 2, yRow = <usize>ldy << 2;
  const rowBytes = <usize>ldw << 2;
  // All m rows of partial sums within the one-row kernel's 16 KiB.
  const chunk = (CHUNK / m) & ~15;
  const accRow = beta == 0 ? yRow : <usize>chunk << 2;
  for (let j0 = 0; j0 < n; j0 += chunk) {
    const cols = min(chunk, n - j0);
    const out = y + (<usize>j0 << 2);
    const acc = beta == 0 ? out : work;
    for (let i = 0; i < m; i++) memory.fill(acc + <usize>i * accRow, 0, <usize>cols << 2);
    let wRow = w + (<usize>j0 << 2);
    let xp = x;
    let p = 0;
    if (m == 2) {
      for (; p + 4 <= k; p += 4) {
        accumulate2x4(cols, acc, acc + accRow, xp, xp + xRow, xStep, wRow, rowBytes);
        xp += 4 * xStep;
        wRow += 4 * rowBytes;
      }
    } else {
      // Fused madd needs no register for the product: nine splats fit beside three sums (1.11-1.21× the
      // two-row step at 3×1024×1024 on Node 24); mul + add spills them (0.83-0.85×, Node 20).
      for (; ASC_FEATURE_RELAXED_SIMD && p + 3 <= k; p += 3) {
        accumulate3x3(cols, acc, accRow, xp, xRow, xStep, wRow, rowBytes);
        xp += 3 * xStep;
        wRow += 3 * rowBytes;
      }
      for (; p + 2 <= k; p += 2) {
        accumulate3x2(cols, acc, accRow, xp, xRow, xStep, wRow, rowBytes);
        xp += 2 * xStep;
        wRow += 2 * rowBytes;
      }
    }
    for (; p < k; p++) {
      for (let i = 0; i < m; i++) accumulate1(cols, acc + <usize>i * accRow, load<f32>(xp + <usize>i * xRow), wRow);
      xp += xStep;
      wRow += rowBytes;
    }
    for (let i = 0; i < m; i++) finish(cols, alpha, beta, acc + <usize>i * accRow, out + <usize>i * yRow);
  }
}

/**
 * Two rows of partial sums (s, t) += four rows of W times x (at xs) and x' (at
 * xt), four columns at a time: 2 sums + 8 splats + a temporary in registers,
 * one load and store of the sums per four rows of W.
 */
@inline function accumulate2x4(cols: i32, s: usize, t: usize, xs: usize, xt: usize, xStep: usize, w0: usize, rowBytes: usize): void {
  const x0 = load<f32>(xs), x1 = load<f32>(xs + xStep), x2 = load<f32>(xs + 2 * xStep), x3 = load<f32>(xs + 3 * xStep);
  const z0 = load<f32>(xt), z1 = load<f32>(xt + xStep), z2 = load<f32>(xt + 2 * xStep), z3 = load<f32>(xt + 3 * xStep);
  const u0 = f32x4.splat(x0), u1 = f32x4.splat(x1), u2 = f32x4.splat(x2), u3 = f32x4.splat(x3);
  const v0 = f32x4.splat(z0), v1 = f32x4.splat(z1), v2 = f32x4.splat(z2), v3 = f32x4.splat(z3);
  const w1 = w0 + rowBytes, w2 = w0 + 2 * rowBytes, w3 = w0 + 3 * rowBytes;
  let j = 0;
  // Four columns at a time, their sums stored before the next four are loaded (see accumulate4 in gemv.ts:
  // V8 places the arithmetic late, so sums loaded ahead stay live and spill); two such steps per pass.
  for (; j + 8 <= cols; j += 8) {
    const o = <usize>j << 2;
    step2x4(s + o, t + o, w0 + o, rowBytes, u0, u1, u2, u3, v0, v1, v2, v3);
    step2x4(s + o + 16, t + o + 16, w0 + o + 16, rowBytes, u0, u1, u2, u3, v0, v1, v2, v3);
  }
  if (j + 4 <= cols) {
    const o = <usize>j << 2;
    step2x4(s + o, t + o, w0 + o, rowBytes, u0, u1, u2, u3, v0, v1, v2, v3);
    j += 4;
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    const a0 = load<f32>(w0 + o), a1 = load<f32>(w1 + o), a2 = load<f32>(w2 + o), a3 = load<f32>(w3 + o);
    store<f32>(s + o, x3 * a3 + (x2 * a2 + (x1 * a1 + (x0 * a0 + load<f32>(s + o)))));
    store<f32>(t + o, z3 * a3 + (z2 * a2 + (z1 * a1 + (z0 * a0 + load<f32>(t + o)))));
  }
}

/** Four columns of two rows of sums (at s, t) += four rows of W (at w, rowBytes apart) times the splats. */
@inline function step2x4(s: usize, t: usize, w: usize, rowBytes: usize,
  u0: v128, u1: v128, u2: v128, u3: v128, v0: v128, v1: v128, v2: v128, v3: v128): void {
  let s0 = v128.load(s), t0 = v128.load(t);
  let wv = v128.load(w);
  s0 = madd(u0, wv, s0); t0 = madd(v0, wv, t0);
  wv = v128.load(w + rowBytes);
  s0 = madd(u1, wv, s0); t0 = madd(v1, wv, t0);
  wv = v128.load(w + 2 * rowBytes);
  s0 = madd(u2, wv, s0); t0 = madd(v2, wv, t0);
  wv = v128.load(w + 3 * rowBytes);
  s0 = madd(u3, wv, s0); t0 = madd(v3, wv, t0);
  v128.store(s, s0); v128.store(t, t0);
}

/**
 * Three rows of partial sums (accRow apart) += two rows of W times three rows
 * of x (xRow apart), four columns at a time: 3 sums + 6 splats + a temporary.
 */
@inline function accumulate3x2(cols: i32, s: usize, accRow: usize, xs: usize, xRow: usize, xStep: usize, w0: usize, rowBytes: usize): void {
  const t = s + accRow, r = s + 2 * accRow;
  const x0 = load<f32>(xs), x1 = load<f32>(xs + xStep);
  const y0 = load<f32>(xs + xRow), y1 = load<f32>(xs + xRow + xStep);
  const z0 = load<f32>(xs + 2 * xRow), z1 = load<f32>(xs + 2 * xRow + xStep);
  const u0 = f32x4.splat(x0), u1 = f32x4.splat(x1);
  const v0 = f32x4.splat(y0), v1 = f32x4.splat(y1);
  const q0 = f32x4.splat(z0), q1 = f32x4.splat(z1);
  const w1 = w0 + rowBytes;
  let j = 0;
  // Four columns at a time, stored before the next four are loaded (see accumulate2x4); two steps per pass.
  for (; j + 8 <= cols; j += 8) {
    const o = <usize>j << 2;
    step3x2(s + o, accRow, w0 + o, rowBytes, u0, u1, v0, v1, q0, q1);
    step3x2(s + o + 16, accRow, w0 + o + 16, rowBytes, u0, u1, v0, v1, q0, q1);
  }
  if (j + 4 <= cols) {
    step3x2(s + (<usize>j << 2), accRow, w0 + (<usize>j << 2), rowBytes, u0, u1, v0, v1, q0, q1);
    j += 4;
  }
  for (; j < cols; j++) {
    const o = <usize>j << 2;
    const a0 = load<f32>(w0 + o), a1 = load<f32>(w1 + o);
    store<f32>(s + o, x1 * a1 + (x0 * a0 + load<f32>(s + o)));
    store<f32>(t + o, y1 * a1 + (y0 * a0 + load<f32>(t + o)));
    store<f32>(r + o, z1 * a1 + (z0 * a0 + load<f32>(r + o)));
  }
}

/** Four columns of three rows of sums (at s, accRow apart) += two rows of W (at w) times the splats. */
@inline function step3x2(s: usize, accRow: usize, w: usize, rowBytes: usize,
  u0: v128, u1: v128, v0: v128, v1: v128, q0: v128, q1: v128): void {
  let wv = v128.load(w);
  const s0 = madd(u0, wv, v128.load(s)), t0 = madd(v0, wv, v128.load(s + accRow)), r0 = madd(q0, wv, v128.load(s + 2 * accRow));
  wv = v128.load(w + rowBytes);
  v128.store(s, madd(u1, wv, s0)); v128.store(s + accRow, madd(v1, wv, t0)); v128.store(s + 2 * accRow, madd(q1, wv, r0));
}

/**
 * Three rows of partial sums (accRow apart) += three rows of W times three rows
 * of x, four columns at a time: 3 sums + 9 splats + a temporary (relaxed builds).
 */
@inline function accumulate3x3(cols: i32, s: usize, accRow: usize, xs: usize, xRow: usize, xStep: usize, w0: usize, rowBytes: usize): void {
  const t = s + accRow, r = s + 2 * accRow;
  const u0 = f32x4.splat(load<f32>(xs)), u1 = f32x4.splat(load<f32>(xs + xStep)), u2 = f32x4.splat(load<f32>(xs + 2 * xStep));
  const v0 = f32x4.splat(load<f32>(xs + xRow)), v1 = f32x4.splat(load<f32>(xs + xRow + xStep)), v2 = f32x4.splat(load<f32>(xs + xRow + 2 * xStep));
  const q0 = f32x4.splat(load<f32>(xs + 2 * xRow)), q1 = f32x4.splat(load<f32>(xs + 2 * xRow + xStep)), q2 = f32x4.splat(load<f32>(xs + 2 * xRow + 2 * xStep));
  const w1 = w0 + rowBytes, w2 = w0 + 2 * rowBytes;
  const c4 = cols & ~3;
  let j = 0;
  for (; j < c4; j += 4) {
    const o = <usize>j << 2;
    let s0 = v128.load(s + o), t0 = v128.load(t + o), r0 = v128.load(r + o);
    let wv = v128.load(w0 + o);
    s0 = madd(u0, wv, s0); t0 = madd(v0, wv, t0); r0 = madd(q0, wv, r0);
    wv = v128.load(w1 + o);
    s0 = madd(u1, wv, s0); t0 = madd(v1, wv, t0); r0 = madd(q1, wv, r0);
    wv = v128.load(w2 + o);
    s0 = madd(u2, wv, s0); t0 = madd(v2, wv, t0); r0 = madd(q2, wv, r0);
    v128.store(s + o, s0); v128.store(t + o, t0); v128.store(r + o, r0);
  }
  if (j < cols) {
    const o = <usize>j << 2;
    accumulate3x2(cols - j, s + o, accRow, xs, xRow, xStep, w0 + o, rowBytes);
    for (let i = 0; i < 3; i++) accumulate1(cols - j, s + o + <usize>i * accRow, load<f32>(xs + <usize>i * xRow + 2 * xStep), w2 + o);
  }
}

/**
 * Y[i][j] = α·(x_i · row j of W) + β·Y[i][j] for m = 2 or 3 rows x_i (k contiguous
 * elements, rows ldx apart; W n×k, row stride ldw; Y rows ldy apart): gemvDot
 * (assembly/gemv.ts) for all m rows with W read once, each element summed as
 * gemvDot sums it (four lane sums over p, lanes 0+1+2+3, then the tail).
 */
export function gemvDotMulti(
  m: i32, n: i32, k: i32, alpha: f32, x: usize, ldx: i32, w: usize, ldw: i32, beta: f32, y: usize, ldy: i32,
): void {
  const k4 = k & ~3;
  const rowBytes = <usize>ldw << 2, xRow = <usize>ldx << 2, yRow = <usize>ldy << 2;
  const x1 = x + xRow, x2 = x + 2 * xRow;
  let j = 0;
  // Two rows of x: four rows of W at a time (8 sums + 2 vectors of x + a temporary).
  for (; m == 2 && j + 4 <= n; j += 4) {
    const r0 = w + <usize>j * rowBytes, r1 = r0 + rowBytes, r2 = r0 + 2 * rowBytes, r3 = r0 + 3 * rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const xa = v128.load(x + o), xb = v128.load(x1 + o);
      let wv = v128.load(r0 + o);
      a0 = madd(xa, wv, a0); b0 = madd(xb, wv, b0);
      wv = v128.load(r1 + o);
      a1 = madd(xa, wv, a1); b1 = madd(xb, wv, b1);
      wv = v128.load(r2 + o);
      a2 = madd(xa, wv, a2); b2 = madd(xb, wv, b2);
      wv = v128.load(r3 + o);
      a3 = madd(xa, wv, a3); b3 = madd(xb, wv, b3);
    }
    const yp = y + (<usize>j << 2);
    store2(k4, k, alpha, beta, a0, a1, x, r0, r1, yp);
    store2(k4, k, alpha, beta, a2, a3, x, r2, r3, yp + 8);
    store2(k4, k, alpha, beta, b0, b1, x1, r0, r1, yp + yRow);
    store2(k4, k, alpha, beta, b2, b3, x1, r2, r3, yp + yRow + 8);
  }
  // Three rows of x: two rows of W at a time (6 sums + 3 vectors of x + 2 of W).
  for (; m == 3 && j + 2 <= n; j += 2) {
    const r0 = w + <usize>j * rowBytes, r1 = r0 + rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), b0 = f32x4.splat(0), b1 = f32x4.splat(0);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
    for (let p = 0; p < k4; p += 4) {
      const o = <usize>p << 2;
      const w0 = v128.load(r0 + o), w1 = v128.load(r1 + o);
      let xv = v128.load(x + o);
      a0 = madd(xv, w0, a0); a1 = madd(xv, w1, a1);
      xv = v128.load(x1 + o);
      b0 = madd(xv, w0, b0); b1 = madd(xv, w1, b1);
      xv = v128.load(x2 + o);
      c0 = madd(xv, w0, c0); c1 = madd(xv, w1, c1);
    }
    const yp = y + (<usize>j << 2);
    store2(k4, k, alpha, beta, a0, a1, x, r0, r1, yp);
    store2(k4, k, alpha, beta, b0, b1, x1, r0, r1, yp + yRow);
    store2(k4, k, alpha, beta, c0, c1, x2, r0, r1, yp + 2 * yRow);
  }
  if (j < n) {
    for (let i = 0; i < m; i++) {
      gemvDot(n - j, k, alpha, x + <usize>i * xRow, w + <usize>j * rowBytes, ldw, beta, y + <usize>i * yRow + (<usize>j << 2));
    }
  }
}

/** y[0], y[1] = α·(lane sums of s0, s1 + their tails over rows r0, r1) + β·y, as gemvDot finishes each. */
@inline function store2(k4: i32, k: i32, alpha: f32, beta: f32, s0: v128, s1: v128, x: usize, r0: usize, r1: usize, yp: usize): void {
  store<f32>(yp, combine(dotTail(k4, k, laneSum(s0), x, r0), alpha, beta, yp));
  store<f32>(yp + 4, combine(dotTail(k4, k, laneSum(s1), x, r1), alpha, beta, yp + 4));
}
