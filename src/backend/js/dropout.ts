import type { MemoryViews } from '../../heap.js';
import { slope } from './activations.js';

// The pure-TS twin of assembly/dropout.ts: the same xorshift32 stream, so
// both backends drop the same units.

export function dropoutForward(v: MemoryViews, n: number, y: number, mask: number, rate: number, state: number): void {
  const f = v.f32, i32 = v.i32, keep = Math.fround(1 / Math.fround(1 - Math.fround(rate))), r = Math.fround(rate);
  // xorshift32 on the state slot, kept in a local (as unsigned) and written back once.
  let x = i32[state >>> 2] >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    const m = Math.fround((x >>> 8) * (1 / 16777216)) >= r ? keep : 0;
    f[(mask >>> 2) + i] = m;
    f[(y >>> 2) + i] = f[(y >>> 2) + i] * m;
  }
  i32[state >>> 2] = x | 0;
}

export function dropoutBackward(v: MemoryViews, kind: number, n: number, y: number, mask: number, rate: number, delta: number): void {
  const f = v.f32, unscale = Math.fround(1 - Math.fround(rate));
  for (let i = 0; i < n; i++) {
    const m = f[(mask >>> 2) + i];
    f[(delta >>> 2) + i] = m === 0 ? 0 : f[(delta >>> 2) + i] * m * slope(kind, Math.fround(f[(y >>> 2) + i] * unscale));
  }
}
