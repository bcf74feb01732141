// Assembly-only (its twin is src/backend/js/gemm.ts's gemm as a whole): the
// single-thread GEMM kernel that assembly/gemm.ts's entry points and each slice
// of a threads job (assembly/threads.ts) run.
//
// GEMM: C = alpha * op(A) * op(B) + beta * C over row-major f32 matrices.
//
// op(A) is m×k and op(B) is k×n. A transposed operand is read through its
// strides while it is packed, so the backward products Xᵀ·δ and δ·Wᵀ never
// materialize a transpose.
//
// Large products pack op(A) into panels of MR rows and op(B) into panels of
// NR columns (k-major, zero-padded) inside the caller's workspace, then run
// one register-blocked f32x4 micro-kernel over them. MR×NR = 4×8 keeps 8
// accumulators + 2 B vectors + up to 4 A splats = 14 live v128 values, under
// V8's 16 vector registers (a 5×8 tile spills and runs at half speed).
// Small or skinny products skip packing: its cost would exceed the work.

import { biasActivate, ACTIVATION_LINEAR, ACTIVATION_SOFTMAX } from './activations';
import { softmaxRows } from './shape';

const MR: i32 = 4;
const NR: i32 = 8;
/**
 * Depth of one packed block: a 4×KC A panel (8 KiB) and a KC×8 B panel (16 KiB) stay in L1. Deeper
 * blocks mean fewer passes of partial sums through C (measured: 256 → 512 took N = 1024 from 39.5 to
 * 40.5 GFLOP/s; 384 gained nothing).
 */
const KC: i32 = 512;
/** Rows of op(A) packed at once (256 KiB, L2). */
const MC: i32 = 128;
/** Columns of op(B) packed at once (1 MiB, streamed one 16 KiB panel at a time). */
const NC: i32 = 512;

const TILE_BYTES: usize = <usize>(MR * NR) << 2;
const PACK_A_OFFSET: usize = 256;
const PACK_B_OFFSET: usize = PACK_A_OFFSET + (<usize>(MC * KC) << 2);

/** Bytes of workspace that `gemm` needs at its `work` pointer (64-byte aligned). */
export function gemmWorkBytes(): usize {
  return PACK_B_OFFSET + (<usize>(KC * NC) << 2);
}

/** The bias and activation of a whole m×n block (rows contiguous when softmax: ldc == n). */
function epilogueRows(m: i32, n: i32, ldc: i32, c: usize, bias: usize, activation: i32): void {
  biasActivate(m, n, ldc, c, bias, activation == ACTIVATION_SOFTMAX ? ACTIVATION_LINEAR : activation);
  if (activation == ACTIVATION_SOFTMAX) softmaxRows(m, n, c, c);
}

/** `activation` value that means: no bias and activation epilogue. */
export const NO_EPILOGUE: i32 = -1;

/**
 * C = alpha · op(A) · op(B) + beta · C on the calling thread (assembly/gemm.ts
 * splits large products across threads and each slice calls this).
 * op(A) is m×k: A itself is m×k (transA = 0) or k×m (transA = 1), row stride lda.
 * op(B) is k×n: B itself is k×n (transB = 0) or n×k (transB = 1), row stride ldb.
 * beta = 0 overwrites C without reading it (garbage or NaN in C is ignored).
 * Then C = f(C + bias) (bias broadcast over rows; bias 0 means none), applied
 * to each block of C right after its last depth block, while it is still in
 * cache; activation NO_EPILOGUE skips it.
 */
