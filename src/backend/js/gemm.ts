import type { MemoryViews } from '../../heap.js';
import { activationForward } from './activations.js';
import { biasAdd } from './bias.js';

/**
 * The pure-TS twin of assembly/gemm.ts's entry points, gemm and denseForward.
 * C = alpha·op(A)·op(B) + beta·C in plain TypeScript (see assembly/gemm-kernel.ts
 * for the operand conventions). Each row of C is accumulated in float64 and rounded
 * once, which makes this the more accurate of the two backends: the oracle.
 */
export function createGemmKernels(v: MemoryViews) {
  // Grown on demand and reused, so a call allocates nothing once warm.
  let rowAccumulator = new Float64Array(64);

  function gemm(
    transA: number, transB: number, m: number, n: number, k: number,
    alpha: number, a: number, lda: number, b: number, ldb: number,
    beta: number, c: number, ldc: number, _work: number,
  ): void {
    if (m <= 0 || n <= 0) return;
    const f = v.f32;
    const A = a >>> 2, B = b >>> 2, C = c >>> 2;
    if (rowAccumulator.length < n) rowAccumulator = new Float64Array(n);
    const acc = rowAccumulator;
    for (let i = 0; i < m; i++) {
      acc.fill(0, 0, n);
      if (alpha !== 0) {
        for (let p = 0; p < k; p++) {
          const aip = transA ? f[A + p * lda + i] : f[A + i * lda + p];
          if (transB) {
            for (let j = 0; j < n; j++) acc[j] += aip * f[B + j * ldb + p];
          } else {
            const row = B + p * ldb;
            for (let j = 0; j < n; j++) acc[j] += aip * f[row + j];
          }
        }
      }
      const cRow = C + i * ldc;
      for (let j = 0; j < n; j++) {
        f[cRow + j] = beta === 0 ? alpha * acc[j] : alpha * acc[j] + beta * f[cRow + j];
      }
    }
  }

  /** y = f(x·w + bias), x m×k, w k×n, y m×n: GEMM, then the bias, then the activation. */
  function denseForward(m: number, n: number, k: number, x: number, w: number, bias: number, y: number, activation: number, work: number): void {
    gemm(0, 0, m, n, k, 1, x, k, w, n, 0, y, n, work);
    biasAdd(v, m, n, bias, y);
    activationForward(v, activation, m, n, y, y);
  }

  return { gemm, denseForward };
}
