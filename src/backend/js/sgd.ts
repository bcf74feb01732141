import type { MemoryViews } from '../../heap.js';

// The pure-TS twin of assembly/sgd.ts: plain SGD, all or nothing (the js backend has no threads, so no shared variant).

/** w ← w - η g if every result is finite (returns 1); otherwise changes nothing (returns 0). */
export function sgdUpdate(v: MemoryViews, n: number, w: number, g: number, learningRate: number): number {
  const f = v.f32, W = w >>> 2, G = g >>> 2;
  const rate = Math.fround(learningRate);
  // Rounding η·g to float32 first makes this the wasm kernel's f32 arithmetic exactly.
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(Math.fround(f[W + i] - Math.fround(rate * f[G + i])))) return 0;
  }
  for (let i = 0; i < n; i++) f[W + i] -= Math.fround(rate * f[G + i]);
  return 1;
}