export function gemmEpilogue(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bias: usize, activation: i32,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0 || m < MR || n < NR || <i64>m * n * k < 4096) {
    if (k <= 0 || alpha == 0) scaleMatrix(m, n, beta, c, ldc);
    else if (transB) gemmDirectDot(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else gemmDirectAxpy(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (activation != NO_EPILOGUE) epilogueRows(m, n, ldc, c, bias, activation);
    return;
  }
  const tile = work;
  const packedA = work + PACK_A_OFFSET;
  const packedB = work + PACK_B_OFFSET;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // Later depth blocks accumulate onto what the first one stored.
      const blockBeta: f32 = pc == 0 ? beta : 1;
      const lastBlock = pc + kc >= k;
      packB(transB, kc, nc, b, ldb, pc, jc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(transA, mc, kc, a, lda, ic, pc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const cBlock = c + ((<usize>ic * ldc + jc + jr) << 2);
          const cols = min(NR, nc - jr);
          macroColumn(kc, mc, packedA, packedB + (<usize>(jr * kc) << 2), cBlock, ldc, alpha, blockBeta, cols, tile);
          if (lastBlock && activation != NO_EPILOGUE) {
            // Softmax needs whole rows: its blocks only get the bias here, the rows their softmax below.
            biasActivate(mc, cols, ldc, cBlock, bias ? bias + (<usize>(jc + jr) << 2) : 0,
              activation == ACTIVATION_SOFTMAX ? ACTIVATION_LINEAR : activation);
          }
        }
      }
    }
  }
  if (activation == ACTIVATION_SOFTMAX) softmaxRows(m, n, c, c);
}

function scaleMatrix(m: i32, n: i32, beta: f32, c: usize, ldc: i32): void {
  if (beta == 1) return;
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < n; j++) {
      const p = row + (<usize>j << 2);
      store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
    }
  }
}

/** op(A)[i, p] with A stored row-major, transposed or not. */
@inline function elementA(transA: i32, a: usize, lda: i32, i: i32, p: i32): f32 {
  return transA ? load<f32>(a + (<usize>(p * lda + i) << 2)) : load<f32>(a + (<usize>(i * lda + p) << 2));
}

@inline function combine(acc: f32, alpha: f32, beta: f32, p: usize): f32 {
  return beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(p);
}

/**
 * Unpacked path for op(B) = B: each row of C accumulates a_ip · B[p, :], sixteen
 * columns (four vectors, one cache line of B per depth step) at a time, then
 * four, then one.
 */
function gemmDirectAxpy(
  transA: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
): void {
  const n16 = n & ~15;
  const n4 = n & ~3;
  const alphaV = f32x4.splat(alpha);
  const betaV = f32x4.splat(beta);
  const rowStride = <usize>ldb << 2;
  for (let i = 0; i < m; i++) {
    const cRow = c + (<usize>(i * ldc) << 2);
    let j = 0;
    for (; j < n16; j += 16) {
      let acc0 = f32x4.splat(0), acc1 = f32x4.splat(0), acc2 = f32x4.splat(0), acc3 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        const av = f32x4.splat(elementA(transA, a, lda, i, p));
        acc0 = f32x4.add(acc0, f32x4.mul(av, v128.load(bp)));
        acc1 = f32x4.add(acc1, f32x4.mul(av, v128.load(bp, 16)));
        acc2 = f32x4.add(acc2, f32x4.mul(av, v128.load(bp, 32)));
        acc3 = f32x4.add(acc3, f32x4.mul(av, v128.load(bp, 48)));
        bp += rowStride;
      }
      const cp = cRow + (<usize>j << 2);
      storeScaled(cp, acc0, alphaV, betaV, beta);
      storeScaled(cp + 16, acc1, alphaV, betaV, beta);
      storeScaled(cp + 32, acc2, alphaV, betaV, beta);
      storeScaled(cp + 48, acc3, alphaV, betaV, beta);
    }
    for (; j < n4; j += 4) {
      let acc = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      for (let p = 0; p < k; p++) {
        acc = f32x4.add(acc, f32x4.mul(f32x4.splat(elementA(transA, a, lda, i, p)), v128.load(bp)));
        bp += rowStride;
      }
      storeScaled(cRow + (<usize>j << 2), acc, alphaV, betaV, beta);
    }
    for (; j < n; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) {
        acc += elementA(transA, a, lda, i, p) * load<f32>(b + (<usize>(p * ldb + j) << 2));
      }
      const cp = cRow + (<usize>j << 2);
      store<f32>(cp, combine(acc, alpha, beta, cp));
    }
  }
}

/** c = α·acc + β·c for one vector; β = 0 never reads c. */
@inline function storeScaled(cp: usize, acc: v128, alphaV: v128, betaV: v128, beta: f32): void {
  const scaled = f32x4.mul(alphaV, acc);
  v128.store(cp, beta == 0 ? scaled : f32x4.add(scaled, f32x4.mul(betaV, v128.load(cp))));
}

