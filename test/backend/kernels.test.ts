/**
 * Every kernel, wasm against the pure-TS backend and against a float64
 * reference written here, on odd sizes that exercise the SIMD tails and the
 * GEMM's packing edges and cache blocks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime, type Runtime } from '../../src/runtime.js';
import { ACTIVATION_IDS, ACTIVATIONS, LOSS_IDS, activationInfo } from '../../src/backend/kinds.js';
import { Random } from '../../src/random.js';
import { activate, activationSlope, initFromBuild } from '../helpers.js';

let rt: Runtime;
beforeAll(async () => { await initFromBuild(); rt = runtime(); });

/** Copies values into a fresh heap block; returns its address. */
function put(values: ArrayLike<number>): number {
  const ptr = rt.heap.alloc(values.length * 4);
  rt.heap.views.f32.set(values, ptr >> 2);
  return ptr;
}
const get = (ptr: number, n: number) => Array.from(rt.heap.views.f32.subarray(ptr >> 2, (ptr >> 2) + n));
const randomValues = (random: Random, n: number, scale = 1) => Array.from({ length: n }, () => random.uniform(-scale, scale));

describe('gemm', () => {
  const shapes: [number, number, number][] = [
    [1, 1, 1], [1, 3, 2], [2, 3, 2], [3, 5, 7], [4, 8, 4], [5, 9, 13], [17, 33, 15],
    [32, 128, 784], [100, 77, 300], [130, 520, 300], [64, 17, 1],
  ];
  const layouts = [[0, 0], [1, 0], [0, 1], [1, 1]] as const;

  for (const [m, n, k] of shapes) {
    for (const [transA, transB] of layouts) {
      it(`${m}×${n}×${k}, transA=${transA}, transB=${transB}, α=0.75, β=-0.5: both backends match float64`, () => {
        const random = new Random(m * 1000 + n * 10 + k);
        const A = randomValues(random, m * k), B = randomValues(random, k * n), C0 = randomValues(random, m * n);
        const opA = (i: number, p: number) => (transA ? A[p * m + i] : A[i * k + p]);
        const opB = (p: number, j: number) => (transB ? B[j * k + p] : B[p * n + j]);
        const alpha = 0.75, beta = -0.5;
        const want = C0.map((c, idx) => {
          const i = Math.floor(idx / n), j = idx % n;
          let dot = 0;
          for (let p = 0; p < k; p++) dot += opA(i, p) * opB(p, j);
          return alpha * dot + beta * c;
        });
        const lda = transA ? m : k, ldb = transB ? k : n;
        for (const backend of ['wasm', 'js'] as const) {
          const a = put(A), b = put(B), c = put(C0);
          rt.backends[backend].gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, n, rt.gemmWork);
          const got = get(c, m * n);
          // float32 products summed over k terms: error grows like √k · ulp · |terms|.
          const tolerance = 2e-6 * Math.sqrt(k) * 4 + 1e-6;
          got.forEach((g, idx) => {
            if (Math.abs(g - want[idx]) > tolerance) {
              throw new Error(`${backend}: C[${Math.floor(idx / n)}, ${idx % n}] = ${g}, expected ${want[idx]}`);
            }
          });
          [a, b, c].forEach((p) => rt.heap.free(p));
        }
      });
    }
  }

  it('β = 0 ignores NaN already in C; α = 0 only scales C', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const a = put([1, 2, 3, 4, 5, 6, 7, 8]), b = put([1, 0, 0, 1]);
      const c = put(new Array(8).fill(NaN));
      rt.backends[backend].gemm(0, 0, 4, 2, 2, 1, a, 2, b, 2, 0, c, 2, rt.gemmWork);
      expect(get(c, 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      rt.backends[backend].gemm(0, 0, 4, 2, 2, 0, a, 2, b, 2, 2, c, 2, rt.gemmWork);
      expect(get(c, 8)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
      [a, b, c].forEach((p) => rt.heap.free(p));
    }
  });

  it('writes only inside C (ldc larger than n leaves the gap alone)', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const m = 9, n = 11, k = 5, ldc = 16;
      const random = new Random(7);
      const a = put(randomValues(random, m * k)), b = put(randomValues(random, k * n));
      const c = put(new Array(m * ldc + 8).fill(42));
      rt.backends[backend].gemm(0, 0, m, n, k, 1, a, k, b, n, 0, c, ldc, rt.gemmWork);
      const out = get(c, m * ldc + 8);
      for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) expect(out[i * ldc + j]).toBe(42);
      expect(out.slice(m * ldc)).toEqual(new Array(8).fill(42));
      [a, b, c].forEach((p) => rt.heap.free(p));
    }
  });
});

