/**
 * The relaxed-SIMD build's GEMM (build/wasmgrad-relaxed.wasm: madd in the
 * micro-kernel and its epilogue, a 6×8 tile) against the baseline build's
 * (build/wasmgrad.wasm, 4×8, mul then add), both instantiated here side by
 * side. Runs only where the engine has relaxed SIMD (Node 22 and later).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/wasm/load.js';
import { Random } from '../../src/random.js';

type Exports = {
  memory: WebAssembly.Memory;
  RELAXED_SIMD: WebAssembly.Global;
  heapBase(): number;
  gemmWorkBytes(): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number, a: number, lda: number,
    b: number, ldb: number, beta: number, c: number, ldc: number, work: number): void;
};

const HERE = relaxedSimdSupported();
const SKIP_REASON = HERE ? '' : ' (skipped: this engine lacks relaxed SIMD: Node 20 without --experimental-wasm-relaxed-simd)';

function instantiate(file: string): Exports {
  const bytes = readFileSync(new URL(`../../build/${file}`, import.meta.url));
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Exports;
}

/**
 * f(a, b, c) = lane 0 of f32x4.relaxed_madd(splat a, splat b, splat c), hand-assembled: tells
 * whether this engine and CPU fuse (relaxed SIMD allows either rounding).
 */
const MADD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0,
  1, 8, 1, 96, 3, 125, 125, 125, 1, 125, // type: (f32, f32, f32) -> f32
  3, 2, 1, 0,
  7, 5, 1, 1, 102, 0, 0, // export "f"
  10, 22, 1, 20, 0,
  32, 0, 253, 19, 32, 1, 253, 19, 32, 2, 253, 19, // local.get i, f32x4.splat (three times)
  253, 133, 2, // f32x4.relaxed_madd
  253, 31, 0, // f32x4.extract_lane 0
  11,
]);

/** (1 + 2⁻¹²)² = 1 + 2⁻¹¹ + 2⁻²⁴ is not a float32: rounded, minus 1 + 2⁻¹¹ it is 0; fused, 2⁻²⁴. */
const U = Math.fround(1 + 2 ** -12), V = Math.fround(1 + 2 ** -11);

function engineFuses(): boolean {
  const f = (new WebAssembly.Instance(new WebAssembly.Module(MADD_PROBE)).exports as { f(a: number, b: number, c: number): number }).f;
  return f(U, U, -V) !== 0;
}

/** One product's operands in a build's memory, above heapBase. */
class Product {
  readonly a: number; readonly b: number; readonly c: number; readonly work: number;
  constructor(readonly x: Exports, aValues: Float32Array, bValues: Float32Array, cValues: Float32Array) {
    const align = (v: number) => (v + 63) & ~63;
    this.a = align(x.heapBase());
    this.b = align(this.a + aValues.length * 4);
    this.c = align(this.b + bValues.length * 4);
    this.work = align(this.c + cValues.length * 4);
    const end = this.work + x.gemmWorkBytes();
    const have = x.memory.buffer.byteLength;
    if (end > have) x.memory.grow(Math.ceil((end - have) / 65536));
    this.f32().set(aValues, this.a >> 2);
    this.f32().set(bValues, this.b >> 2);
    this.f32().set(cValues, this.c >> 2);
  }
  f32(): Float32Array { return new Float32Array(this.x.memory.buffer); }
  result(length: number): Float32Array { return this.f32().slice(this.c >> 2, (this.c >> 2) + length); }
}

interface Case { m: number; n: number; k: number; transA: number; transB: number; alpha: number; beta: number }

function randomMatrix(random: () => number, length: number): Float32Array {
  return Float32Array.from({ length }, () => 2 * random() - 1);
}

