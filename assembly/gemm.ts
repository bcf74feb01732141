// The GEMM entry points, gemm and denseForward (twin: src/backend/js/gemm.ts):
// on the calling thread (gemmEpilogue, assembly/gemm-kernel.ts), or split by
// rows or by columns across the thread pool (assembly/threads.ts) when the
// product is large enough. In the default build ASC_FEATURE_THREADS is false
// and `gemm` is gemmEpilogue with one branch.
//
// Slices start on multiples of 4 rows or 8 columns (whole micro-kernel tiles),
// so every output element is computed exactly as gemmEpilogue would compute it
// on one thread: results are bit-identical. Each thread packs its own slice of
// one operand and all of the other, so the split is along the larger side of
// C: a batch of 128 rows times 1024 units splits by columns, and each thread
// packs half of the 4 MiB weight matrix instead of all of it. The bias and
// activation epilogue works element by element, so it splits either way
// (softmax needs whole rows: its layers split by rows).

import { ACTIVATION_SOFTMAX } from './activations';
import { gemmEpilogue, NO_EPILOGUE } from './gemm-kernel';
import { COLUMN_ALIGN, gemmParallel, poolAttached, poolWorkers, ROW_ALIGN } from './threads';

/** Products smaller than this many multiply-adds stay on one thread: waking workers costs more. */
const PARALLEL_MIN_MACS: i64 = 1 << 21;

/** C = alpha · op(A) · op(B) + beta · C, on every thread of the pool when it is large enough. */
export function gemm(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize,
): void {
  gemmShared(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, 0, NO_EPILOGUE);
}

/**
 * A dense layer's forward pass in one kernel: y = f(x·w + bias), x m×k, w k×n,
 * y m×n, the bias and activation applied to each block of y while it is in cache.
 */
export function denseForward(m: i32, n: i32, k: i32, x: usize, w: usize, bias: usize, y: usize, activation: i32, work: usize): void {
  gemmShared(0, 0, m, n, k, 1, x, k, w, n, 0, y, n, work, bias, activation);
}

function gemmShared(
  transA: i32, transB: i32, m: i32, n: i32, k: i32,
  alpha: f32, a: usize, lda: i32, b: usize, ldb: i32,
  beta: f32, c: usize, ldc: i32, work: usize, bias: usize, activation: i32,
): void {
  if (ASC_FEATURE_THREADS) {
    if (splitsAcrossThreads(m, n, k, activation)) {
      const workers = poolWorkers();
      gemmParallel(workers, splitsByColumns(m, n, activation, workers), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, bias, activation);
      return;
    }
  }
  gemmEpilogue(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work, bias, activation);
}

/** Whether an m×n×k product (with this activation) runs on the thread pool rather than the calling thread alone. */
export function splitsAcrossThreads(m: i32, n: i32, k: i32, activation: i32 = NO_EPILOGUE): bool {
  if (!ASC_FEATURE_THREADS || !poolAttached() || <i64>m * n * k < PARALLEL_MIN_MACS) return false;
  const workers = poolWorkers();
  return workers > 0 && (splitsByColumns(m, n, activation, workers) || m >= 2 * ROW_ALIGN * (workers + 1));
}

/** A wide product splits by columns (each thread packs its share of W); softmax needs whole rows. */
@inline function splitsByColumns(m: i32, n: i32, activation: i32, workers: i32): bool {
  return n > m && activation != ACTIVATION_SOFTMAX && n >= 2 * COLUMN_ALIGN * (workers + 1);
}
