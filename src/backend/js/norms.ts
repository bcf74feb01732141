import type { MemoryViews } from '../../heap.js';

// The pure-TS twin of assembly/norms.ts.

/** Σ x² (a squared norm), in float64. */
export function sumSquares(v: MemoryViews, n: number, x: number): number {
  const f = v.f32, X = x >>> 2;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += f[X + i] * f[X + i];
  return sum;
}