/** C from one build, and the float64 scale of every element: |α|·Σ_p |a_ip·b_pj| + |β·c_ij|. */
function run(x: Exports, g: Case, seed: number): { c: Float32Array; scale: Float64Array; ref: Float64Array } {
  const rng = new Random(seed);
  const random = () => rng.next();
  const a = randomMatrix(random, g.m * g.k), b = randomMatrix(random, g.k * g.n), c0 = randomMatrix(random, g.m * g.n);
  const lda = g.transA ? g.m : g.k, ldb = g.transB ? g.k : g.n;
  const p = new Product(x, a, b, c0);
  x.gemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, p.a, lda, p.b, ldb, g.beta, p.c, g.n, p.work);
  const scale = new Float64Array(g.m * g.n), ref = new Float64Array(g.m * g.n);
  for (let i = 0; i < g.m; i++) {
    for (let j = 0; j < g.n; j++) {
      let sum = 0, abs = 0;
      for (let q = 0; q < g.k; q++) {
        const prod = (g.transA ? a[q * g.m + i] : a[i * g.k + q]) * (g.transB ? b[j * g.k + q] : b[q * g.n + j]);
        sum += prod;
        abs += Math.abs(prod);
      }
      ref[i * g.n + j] = g.alpha * sum + g.beta * c0[i * g.n + j];
      scale[i * g.n + j] = Math.abs(g.alpha) * abs + Math.abs(g.beta * c0[i * g.n + j]);
    }
  }
  return { c: p.result(g.m * g.n), scale, ref };
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [3, 5, 7], [4, 8, 16], [5, 9, 33], [6, 8, 1024], [7, 17, 513], [13, 29, 1000], [33, 65, 1024],
  [64, 64, 64], [97, 31, 255], [137, 70, 600], [9, 530, 40], [128, 128, 1024],
];
const LAYOUTS = [[0, 0], [1, 0], [0, 1], [1, 1]];

