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
// one register-blocked f32x4 micro-kernel over them. In the baseline builds
// MR×NR = 4×8 keeps 8 accumulators + 2 B vectors + up to 4 A splats = 14 live
// v128 values, under V8's 16 vector registers (a 5×8 tile spills and runs at
// half speed). The relaxed-SIMD builds multiply-add in one instruction
// (madd, assembly/fma.ts), which needs no register for the product, so a 6×8
// tile fits: 12 accumulators + 2 B vectors + 1 A splat.
// Small or skinny products skip packing: its cost would exceed the work.

import { biasActivate, ACTIVATION_LINEAR, ACTIVATION_SOFTMAX } from './activations';
import { madd } from './fma';
import { softmaxRows } from './shape';
import { gemvDot, gemvOuter, gemvRows, GEMV_WORK_BYTES } from './gemv';
import { gemvDotMulti, gemvRowsMulti } from './gemv-multi';

/** Rows of a micro-kernel tile, chosen when the module is compiled (see above). */
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 4;
const NR: i32 = 8;
/**
 * Depth of one packed block: a 4×KC A panel (8 KiB) and a KC×8 B panel (16 KiB) stay in L1. Deeper
 * blocks mean fewer passes of partial sums through C (measured: 256 → 512 took N = 1024 from 39.5 to
 * 40.5 GFLOP/s; 384 gained nothing).
 */
const KC: i32 = 512;
/** Rows of op(A) packed at once (about 256 KiB, L2): a multiple of MR, so only the last block has a partial panel. */
const MC: i32 = MR == 6 ? 132 : 128;
/** Columns of op(B) packed at once (1 MiB, streamed one 16 KiB panel at a time). */
const NC: i32 = 512;

const TILE_BYTES: usize = <usize>(MR * NR) << 2;
/** One row of C staged after the tile, for partial tiles (see storePartialTile). */
const ROW_STAGE_BYTES: usize = <usize>NR << 2;
const PACK_A_OFFSET: usize = 256;
const PACK_B_OFFSET: usize = PACK_A_OFFSET + (<usize>(MC * KC) << 2);

/** Bytes of workspace that `gemm` needs at its `work` pointer (64-byte aligned). */
export function gemmWorkBytes(): usize {
  return PACK_B_OFFSET + (<usize>(KC * NC) << 2);
}

/** The bias and activation of a whole m×n block (rows contiguous when softmax: ldc == n). */
export function epilogueRows(m: i32, n: i32, ldc: i32, c: usize, bias: usize, activation: i32): void {
  biasActivate(m, n, ldc, c, bias, activation == ACTIVATION_SOFTMAX ? ACTIVATION_LINEAR : activation);
  if (activation == ACTIVATION_SOFTMAX) softmaxRows(m, n, c, c);
}

/** `activation` value that means: no bias and activation epilogue. */
export const NO_EPILOGUE: i32 = -1;

/**
 * C = alpha · op(A) · op(B) + beta · C on the calling thread (assembly/gemm.ts
 * splits large products across threads and each slice calls gemmSlice).
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
  // The whole product is its own one slice.
  gemmSlice(m, n, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, bias, activation);
}

/**
 * The unpacked products with their epilogue (gemmEpilogue's small-product branch). `walkN` is the width
 * that decides between the column walk and gemvRows: the product's own, or for a threads slice the whole
 * product's, so a slice takes the kernel its columns take on one thread (the relaxed builds' column walk
 * and gemvRows round differently).
 */
