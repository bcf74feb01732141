/**
 * The vector exp, sigmoid and tanh of assembly/math.ts: their error bound in
 * ulps of float32, over dense sweeps of the whole useful input range, and
 * what they do at the extremes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime, type Runtime } from '../../src/runtime.js';
import { ACTIVATION_IDS, UNARY_IDS } from '../../src/backend/kinds.js';
import { initFromBuild } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { await initFromBuild(); rt = runtime(); });

/** The spacing of float32 values at `value` (subnormal spacing below the normal range). */
function ulp(value: number): number {
  const v = Math.abs(value);
  return v < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(v)) - 23);
}

/** Largest error, in ulps of the float32-rounded float64 reference, over `count` evenly spaced inputs. */
function maxUlpError(low: number, high: number, reference: (x: number) => number, kernel: (n: number, x: number, y: number) => void, count = 100_003): number {
  const x = rt.heap.alloc(count * 4), y = rt.heap.alloc(count * 4);
  const xs = rt.heap.views.f32.subarray(x >> 2, (x >> 2) + count);
  for (let i = 0; i < count; i++) xs[i] = low + ((high - low) * i) / (count - 1);
  kernel(count, x, y);
  const f = rt.heap.views.f32;
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const want = Math.fround(reference(f[(x >> 2) + i]));
    worst = Math.max(worst, Math.abs(f[(y >> 2) + i] - want) / ulp(want));
  }
  rt.heap.free(x);
  rt.heap.free(y);
  return worst;
}

const wasm = () => rt.backends.wasm;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('error bounds (wasm SIMD kernels vs float64)', () => {
  it.each([
    ['exp', -103, 88.7, Math.exp, 2, (n: number, x: number, y: number) => wasm().mapUnary(UNARY_IDS.exp, n, x, y)],
    ['exp near 0', -4, 4, Math.exp, 2, (n: number, x: number, y: number) => wasm().mapUnary(UNARY_IDS.exp, n, x, y)],
    ['sigmoid', -103, 30, sigmoid, 4, (n: number, x: number, y: number) => wasm().activationForward(ACTIVATION_IDS.sigmoid, 1, n, x, y)],
    ['sigmoid near 0', -8, 8, sigmoid, 4, (n: number, x: number, y: number) => wasm().activationForward(ACTIVATION_IDS.sigmoid, 1, n, x, y)],
    ['tanh', -12, 12, Math.tanh, 2, (n: number, x: number, y: number) => wasm().activationForward(ACTIVATION_IDS.tanh, 1, n, x, y)],
    ['tanh near 0', -0.7, 0.7, Math.tanh, 2, (n: number, x: number, y: number) => wasm().activationForward(ACTIVATION_IDS.tanh, 1, n, x, y)],
    ['tanh of tiny values', -1e-3, 1e-3, Math.tanh, 2, (n: number, x: number, y: number) => wasm().activationForward(ACTIVATION_IDS.tanh, 1, n, x, y)],
  ] as const)('%s on [%d, %d]: within %d ulp', (_, low, high, reference, bound, kernel) => {
    const worst = maxUlpError(low, high, reference, kernel);
    expect(worst).toBeLessThanOrEqual(bound);
  });
});

describe('extremes', () => {
  const inputs = [Infinity, -Infinity, 1000, -1000, 88.8, -88.8, 3.4e38, -3.4e38, -0, 0, -104.5, 1e-30];
  const run = (kernel: (n: number, x: number, y: number) => void) => {
    const x = rt.heap.alloc(inputs.length * 4);
    rt.heap.views.f32.set(inputs, x >> 2);
    kernel(inputs.length, x, x);
    const out = Array.from(rt.heap.views.f32.subarray(x >> 2, (x >> 2) + inputs.length));
    rt.heap.free(x);
    return out;
  };

  it('exp: +Inf above 88.72, 0 far below, 1 at zero, subnormal results kept, never NaN', () => {
    const out = run((n, x, y) => wasm().mapUnary(UNARY_IDS.exp, n, x, y));
    expect([...out.slice(0, 5), ...out.slice(6)]).toEqual([Infinity, 0, Infinity, 0, Infinity, Infinity, 0, 1, 1, 0, 1]);
    // e^-88.8 is subnormal in float32 (fewer significant bits): a relative bound, not ulps.
    expect(Math.abs(out[5] / Math.exp(-88.8) - 1)).toBeLessThan(1e-5);
  });

  it('sigmoid and tanh stay finite and in range for every input', () => {
    for (const kind of [ACTIVATION_IDS.sigmoid, ACTIVATION_IDS.tanh]) {
      const out = run((n, x, y) => wasm().activationForward(kind, 1, n, x, y));
      out.forEach((v) => expect(Number.isFinite(v)).toBe(true));
      out.forEach((v) => expect(Math.abs(v)).toBeLessThanOrEqual(1));
    }
    const sig = run((n, x, y) => wasm().activationForward(ACTIVATION_IDS.sigmoid, 1, n, x, y));
    expect(sig.slice(0, 4)).toEqual([1, 0, 1, 0]);
    expect(sig[8]).toBe(0.5);
    const tanh = run((n, x, y) => wasm().activationForward(ACTIVATION_IDS.tanh, 1, n, x, y));
    expect(tanh.slice(0, 4)).toEqual([1, -1, 1, -1]);
    expect(tanh[11]).toBe(Math.fround(1e-30));
  });

  it('the tail (n not a multiple of 4) goes through the same code as the body', () => {
    const x = rt.heap.alloc(7 * 4);
    rt.heap.views.f32.set([0.3, -2, 5, 0.3, -2, 5, 0.3], x >> 2);
    wasm().activationForward(ACTIVATION_IDS.sigmoid, 1, 7, x, x);
    const out = Array.from(rt.heap.views.f32.subarray(x >> 2, (x >> 2) + 7));
    expect(out[4]).toBe(out[1]);
    expect(out[5]).toBe(out[2]);
    expect(out[6]).toBe(out[0]);
    rt.heap.free(x);
  });
});