describe.skipIf(!HERE)(`the relaxed-SIMD build's GEMM${SKIP_REASON}`, () => {
  const base = HERE ? instantiate('wasmgrad.wasm') : (null as unknown as Exports);
  const relaxed = HERE ? instantiate('wasmgrad-relaxed.wasm') : (null as unknown as Exports);

  it('each build says which it is (RELAXED_SIMD)', () => {
    expect(base.RELAXED_SIMD.value).toBe(0);
    expect(relaxed.RELAXED_SIMD.value).toBe(1);
  });

  it('is within 1e-5 (relative to |α|·Σ|a·b| + |β·c|) of the baseline build and of float64, for K ≤ 1024, every layout, odd shapes, α and β', () => {
    let cases = 0;
    for (const [m, n, k] of SHAPES) {
      for (const [transA, transB] of LAYOUTS) {
        for (const [alpha, beta] of [[1, 0], [0.5, 1.5]]) {
          const g = { m, n, k, transA, transB, alpha, beta };
          const seed = 1000 * m + 10 * n + k + transA + 2 * transB;
          const b = run(base, g, seed), r = run(relaxed, g, seed);
          let worstBuilds = 0, worstRef = 0;
          for (let i = 0; i < b.c.length; i++) {
            const s = Math.max(b.scale[i], 1e-30);
            worstBuilds = Math.max(worstBuilds, Math.abs(r.c[i] - b.c[i]) / s);
            worstRef = Math.max(worstRef, Math.abs(r.c[i] - r.ref[i]) / s, Math.abs(b.c[i] - b.ref[i]) / s);
          }
          const label = `${m}×${n}×${k} transA ${transA} transB ${transB} α ${alpha} β ${beta}`;
          expect(worstBuilds, label).toBeLessThanOrEqual(1e-5);
          expect(worstRef, label).toBeLessThanOrEqual(1e-5);
          cases++;
        }
      }
    }
    expect(cases).toBe(SHAPES.length * 8);
  });

  it.each([0, 0.75])('an element of C does not depend on where its tile starts (threads slices start on 4 rows or 8 columns), β = %s', (beta) => {
    // k > KC (512) so that a direct (unpacked) path, which rounds differently, would show; β ≠ 0 so that a partial
    // tile's epilogue (α·acc + β·c, fused or not) would show.
    const m = 29, n = 37, k = 600;
    const rng = new Random(5);
    const random = () => rng.next();
    const a = randomMatrix(random, m * k), b = randomMatrix(random, k * n), c0 = randomMatrix(random, m * n);
    const whole = new Product(relaxed, a, b, c0);
    relaxed.gemm(0, 0, m, n, k, 1, whole.a, k, whole.b, n, beta, whole.c, n, whole.work);
    const expected = whole.result(m * n);
    // Row slices (op(A) rows from `first`) and column slices (columns of B and C from `first`), as assembly/threads.ts cuts them.
    for (const [first, rows] of [[4, 25], [8, 21], [12, 5], [24, 5], [20, 4]]) {
      const slice = new Product(relaxed, a.subarray(first * k, (first + rows) * k), b, c0.slice(first * n, (first + rows) * n));
      relaxed.gemm(0, 0, rows, n, k, 1, slice.a, k, slice.b, n, beta, slice.c, n, slice.work);
      expect(slice.result(rows * n), `rows ${first}..${first + rows}`).toEqual(expected.subarray(first * n, (first + rows) * n));
    }
    for (const first of [8, 16, 24]) {
      const cols = n - first;
      const bCols = new Float32Array(k * cols), cCols = new Float32Array(m * cols);
      for (let p = 0; p < k; p++) bCols.set(b.subarray(p * n + first, (p + 1) * n), p * cols);
      for (let i = 0; i < m; i++) cCols.set(c0.subarray(i * n + first, (i + 1) * n), i * cols);
      const slice = new Product(relaxed, a, bCols, cCols);
      relaxed.gemm(0, 0, m, cols, k, 1, slice.a, k, slice.b, cols, beta, slice.c, cols, slice.work);
      const got = slice.result(m * cols);
      for (let i = 0; i < m; i++) {
        expect(got.subarray(i * cols, (i + 1) * cols), `columns ${first}.. row ${i}`).toEqual(expected.subarray(i * n + first, (i + 1) * n));
      }
    }
  });

  it.skipIf(!HERE || !engineFuses())('multiplies and adds in one rounding where the engine fuses: in the micro-kernel and in the β epilogue', () => {
    // C[0, 0] = (-1)·V + U·U: the product U·U is 1 + 2⁻¹¹ + 2⁻²⁴, so mul-then-add gives 0 and a fused
    // multiply-add 2⁻²⁴. A 64×64×2 product takes the packed path (micro-kernel).
    const m = 64, n = 64, k = 2;
    const a = new Float32Array(m * k), b = new Float32Array(k * n);
    a[0] = -1; a[1] = U; b[0] = V; b[n] = U;
    const kernel = (x: Exports) => {
      const p = new Product(x, a, b, new Float32Array(m * n));
      x.gemm(0, 0, m, n, k, 1, p.a, k, p.b, n, 0, p.c, n, p.work);
      return p.result(m * n)[0];
    };
    expect(kernel(base)).toBe(0);
    expect(kernel(relaxed)).toBe(2 ** -24);
    // The epilogue: C = 1·(-V) + β·C with β = U and C[0, 0] = U before: again U·U - V.
    const a2 = new Float32Array(m * k), c0 = new Float32Array(m * n);
    a2[0] = -1; c0[0] = U;
    const b2 = new Float32Array(k * n);
    b2[0] = V;
    const epilogue = (x: Exports) => {
      const p = new Product(x, a2, b2, c0);
      x.gemm(0, 0, m, n, k, 1, p.a, k, p.b, n, U, p.c, n, p.work);
      return p.result(m * n)[0];
    };
    expect(epilogue(base)).toBe(0);
    expect(epilogue(relaxed)).toBe(2 ** -24);
  });
});