describe('activations', () => {
  const inputs = [-1000, -88.8, -30, -5.5, -1, -1e-3, 0, 1e-3, 0.5, 1, 3, 17, 88.8, 1000, 3.4e38, -3.4e38, ...Array.from({ length: 23 }, (_, i) => i * 0.37 - 4)];

  for (const activation of ACTIVATIONS.filter((a) => a !== 'softmax')) {
    // gelu and silu take f'(a) from the pre-activation a (activationInfo.needsPreactivation), the others from y.
    const fromInput = activationInfo(activation).needsPreactivation;
    it(`${activation}: forward matches float64 and stays finite; backward is dy·f'(a) from ${fromInput ? 'a' : 'y'}`, () => {
      for (const backend of ['wasm', 'js'] as const) {
        const x = put(inputs), y = rt.heap.alloc(inputs.length * 4);
        const kind = ACTIVATION_IDS[activation];
        rt.backends[backend].activationForward(kind, 1, inputs.length, x, y);
        const ys = get(y, inputs.length);
        ys.forEach((value, i) => {
          expect(Number.isFinite(value) || (activation === 'linear' || activation === 'relu')).toBe(true);
          const want = activate(activation, inputs[i]);
          // gelu's Φ(x) for x ≪ 0 comes from erfc (a few ulp more than the others).
          expect(Math.abs(value - want)).toBeLessThanOrEqual(Math.abs(want) * (activation === 'gelu' ? 1e-6 : 4e-7) + 1e-30);
        });
        const dyValues = inputs.map((_, i) => (i % 3) - 1.25);
        const dy = put(dyValues), dx = rt.heap.alloc(inputs.length * 4);
        rt.backends[backend].activationBackward(kind, inputs.length, fromInput ? x : y, dy, dx);
        get(dx, inputs.length).forEach((g, i) => {
          const slope = activationSlope(activation, Math.fround(inputs[i]), ys[i]);
          expect(g).toBeCloseTo(dyValues[i] * slope, 5);
        });
        [x, y, dy, dx].forEach((p) => rt.heap.free(p));
      }
    });
  }

  it('sigmoid keeps tiny outputs for very negative inputs instead of rounding 1 - s to 0', () => {
    for (const backend of ['wasm', 'js'] as const) {
      const x = put([-80, -50]);
      rt.backends[backend].activationForward(ACTIVATION_IDS.sigmoid, 1, 2, x, x);
      const [a, b] = get(x, 2);
      expect(a / Math.exp(-80)).toBeCloseTo(1, 5);
      expect(b / Math.exp(-50)).toBeCloseTo(1, 5);
      rt.heap.free(x);
    }
  });
});

describe('bias, loss, update and gather kernels', () => {
  const rows = 7, cols = 13;
  const random = new Random(99);
  const X = randomValues(random, rows * cols), T = randomValues(random, rows * cols), bias = randomValues(random, cols);

  it.each(['wasm', 'js'] as const)('%s: biasAdd and columnSums', (backend) => {
    const kernels = rt.backends[backend];
    const c = put(X), b = put(bias), sums = rt.heap.alloc(cols * 4);
    kernels.biasAdd(rows, cols, b, c);
    get(c, rows * cols).forEach((v, i) => expect(v).toBeCloseTo(X[i] + bias[i % cols], 6));
    kernels.columnSums(rows, cols, c, sums);
    get(sums, cols).forEach((s, j) => {
      let want = 0;
      for (let i = 0; i < rows; i++) want += X[i * cols + j] + bias[j];
      expect(s).toBeCloseTo(want, 5);
    });
    [c, b, sums].forEach((p) => rt.heap.free(p));
  });

  it.each(['wasm', 'js'] as const)('%s: lossSum(l2) = Σ 1/2 (y - t)² and outputDelta(l2, linear) = scale·(y - t)', (backend) => {
    const kernels = rt.backends[backend];
    const y = put(X), t = put(T), delta = rt.heap.alloc(rows * cols * 4);
    const want = X.reduce((s, v, i) => s + 0.5 * (Math.fround(v) - Math.fround(T[i])) ** 2, 0);
    expect(kernels.lossSum(LOSS_IDS.l2, rows, cols, y, t)).toBeCloseTo(want, 9);
    kernels.outputDelta(LOSS_IDS.l2, ACTIVATION_IDS.linear, rows, cols, y, t, delta, 0.25);
    get(delta, rows * cols).forEach((d, i) => expect(d).toBeCloseTo(0.25 * (X[i] - T[i]), 6));
    [y, t, delta].forEach((p) => rt.heap.free(p));
  });

  it.each(['wasm', 'js'] as const)('%s: sgdUpdate is w - η g in float32, sumSquares is Σ g²', (backend) => {
    const kernels = rt.backends[backend];
    const w = put(X), g = put(T);
    kernels.sgdUpdate(rows * cols, w, g, 0.3);
    const rate = Math.fround(0.3);
    get(w, rows * cols).forEach((v, i) => expect(v).toBe(Math.fround(Math.fround(X[i]) - Math.fround(rate * Math.fround(T[i])))));
    expect(kernels.sumSquares(rows * cols, g)).toBeCloseTo(T.reduce((s, v) => s + Math.fround(v) ** 2, 0), 9);
    [w, g].forEach((p) => rt.heap.free(p));
  });

  it.each(['wasm', 'js'] as const)('%s: sumSquares over odd lengths (the 8-float blocks and the tail) matches float64', (backend) => {
    const random = new Random(8);
    for (const n of [1, 3, 7, 8, 9, 31, 33, 1000, 100003]) {
      const values = randomValues(random, n, 3);
      const x = put(values);
      const want = values.reduce((s, v) => s + Math.fround(v) ** 2, 0);
      expect(Math.abs(rt.backends[backend].sumSquares(n, x) - want) / want, `n = ${n}`).toBeLessThan(1e-12);
      rt.heap.free(x);
    }
  });

  it.each(['wasm', 'js'] as const)('%s: gatherRows copies rows in the given order', (backend) => {
    const src = put(X), dst = rt.heap.alloc(3 * cols * 4);
    const order = rt.heap.alloc(16);
    rt.heap.views.i32.set([6, 0, 3, 2], order >> 2);
    rt.backends[backend].gatherRows(src, cols, order, 1, 3, dst);
    const out = get(dst, 3 * cols);
    [0, 3, 2].forEach((row, r) => {
      expect(out.slice(r * cols, (r + 1) * cols)).toEqual(X.slice(row * cols, (row + 1) * cols).map(Math.fround));
    });
    [src, dst, order].forEach((p) => rt.heap.free(p));
  });
});