function gemmUnpacked(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bias: usize, activation: i32, walkN: i32,
): void {
  if (k <= 0 || alpha == 0) scaleMatrix(m, n, beta, c, ldc);
  else if (k == 1) gemvOuter(m, n, alpha, a, transA ? 1 : lda, b, transB ? ldb : 1, beta, c, ldc);
  else if (m <= 3 && !transB && !columnWalkFits(walkN, k)) {
    if (m == 1) gemvRows(n, k, alpha, a, transA ? lda : 1, b, ldb, beta, c, work);
    // Two or three rows: W streamed once for all of them, the same bits as row by row.
    else gemvRowsMulti(m, n, k, alpha, a, transA ? lda : 1, transA ? 1 : lda, b, ldb, beta, c, ldc, work);
  } else if (m <= 3 && transB && (!transA || (m == 1 && lda == 1))) {
    if (m == 1) gemvDot(n, k, alpha, a, b, ldb, beta, c);
    // Two or three rows (δ·Wᵀ of a batch of two or three): W read once for all of them, the same bits as row by row.
    else gemvDotMulti(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  else if (transB) gemmDirectDot(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else gemmDirectAxpy(transA, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (activation != NO_EPILOGUE) epilogueRows(m, n, ldc, c, bias, activation);
}

/**
 * Whether gemmEpilogue computes an m×n×k product without packing (the unpacked kernels sum straight through the
 * depth). Up to three rows of op(A) (batches of one to three) or a depth of one (hᵀδ at batch 1): assembly/gemv.ts and
 * gemv-multi.ts stream W in memory order, unpacked. m < 4, not m < MR: a threads slice of 4 or 5 rows takes the packed path in
 * every build, as its rows do on one thread (the relaxed builds' direct paths round differently from their micro-kernel).
 */
@inline function unpacked(m: i32, n: i32, k: i32, alpha: f32): bool {
  return k <= 0 || alpha == 0 || m < 4 || n < NR || <i64>m * n * k < 4096 || k == 1;
}

/**
 * gemmEpilogue for one slice (rows × columns, its operands already offset) of a product of
 * wholeM × wholeN split across threads (assembly/threads.ts): the slice is computed as its
 * elements are in the whole product on one thread. A last slice of one to three rows or of
 * fewer than NR columns would otherwise take the unpacked kernels, which sum the depth straight
 * through, where the packed product sums it block by block (KC): other bits past KC.
 */
export function gemmSlice(
  wholeM: i32, wholeN: i32, transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bias: usize, activation: i32,
): void {
  if (m <= 0 || n <= 0) return;
  if (unpacked(wholeM, wholeN, k, alpha)) gemmUnpacked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, bias, activation, wholeN);
  else gemmPacked(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, bias, activation);
}

/** The packed product with its epilogue (gemmEpilogue's large-product branch; any m, n ≥ 1, k ≥ 2). */
function gemmPacked(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bias: usize, activation: i32,
): void {
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

/**
 * Whether gemmDirectAxpy's walk down W's columns beats gemvRows for op(B) = B k×n: a narrow W that stays
 * in L2 (16 to 256 columns, at most 512 KiB), whose sixteen-column sums it keeps in registers for the whole
 * depth. Both sum in the same order (the same bits in the baseline builds; the relaxed builds' column walk rounds
 * apart, so a threads slice decides by the whole product's width: gemmUnpacked's walkN). Measured at m = 1 (n×k; 2 MiB of L2 per core):
 * gemvRows was 0.64× at 16×784, 0.73× at 64×1024, 0.87× at 128×784, 0.98× at 256×256, but 1.06× at 1024×64,
 * 1.13× at 256×1024, 1.51× at 128×4096 and 1.81× at 1024×1024.
 */
@inline export function columnWalkFits(n: i32, k: i32): bool {
  return n >= 16 && n <= 256 && <i64>n * k <= (<i64>128 << 10);
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
  if (MR == 4) packA4(transA, mc, kc, a, lda, ic, pc, dst);
  else packA6(transA, mc, kc, a, lda, ic, pc, dst);
}

/** packA for the relaxed builds' 6-row panels. */
function packA6(transA: i32, mc: i32, kc: i32, a: usize, lda: i32, ic: i32, pc: i32, dst: usize): void {
  const rowBytes = <usize>lda << 2;
  const stepBytes = <usize>MR << 2;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    let from = 0;
    if (rows == MR && transA) {
      // op(A)'s six rows are six adjacent floats of a row of A: one vector and one 8-byte lane per depth step.
      let src = a + (<usize>(pc * lda + ic + ir) << 2);
      for (let p = 0; p < kc; p++) {
        const out = panel + <usize>p * stepBytes;
        v128.store(out, v128.load(src));
        store<u64>(out, load<u64>(src, 16), 16);
        src += rowBytes;
      }
      continue;
    }
    if (rows == MR) {
      // Rows 0-3, four depth steps at a time, turned into four panel columns (a 4×4 transpose);
      // rows 4 and 5 as pairs (8 bytes) after them.
      const src = a + (<usize>((ic + ir) * lda + pc) << 2);
      for (; from + 4 <= kc; from += 4) {
        const at = src + (<usize>from << 2);
        const out = panel + <usize>from * stepBytes;
        transposeStore4(out, stepBytes, v128.load(at), v128.load(at + rowBytes), v128.load(at + 2 * rowBytes), v128.load(at + 3 * rowBytes));
        const v4 = v128.load(at + 4 * rowBytes), v5 = v128.load(at + 5 * rowBytes);
        const lo = i32x4.shuffle(v4, v5, 0, 4, 1, 5);
        const hi = i32x4.shuffle(v4, v5, 2, 6, 3, 7);
        v128.store64_lane(out + 16, lo, 0);
        v128.store64_lane(out + 16 + stepBytes, lo, 1);
        v128.store64_lane(out + 16 + 2 * stepBytes, hi, 0);
        v128.store64_lane(out + 16 + 3 * stepBytes, hi, 1);
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

/** packA for the baseline builds' 4-row panels. */
function packA4(transA: i32, mc: i32, kc: i32, a: usize, lda: i32, ic: i32, pc: i32, dst: usize): void {
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
    const aPanel = packedA + (<usize>(ir * kc) << 2);
    const cTile = c + ((<usize>ir * ldc) << 2);
    if (MR == 4) microKernel4x8(kc, aPanel, bPanel, cTile, ldc, alpha, beta, min(MR, mc - ir), cols, tile);
    else microKernel6x8(kc, aPanel, bPanel, cTile, ldc, alpha, beta, min(MR, mc - ir), cols, tile);
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

/** One row of a tile: c = α·acc + β·c (the epilogue's multiply-add fused in the relaxed builds); β = 0 never reads c. */
@inline function storeRow(p: usize, lo: v128, hi: v128, alphaV: v128, beta: f32): void {
  let outLo = f32x4.mul(alphaV, lo);
  let outHi = f32x4.mul(alphaV, hi);
  if (beta != 0) {
    const betaV = f32x4.splat(beta);
    outLo = madd(betaV, v128.load(p), outLo);
    outHi = madd(betaV, v128.load(p, 16), outHi);
  }
  v128.store(p, outLo);
  v128.store(p, outHi, 16);
}

/**
 * The rows × cols corner of a partial tile whose accumulators are in `tile`
 * (row r at r·NR floats). Each row of C is staged after the tile and goes
 * through storeRow, so an element gets the same arithmetic (and bits) as in a
 * full tile: where a tile ends (threads' slices, the matrix edge) never
 * changes a result.
 */
function storePartialTile(tile: usize, c: usize, ldc: i32, alphaV: v128, beta: f32, rows: i32, cols: i32): void {
  const stage = tile + TILE_BYTES;
  const rowBytes = <usize>ldc << 2;
  for (let r = 0; r < rows; r++) {
    const cp = c + <usize>r * rowBytes;
    if (beta != 0) for (let col = 0; col < cols; col++) store<f32>(stage + (<usize>col << 2), load<f32>(cp + (<usize>col << 2)));
    const acc = tile + (<usize>(r * NR) << 2);
    storeRow(stage, v128.load(acc), v128.load(acc, 16), alphaV, beta);
    for (let col = 0; col < cols; col++) store<f32>(cp + (<usize>col << 2), load<f32>(stage + (<usize>col << 2)));
  }
}

/** One 4×8 tile of C (the baseline builds) from a packed A panel and a packed B panel; partial tiles go through `tile`. */
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
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += 16;
    bp += 32;
  }
  const alphaV = f32x4.splat(alpha);
  const rowBytes = <usize>ldc << 2;
  if (rows == 4 && cols == NR) {
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
  storePartialTile(tile, c, ldc, alphaV, beta, rows, cols);
}

/** One 6×8 tile of C (the relaxed builds), as microKernel4x8. */
@inline function microKernel6x8(
  kc: i32, aPanel: usize, bPanel: usize, c: usize, ldc: i32,
  alpha: f32, beta: f32, rows: i32, cols: i32, tile: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  let ap = aPanel, bp = bPanel;
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    av = v128.load32_splat(ap, 16);
    c40 = madd(av, b0, c40);
    c41 = madd(av, b1, c41);
    av = v128.load32_splat(ap, 20);
    c50 = madd(av, b0, c50);
    c51 = madd(av, b1, c51);
    ap += 24;
    bp += 32;
  }
  const alphaV = f32x4.splat(alpha);
  const rowBytes = <usize>ldc << 2;
  if (rows == 6 && cols == NR) {
    storeRow(c, c00, c01, alphaV, beta);
    storeRow(c + rowBytes, c10, c11, alphaV, beta);
    storeRow(c + 2 * rowBytes, c20, c21, alphaV, beta);
    storeRow(c + 3 * rowBytes, c30, c31, alphaV, beta);
    storeRow(c + 4 * rowBytes, c40, c41, alphaV, beta);
    storeRow(c + 5 * rowBytes, c50, c51, alphaV, beta);
    return;
  }
  v128.store(tile, c00); v128.store(tile, c01, 16);
  v128.store(tile, c10, 32); v128.store(tile, c11, 48);
  v128.store(tile, c20, 64); v128.store(tile, c21, 80);
  v128.store(tile, c30, 96); v128.store(tile, c31, 112);
  v128.store(tile, c40, 128); v128.store(tile, c41, 144);
  v128.store(tile, c50, 160); v128.store(tile, c51, 176);
  storePartialTile(tile, c, ldc, alphaV, beta, rows, cols);
}

// Keeps TILE_BYTES honest: the tile and its staged row must fit before the packed A region.
assert(TILE_BYTES + ROW_STAGE_BYTES <= PACK_A_OFFSET);
// packA fills whole panels: a block of MC rows must not spill into the packed B region.
assert(MC % MR == 0);
// gemvRows keeps its partial sums in the workspace when beta != 0.
assert(GEMV_WORK_BYTES <= PACK_B_OFFSET + (<usize>(KC * NC) << 2));