/** Unpacked path for op(B) = Bᵀ: C[i, j] is the dot product of row i of op(A) and row j of B. */
function gemmDirectDot(
  transA: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32,
): void {
  const k4 = transA ? 0 : k & ~3;
  for (let i = 0; i < m; i++) {
    const aRow = a + (<usize>(i * lda) << 2);
    const cRow = c + (<usize>(i * ldc) << 2);
    for (let j = 0; j < n; j++) {
      const bRow = b + (<usize>(j * ldb) << 2);
      let accV = f32x4.splat(0);
      let p = 0;
      for (; p < k4; p += 4) {
        const off = <usize>p << 2;
        accV = f32x4.add(accV, f32x4.mul(v128.load(aRow + off), v128.load(bRow + off)));
      }
      let acc: f32 = f32x4.extract_lane(accV, 0) + f32x4.extract_lane(accV, 1)
        + f32x4.extract_lane(accV, 2) + f32x4.extract_lane(accV, 3);
      for (; p < k; p++) acc += elementA(transA, a, lda, i, p) * load<f32>(bRow + (<usize>p << 2));
      const cp = cRow + (<usize>j << 2);
      store<f32>(cp, combine(acc, alpha, beta, cp));
    }
  }
}

/** Packs op(A)[ic:ic+mc, pc:pc+kc] into MR-row panels, k-major: panel[p*MR + r]. */
function packA(transA: i32, mc: i32, kc: i32, a: usize, lda: i32, ic: i32, pc: i32, dst: usize): void {
  const fullPanels = mc & ~(MR - 1);
  let packedDepth = 0;
  if (transA) {
    // op(A) rows are contiguous columns of A: one vector per depth step and panel. Four depth steps (four
    // rows of A, read along) fill one 64-byte line of each panel, so no row of A is walked down at the
    // stride lda (which at lda = 1024 maps every load to the same L1 set).
    const rowBytes = <usize>lda << 2;
    for (; packedDepth + 4 <= kc; packedDepth += 4) {
      const src = a + (<usize>((pc + packedDepth) * lda + ic) << 2);
      for (let ir = 0; ir < fullPanels; ir += MR) {
        const at = src + (<usize>ir << 2);
        const out = dst + (<usize>(ir * kc + packedDepth * MR) << 2);
        v128.store(out, v128.load(at));
        v128.store(out, v128.load(at + rowBytes), 16);
        v128.store(out, v128.load(at + 2 * rowBytes), 32);
        v128.store(out, v128.load(at + 3 * rowBytes), 48);
      }
    }
  }
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    if (transA && rows == MR) {
      // The depth steps left after the groups of four above.
      let src = a + (<usize>((pc + packedDepth) * lda + ic + ir) << 2);
      for (let p = packedDepth; p < kc; p++) {
        v128.store(panel + (<usize>(p * MR) << 2), v128.load(src));
        src += <usize>lda << 2;
      }
      continue;
    }
    let from = 0;
    if (!transA && rows == MR) {
      // Four rows of A, four depth steps at a time, turned into four panel columns.
      const rowBytes = <usize>lda << 2;
      const src = a + (<usize>((ic + ir) * lda + pc) << 2);
      for (; from + 4 <= kc; from += 4) {
        const at = src + (<usize>from << 2);
        transposeStore4(panel + (<usize>(from * MR) << 2), 16,
          v128.load(at), v128.load(at + rowBytes), v128.load(at + 2 * rowBytes), v128.load(at + 3 * rowBytes));
      }
    }
    for (let r = 0; r < MR; r++) {
      for (let p = from; p < kc; p++) {
        const value: f32 = r < rows ? elementA(transA, a, lda, ic + ir + r, pc + p) : 0;
        store<f32>(panel + (<usize>(p * MR + r) << 2), value);
      }
    }
  }
}