describe('the descriptor layout', () => {
  it('src/backend/descriptor.ts mirrors the slot numbers the wasm module exports', async () => {
    const slots = await import('../../src/backend/descriptor.js');
    for (const [name, value] of Object.entries(slots)) {
      if (typeof value !== 'number') continue;
      const global = runtime().exports[name] as WebAssembly.Global | undefined;
      expect(global, `wasm export ${name}`).toBeDefined();
      expect(global!.value, name).toBe(value);
    }
    const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
    for (const [name, id] of Object.entries(LOSS_IDS)) {
      expect((runtime().exports[`LOSS_${snake(name)}`] as WebAssembly.Global).value, name).toBe(id);
    }
  });
});

describe('denseForward (gemm with the bias and activation epilogue)', () => {
  const shapes: [number, number, number][] = [[1, 3, 2], [3, 5, 7], [32, 128, 784], [100, 77, 300], [130, 13, 600], [64, 520, 40]];
  for (const [m, n, k] of shapes) {
    for (const activation of ACTIVATIONS) {
      it(`${m}×${n}×${k}, ${activation}: both backends match f(x·w + b) in float64`, () => {
        const softmaxRow = (row: number[]) => {
          const top = Math.max(...row), e = row.map((v) => Math.exp(v - top)), total = e.reduce((s, v) => s + v, 0);
          return e.map((v) => v / total);
        };
        const random = new Random(m + n + k);
        const X = randomValues(random, m * k), W = randomValues(random, k * n, 0.2), bias = randomValues(random, n);
        const pre = Array.from({ length: m * n }, (_, idx) => {
          const i = Math.floor(idx / n), j = idx % n;
          let a = bias[j];
          for (let p = 0; p < k; p++) a += X[i * k + p] * W[p * n + j];
          return a;
        });
        const want = activation === 'softmax'
          ? Array.from({ length: m }, (_, i) => softmaxRow(pre.slice(i * n, (i + 1) * n))).flat()
          : pre.map((a) => activate(activation, a));
        for (const backend of ['wasm', 'js'] as const) {
          const x = put(X), w = put(W), b = put(bias), y = put(new Array(m * n + 8).fill(42));
          rt.backends[backend].denseForward(m, n, k, x, w, b, y, ACTIVATION_IDS[activation], rt.gemmWork);
          const got = get(y, m * n + 8);
          const tolerance = 1e-5 * Math.sqrt(k);
          got.slice(0, m * n).forEach((g, idx) => {
            if (!(Math.abs(g - want[idx]) <= tolerance)) throw new Error(`${backend}: y[${idx}] = ${g}, expected ${want[idx]}`);
          });
          expect(got.slice(m * n)).toEqual(new Array(8).fill(42));
          [x, w, b, y].forEach((p) => rt.heap.free(p));
        }
      });
    }
  }
});

describe('firstNonFinite', () => {
  it.each(['wasm', 'js'] as const)('%s: finds the first NaN or ±Infinity at any position, or -1', (backend) => {
    for (const n of [1, 3, 16, 17, 63, 64, 65, 200]) {
      const p = put(new Array(n).fill(1.5));
      expect(rt.backends[backend].firstNonFinite(n, p)).toBe(-1);
      for (const position of [0, n - 1, Math.floor(n / 2)]) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          rt.heap.views.f32[(p >> 2) + position] = bad;
          expect(rt.backends[backend].firstNonFinite(n, p)).toBe(position);
          rt.heap.views.f32[(p >> 2) + position] = 1.5;
        }
      }
      rt.heap.free(p);
    }
  });
});
