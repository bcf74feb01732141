import type { MemoryViews } from '../../heap.js';
import { slope } from './elementwise.js';

// The pure-TS twin of assembly/dropout.ts: the same xorshift32 stream, so
// both backends drop the same units.

function nextUniform(v: MemoryViews, stateIndex: number): number {
  const u32 = new Uint32Array(v.i32.buffer, v.i32.byteOffset, v.i32.length);
  let x = u32[stateIndex];
  x ^= x << 13;
  x >>>= 0;
  x ^= x >>> 17;
  x ^= x << 5;
  x >>>= 0;
  u32[stateIndex] = x;
  return Math.fround((x >>> 8) * (1 / 16777216));
}

export function dropoutForward(v: MemoryViews, n: number, y: number, mask: number, rate: number, state: number): void {
  const f = v.f32, keep = Math.fround(1 / Math.fround(1 - Math.fround(rate))), r = Math.fround(rate);
  for (let i = 0; i < n; i++) {
    const m = nextUniform(v, state >> 2) >= r ? keep : 0;
    f[(mask >> 2) + i] = m;
    f[(y >> 2) + i] = f[(y >> 2) + i] * m;
  }
}

export function dropoutBackward(v: MemoryViews, kind: number, n: number, y: number, mask: number, rate: number, delta: number): void {
  const f = v.f32, unscale = Math.fround(1 - Math.fround(rate));
  for (let i = 0; i < n; i++) {
    const m = f[(mask >> 2) + i];
    f[(delta >> 2) + i] = m === 0 ? 0 : f[(delta >> 2) + i] * m * slope(kind, Math.fround(f[(y >> 2) + i] * unscale));
  }
}
