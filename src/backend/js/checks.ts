import type { MemoryViews } from '../../heap.js';

// The pure-TS twin of assembly/checks.ts.

export function firstNonFinite(v: MemoryViews, n: number, x: number): number {
  const f = v.f32, X = x >>> 2;
  for (let i = 0; i < n; i++) if (!Number.isFinite(f[X + i])) return i;
  return -1;
}