/** Packs op(B)[pc:pc+kc, jc:jc+nc] into NR-column panels, k-major: panel[p*NR + col]. */
function packB(transB: i32, kc: i32, nc: i32, b: usize, ldb: i32, pc: i32, jc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const panel = dst + (<usize>(jr * kc) << 2);
    if (!transB && cols == NR) {
      let src = b + (<usize>(pc * ldb + jc + jr) << 2);
      for (let p = 0; p < kc; p++) {
        const out = panel + (<usize>(p * NR) << 2);
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += <usize>ldb << 2;
      }
      continue;
    }
    let from = 0;
    if (transB && cols == NR) {
      // op(B) columns are rows of B: eight rows, four depth steps at a time, as two 4×4 transposes.
      const rowBytes = <usize>ldb << 2;
      const src = b + (<usize>((jc + jr) * ldb + pc) << 2);
      for (; from + 4 <= kc; from += 4) {
        const at = src + (<usize>from << 2);
        const out = panel + (<usize>(from * NR) << 2);
        transposeStore4(out, 32, v128.load(at), v128.load(at + rowBytes), v128.load(at + 2 * rowBytes), v128.load(at + 3 * rowBytes));
        const at4 = at + 4 * rowBytes;
        transposeStore4(out + 16, 32, v128.load(at4), v128.load(at4 + rowBytes), v128.load(at4 + 2 * rowBytes), v128.load(at4 + 3 * rowBytes));
      }
    }
    for (let col = 0; col < NR; col++) {
      const j = jc + jr + col;
      for (let p = from; p < kc; p++) {
        let value: f32 = 0;
        if (col < cols) {
          value = transB
            ? load<f32>(b + (<usize>(j * ldb + pc + p) << 2))
            : load<f32>(b + (<usize>((pc + p) * ldb + j) << 2));
        }
        store<f32>(panel + (<usize>(p * NR + col) << 2), value);
      }
    }
  }
}

/** One column of tiles: every MR-row panel of packed A against one NR-column panel of packed B. */
function macroColumn(kc: i32, mc: i32, packedA: usize, bPanel: usize, c: usize, ldc: i32,
  alpha: f32, beta: f32, cols: i32, tile: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    microKernel4x8(kc, packedA + (<usize>(ir * kc) << 2), bPanel, c + ((<usize>ir * ldc) << 2), ldc, alpha, beta,
      min(MR, mc - ir), cols, tile);
  }
}

/**
 * Stores the transpose of the 4×4 block with rows v0..v3: lane i of every row,
 * as one vector, at dst + i·stride.
 */
@inline function transposeStore4(dst: usize, stride: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  const t0 = i32x4.shuffle(v0, v1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(v0, v1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(v2, v3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(v2, v3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + stride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

@inline function storeRow(p: usize, lo: v128, hi: v128, alphaV: v128, beta: f32): void {
  let outLo = f32x4.mul(alphaV, lo);
  let outHi = f32x4.mul(alphaV, hi);
  if (beta != 0) {
    const betaV = f32x4.splat(beta);
    outLo = f32x4.add(outLo, f32x4.mul(betaV, v128.load(p)));
    outHi = f32x4.add(outHi, f32x4.mul(betaV, v128.load(p, 16)));
  }
  v128.store(p, outLo);
  v128.store(p, outHi, 16);
}

/** One 4×8 tile of C from a packed A panel and a packed B panel; partial tiles go through `tile`. */
@inline function microKernel4x8(
  kc: i32, aPanel: usize, bPanel: usize, c: usize, ldc: i32,
  alpha: f32, beta: f32, rows: i32, cols: i32, tile: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let ap = aPanel, bp = bPanel;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(av, b0));
    c01 = f32x4.add(c01, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(av, b0));
    c11 = f32x4.add(c11, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(av, b0));
    c21 = f32x4.add(c21, f32x4.mul(av, b1));
    av = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(av, b0));
    c31 = f32x4.add(c31, f32x4.mul(av, b1));
    ap += 16;
    bp += 32;
  }
  const alphaV = f32x4.splat(alpha);
  const rowBytes = <usize>ldc << 2;
  if (rows == MR && cols == NR) {
    storeRow(c, c00, c01, alphaV, beta);
    storeRow(c + rowBytes, c10, c11, alphaV, beta);
    storeRow(c + 2 * rowBytes, c20, c21, alphaV, beta);
    storeRow(c + 3 * rowBytes, c30, c31, alphaV, beta);
    return;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++) {
      const cp = c + <usize>r * rowBytes + (<usize>col << 2);
      store<f32>(cp, combine(load<f32>(tile + (<usize>(r * NR + col) << 2)), alpha, beta, cp));
    }
  }
}

// Keeps TILE_BYTES honest: the tile must fit before the packed A region.
assert(TILE_BYTES <= PACK_A_OFFSET);
