/**
 * The float32 erf of assembly/math.ts (wasm has no erf instruction): its
 * error in ulps against a float64 reference over a dense sweep, and its
 * values at the extremes. The reference is src/backend/js/math.ts's erf (the
 * JS backend's), itself checked here against tabulated values. gelu (whose
 * normal CDF uses erf, and an erfc for its negative tail) and silu are swept too.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime, type Runtime } from '../../src/runtime.js';
import { ACTIVATION_IDS } from '../../src/backend/kinds.js';
import { erf, erfc, normalCdf, normalPdf } from '../../src/backend/js/math.js';
import { initFromBuild } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { await initFromBuild(); rt = runtime(); });

/** The spacing of float32 values at `value` (subnormal spacing below the normal range). */
function ulp(value: number): number {
  const v = Math.abs(value);
  return v < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(v)) - 23);
}

/** Runs the wasm erfMap kernel over `inputs`, returning its float32 outputs. */
function wasmErf(inputs: ArrayLike<number>): Float32Array {
  const n = inputs.length;
  const x = rt.heap.alloc(n * 4), y = rt.heap.alloc(n * 4);
  rt.heap.views.f32.set(inputs, x >> 2);
  (rt.exports.erfMap as (n: number, x: number, y: number) => void)(n, x, y);
  const out = rt.heap.views.f32.slice(y >> 2, (y >> 2) + n);
  rt.heap.free(x);
  rt.heap.free(y);
  return out;
}

describe('the float64 reference (src/backend/js/math.ts)', () => {
  // erf and erfc by mpmath at 50 digits, rounded to float64.
  it.each([
    [0.1, 0.1124629160182849, 0.887537083981715],
    [0.5, 0.5204998778130465, 0.4795001221869535],
    [1, 0.8427007929497149, 0.15729920705028513],
    [2, 0.9953222650189527, 0.004677734981047266],
    [2.9, 0.9999589021219005, 4.109787809945886e-5],
    [3, 0.9999779095030014, 2.209049699858544e-5],
    [3.5, 0.9999992569016276, 7.430983723414128e-7],
    [5, 0.9999999999984626, 1.537459794428035e-12],
    [-0.3, -0.3286267594591274, 1.3286267594591274],
  ])('erf(%d) and erfc', (x, wantErf, wantErfc) => {
    expect(Math.abs(erf(x) - wantErf)).toBeLessThanOrEqual(2e-16 * Math.max(1, Math.abs(wantErf)) * 4);
    // erfc below 3 is 1 - erf: an absolute error of a few 1e-16, far below float32's resolution.
    expect(Math.abs(erfc(x) - wantErfc)).toBeLessThanOrEqual(x >= 3 ? 1e-14 * wantErfc : 1e-15);
  });

  it('is odd, ±1 at ±Inf, NaN at NaN; Φ(0) = 1/2', () => {
    expect(erf(-1.3)).toBe(-erf(1.3));
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
    expect(normalCdf(0)).toBe(0.5);
  });
});

describe('erf in float32 (wasm SIMD)', () => {
  it('is within 1 ulp of the float64 erf (rounded to float32) on every 1e-4 step of [-6, 6]', () => {
    const count = 120_001;
    const inputs = new Float32Array(count);
    for (let i = 0; i < count; i++) inputs[i] = -6 + i * 1e-4;
    const got = wasmErf(inputs);
    let worst = 0, at = 0;
    for (let i = 0; i < count; i++) {
      const want = Math.fround(erf(inputs[i]));
      const error = Math.abs(got[i] - want) / ulp(want);
      if (error > worst) { worst = error; at = inputs[i]; }
    }
    expect(worst, `worst at x = ${at}`).toBeLessThanOrEqual(1);
  });

  it('keeps tiny values (erf x ≈ 2x/√π) to within 1 ulp', () => {
    const inputs = [1e-30, -1e-30, 1e-10, 3e-5, -7e-3];
    const got = wasmErf(inputs);
    inputs.forEach((x, i) => {
      const want = Math.fround(erf(Math.fround(x)));
      expect(Math.abs(got[i] - want) / ulp(want), `x = ${x}`).toBeLessThanOrEqual(1);
    });
  });

  it('gives ±1 at ±Inf and for huge inputs, ±0 at ±0, NaN for NaN', () => {
    const got = wasmErf([Infinity, -Infinity, 3.4e38, -3.4e38, 0, -0, NaN, 20, -20]);
    expect(Array.from(got.subarray(0, 4))).toEqual([1, -1, 1, -1]);
    expect(Object.is(got[4], 0)).toBe(true);
    expect(Object.is(got[5], -0)).toBe(true);
    expect(got[6]).toBeNaN();
    expect([got[7], got[8]]).toEqual([1, -1]);
  });
});

describe('gelu and silu in float32 (wasm SIMD) on every 1e-4 step of [-8, 8]', () => {
  const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
  const cases = [
    // The normal CDF's tail, erfc(|x|/√2)/2 for x < -1.31, is Numerical Recipes' erfcc (1.2e-7 relative): a few ulp more than erf.
    { name: 'gelu', f: (a: number) => a * normalCdf(a), slope: (a: number) => normalCdf(a) + a * normalPdf(a), ulps: 8 },
    { name: 'silu', f: (a: number) => a * sigmoid(a), slope: (a: number) => sigmoid(a) * (1 + a * (1 - sigmoid(a))), ulps: 4 },
  ] as const;
  it.each(cases)('$name: forward within $ulps ulp, derivative from a within 1e-6 (absolute: it crosses 0)', ({ name, f, slope, ulps }) => {
    const count = 160_001;
    const x = rt.heap.alloc(count * 4), y = rt.heap.alloc(count * 4), ones = rt.heap.alloc(count * 4), dx = rt.heap.alloc(count * 4);
    const view = () => rt.heap.views.f32;
    for (let i = 0; i < count; i++) { view()[(x >> 2) + i] = -8 + i * 1e-4; view()[(ones >> 2) + i] = 1; }
    rt.backends.wasm.activationForward(ACTIVATION_IDS[name], 1, count, x, y);
    rt.backends.wasm.activationBackward(ACTIVATION_IDS[name], count, x, ones, dx);
    let worstUlps = 0, worstSlope = 0;
    for (let i = 0; i < count; i++) {
      const a = view()[(x >> 2) + i];
      const want = Math.fround(f(a));
      worstUlps = Math.max(worstUlps, Math.abs(view()[(y >> 2) + i] - want) / ulp(want));
      worstSlope = Math.max(worstSlope, Math.abs(view()[(dx >> 2) + i] - slope(a)));
    }
    [x, y, ones, dx].forEach((p) => rt.heap.free(p));
    expect(worstUlps).toBeLessThanOrEqual(ulps);
    expect(worstSlope).toBeLessThanOrEqual(1e-6);
  });
});
