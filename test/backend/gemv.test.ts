/**
 * The one-sample products (assembly/gemv.ts), reached through the wasm gemm
 * and denseForward entry points: m = 1 in every layout (x·W forward, δ·Wᵀ,
 * and the transposed-A forms) and depth k = 1 (the rank-1 hᵀδ).
 *
 * Batches of two and three rows: x·W and x·Wᵀ run assembly/gemv-multi.ts (W
 * read once for all rows), checked against the one-row kernels called row by row.
 *
 * Two references per case:
 * - bits: a float32 model of the order the unpacked small-batch path summed in
 *   (Math.fround after every operation): sequential over the depth for x·W;
 *   four lane sums, lanes 0+1+2+3, then the tail for x·Wᵀ; 0 + a·b at depth 1.
 *   The kernels must match it exactly. One case changed order: x·Wᵀ with
 *   op(A) = Aᵀ and lda = 1 (x contiguous) was summed sequentially and now takes
 *   the four-lane order; a strided x still goes to gemmDirectDot (sequential).
 *   (Not in the relaxed-SIMD build, whose madd may fuse.)
 * - float64: |got - exact| within float32's worst-case bound for a k-term sum,
 *   (k + 2)·2⁻²⁴·(|α|·Σ|x_p w_p| + |β c|), whatever the order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime, type Runtime } from '../../src/runtime.js';
import { ACTIVATION_IDS, type Activation } from '../../src/backend/kinds.js';
import { Random } from '../../src/random.js';
import { dense, sequential, sgd } from '../../src/index.js';
import { activate, initFromBuild, maxAbsDiff, randomMatrix } from '../helpers.js';

let rt: Runtime;
/** The relaxed-SIMD build (WASMGRAD_TEST_WASM) may fuse madd: then only the float64 bound applies. */
let fused = false;
beforeAll(async () => {
  await initFromBuild();
  rt = runtime();
  fused = (rt.exports.RELAXED_SIMD as WebAssembly.Global).value === 1;
});

const f = Math.fround;
const U = 2 ** -24;
const SIZES = [1, 3, 17, 1023, 1024, 1025];
/** Floats past the end of every output that no kernel may touch (the SIMD loops store whole vectors). */
const GUARD = 8;

/** Copies values into a fresh heap block (plus the guard, filled with 42); returns its address. */
function put(values: ArrayLike<number>, guard = 0): number {
  const ptr = rt.heap.alloc((values.length + guard) * 4);
  rt.heap.views.f32.set(values, ptr >> 2);
  rt.heap.views.f32.fill(42, (ptr >> 2) + values.length, (ptr >> 2) + values.length + guard);
  return ptr;
}
const get = (ptr: number, n: number) => rt.heap.views.f32.slice(ptr >> 2, (ptr >> 2) + n);
const randomArray = (random: Random, n: number, scale = 1) => Float32Array.from({ length: n }, () => random.uniform(-scale, scale));

/** One product's operands as gemm takes them; opA(i, p) and opB(p, j) index the stored arrays. */
interface Case {
  transA: number; transB: number; m: number; n: number; k: number;
  alpha: number; beta: number; lda: number; ldb: number; ldc: number;
  A: Float32Array; B: Float32Array; C: Float32Array;
}
const opA = (c: Case, i: number, p: number) => (c.transA ? c.A[p * c.lda + i] : c.A[i * c.lda + p]);
const opB = (c: Case, p: number, j: number) => (c.transB ? c.B[j * c.ldb + p] : c.B[p * c.ldb + j]);

function makeCase(random: Random, transA: number, transB: number, m: number, n: number, k: number,
  alpha: number, beta: number, pad = 0): Case {
  const lda = (transA ? m : k) + pad, ldb = (transB ? k : n) + pad, ldc = n + pad;
  const A = randomArray(random, (transA ? k : m) * lda);
  const B = randomArray(random, (transB ? n : k) * ldb);
  // β = 0 must never read C: NaN there would show.
  const C = beta === 0 ? new Float32Array(m * ldc).fill(NaN) : randomArray(random, m * ldc);
  return { transA, transB, m, n, k, alpha, beta, lda, ldb, ldc, A, B, C };
}

/** C[i, j] in float32, summed in the small-batch path's order (see the file's comment). */
function float32Model(c: Case, i: number, j: number): number {
  let acc: number;
  // gemvDot takes rows of op(A) that are contiguous; a strided one goes to gemmDirectDot, which sums it in order.
  const xContiguous = !c.transA || (c.m === 1 && c.lda === 1);
  if (c.k === 1) {
    acc = f(0 + f(opA(c, i, 0) * opB(c, 0, j)));
  } else if (c.transB && xContiguous) {
    const k4 = c.k & ~3;
    const lanes = [0, 0, 0, 0];
    for (let p = 0; p < k4; p += 4) {
      for (let l = 0; l < 4; l++) lanes[l] = f(lanes[l] + f(opA(c, i, p + l) * opB(c, p + l, j)));
    }
    acc = f(f(f(lanes[0] + lanes[1]) + lanes[2]) + lanes[3]);
    for (let p = k4; p < c.k; p++) acc = f(acc + f(opA(c, i, p) * opB(c, p, j)));
  } else {
    acc = 0;
    for (let p = 0; p < c.k; p++) acc = f(acc + f(opA(c, i, p) * opB(c, p, j)));
  }
  const scaled = f(c.alpha * acc);
  return c.beta === 0 ? scaled : f(scaled + f(c.beta * c.C[i * c.ldc + j]));
}

/** Runs the wasm gemm on the case; checks every element against both references and the guard. */
function checkGemm(c: Case): void {
  const a = put(c.A), b = put(c.B), out = put(c.C, GUARD);
  rt.backends.wasm.gemm(c.transA, c.transB, c.m, c.n, c.k, c.alpha, a, c.lda, b, c.ldb, c.beta, out, c.ldc, rt.gemmWork);
  const got = get(out, c.m * c.ldc + GUARD);
  [a, b, out].forEach((p) => rt.heap.free(p));
  const label = `transA=${c.transA} transB=${c.transB} ${c.m}×${c.n}×${c.k} α=${c.alpha} β=${c.beta}`;
  for (let i = 0; i < c.m; i++) {
    for (let j = 0; j < c.n; j++) {
      const g = got[i * c.ldc + j];
      const bits = float32Model(c, i, j);
      if (!fused && !Object.is(g, bits)) throw new Error(`${label}: C[${i}, ${j}] = ${g}, the float32 model gives ${bits}`);
      let exact = 0, magnitude = 0;
      for (let p = 0; p < c.k; p++) {
        const term = opA(c, i, p) * opB(c, p, j);
        exact += term;
        magnitude += Math.abs(term);
      }
      const old = c.beta === 0 ? 0 : c.C[i * c.ldc + j];
      const want = c.alpha * exact + c.beta * old;
      const bound = (c.k + 2) * U * (Math.abs(c.alpha) * magnitude + Math.abs(c.beta * old)) + 1e-30;
      if (!(Math.abs(g - want) <= bound)) throw new Error(`${label}: C[${i}, ${j}] = ${g}, float64 ${want}, bound ${bound}`);
    }
    // Padding between rows (ldc > n) is not C's: it keeps its old value.
    for (let j = c.n; j < c.ldc; j++) expect(Object.is(got[i * c.ldc + j], c.C[i * c.ldc + j])).toBe(true);
  }
  expect(Array.from(got.subarray(c.m * c.ldc)), `${label}: the guard after C`).toEqual(new Array(GUARD).fill(42));
}

/** (α, β): β = 0 with α = 1 (the sums are the output) and α ≠ 1; β = 1 accumulating onto C. */
const SCALINGS: [number, number][] = [[1, 0], [0.75, 0], [-0.5, 1]];
const LAYOUTS = [[0, 0], [1, 0], [0, 1], [1, 1]] as const;

describe('gemm with one row of op(A) (a batch of one)', () => {
  for (const [transA, transB] of LAYOUTS) {
    for (const [alpha, beta] of SCALINGS) {
      it(`transA=${transA} transB=${transB}, α=${alpha} β=${beta}: n, k ∈ {${SIZES}} match the float32 model bit for bit and float64`, () => {
        const random = new Random(1000 + transA * 2 + transB);
        for (const n of SIZES) for (const k of SIZES) checkGemm(makeCase(random, transA, transB, 1, n, k, alpha, beta));
      });
    }
  }

  it('two and three rows, every layout: the float32 model and float64', () => {
    const random = new Random(55);
    for (const m of [2, 3]) {
      for (const [transA, transB] of LAYOUTS) {
        for (const [alpha, beta] of [[1, 0], [-0.5, 1]]) {
          for (const n of [3, 17, 1023, 1025]) for (const k of [3, 17, 1023, 1025]) checkGemm(makeCase(random, transA, transB, m, n, k, alpha, beta, k % 2));
        }
      }
    }
  });

  it('two and three rows at once (x·W and x·Wᵀ read W once for all rows): the bits of one-row calls, odd shapes, every scaling', () => {
    // The reference is the one-row kernels, called row by row (gemm with m = 1 on the row's slice of A and C):
    // the multi-row kernels must reproduce them in every build, the relaxed one included (both use the same madd).
    // n = 2100 spans two column chunks (2048 columns at m = 2, 1360 at m = 3), so β ≠ 0 reuses the workspace.
    const random = new Random(88);
    const wasm = rt.backends.wasm;
    const shapes = [1, 3, 17, 1023].flatMap((n) => [1, 3, 17, 1024, 1025].map((k) => [n, k])).concat([[2100, 5], [2100, 17]]);
    for (const m of [2, 3]) {
      for (const [transA, transB] of LAYOUTS) {
        for (const [alpha, beta] of SCALINGS) {
          for (const [n, k] of shapes) {
            const c = makeCase(random, transA, transB, m, n, k, alpha, beta, (n + k) % 3);
            checkGemm(c);
            const a = put(c.A), b = put(c.B), together = put(c.C), apart = put(c.C);
            wasm.gemm(transA, transB, m, n, k, alpha, a, c.lda, b, c.ldb, beta, together, c.ldc, rt.gemmWork);
            for (let i = 0; i < m; i++) {
              // Row i of op(A): row i of A, or column i of A (stride lda) when transposed.
              const row = transA ? a + i * 4 : a + i * c.lda * 4;
              wasm.gemm(transA, transB, 1, n, k, alpha, row, c.lda, b, c.ldb, beta, apart + i * c.ldc * 4, c.ldc, rt.gemmWork);
            }
            const got = get(together, m * c.ldc), want = get(apart, m * c.ldc);
            [a, b, together, apart].forEach((ptr) => rt.heap.free(ptr));
            for (let idx = 0; idx < got.length; idx++) {
              if (!Object.is(got[idx], want[idx])) {
                throw new Error(`m=${m} transA=${transA} transB=${transB} n=${n} k=${k} α=${alpha} β=${beta}: C[${idx}] = ${got[idx]}, row by row ${want[idx]}`);
              }
            }
          }
        }
      }
    }
  });

  it('strided operands: x read at a stride (transA, lda > 1) and padded rows of W and C', () => {
    const random = new Random(77);
    for (const [transA, transB] of LAYOUTS) {
      for (const [alpha, beta] of SCALINGS) {
        for (const [n, k] of [[17, 1025], [1025, 17], [1024, 1023]]) checkGemm(makeCase(random, transA, transB, 1, n, k, alpha, beta, 3));
      }
    }
  });
});

describe('gemm with depth one (the rank-1 update hᵀδ of a batch of one)', () => {
  for (const [transA, transB] of LAYOUTS) {
    it(`transA=${transA} transB=${transB}: m, n ∈ {${SIZES}}, every scaling, plain and padded strides`, () => {
      const random = new Random(2000 + transA * 2 + transB);
      for (const [alpha, beta] of SCALINGS) {
        for (const m of SIZES) for (const n of SIZES) checkGemm(makeCase(random, transA, transB, m, n, 1, alpha, beta));
        checkGemm(makeCase(random, transA, transB, 130, 1025, 1, alpha, beta, 5));
      }
    });
  }
});

describe('denseForward at batch one (and at depth one): the epilogue on the gemv result', () => {
  const activations: Activation[] = ['linear', 'sigmoid', 'relu', 'tanh', 'softmax'];
  const shapes: [number, number, number][] = [
    ...SIZES.flatMap((n) => SIZES.map((k): [number, number, number] => [1, n, k])),
    [3, 1025, 1], [1024, 17, 1], [17, 1024, 1],
  ];
  for (const activation of activations) {
    it(`${activation}: the same bits as gemm + biasAdd + activationForward, and f(x·w + b) in float64`, () => {
      const random = new Random(3000 + ACTIVATION_IDS[activation]);
      for (const [m, n, k] of shapes) {
        const X = randomArray(random, m * k), W = randomArray(random, k * n, 0.2), bias = randomArray(random, n);
        const x = put(X), w = put(W), b = put(bias);
        const y = put(new Float32Array(m * n).fill(NaN), GUARD), z = put(new Float32Array(m * n).fill(NaN), GUARD);
        const wasm = rt.backends.wasm;
        wasm.denseForward(m, n, k, x, w, b, y, ACTIVATION_IDS[activation], rt.gemmWork);
        wasm.gemm(0, 0, m, n, k, 1, x, k, w, n, 0, z, n, rt.gemmWork);
        wasm.biasAdd(m, n, b, z);
        wasm.activationForward(ACTIVATION_IDS[activation], m, n, z, z);
        const got = get(y, m * n + GUARD), steps = get(z, m * n);
        [x, w, b, y, z].forEach((p) => rt.heap.free(p));
        expect(Array.from(got.subarray(m * n)), `${m}×${n}×${k}: the guard`).toEqual(new Array(GUARD).fill(42));
        for (let idx = 0; idx < m * n; idx++) {
          if (!Object.is(got[idx], steps[idx])) throw new Error(`${m}×${n}×${k}: y[${idx}] = ${got[idx]}, the three kernels give ${steps[idx]}`);
        }
        for (let i = 0; i < m; i++) {
          const pre = Array.from({ length: n }, (_, j) => {
            let a = bias[j];
            for (let p = 0; p < k; p++) a += X[i * k + p] * W[p * n + j];
            return a;
          });
          let want: number[];
          if (activation === 'softmax') {
            const top = Math.max(...pre), e = pre.map((v) => Math.exp(v - top)), total = e.reduce((s, v) => s + v, 0);
            want = e.map((v) => v / total);
          } else {
            want = pre.map((a) => activate(activation, a));
          }
          const tolerance = 1e-5 * Math.sqrt(k);
          want.forEach((v, j) => {
            if (!(Math.abs(got[i * n + j] - v) <= tolerance)) throw new Error(`${m}×${n}×${k}: y[${i}, ${j}] = ${got[i * n + j]}, float64 ${v}`);
          });
        }
      }
    });
  }
});

describe('wide networks at batch one', () => {
  const sizes = [40, 1025, 130, 3];
  const build = (backend: 'wasm' | 'js') => sequential({
    inputSize: sizes[0],
    layers: [dense(sizes[1], { activation: 'sigmoid' }), dense(sizes[2], { activation: 'tanh' }), dense(sizes[3], { activation: 'sigmoid' })],
    optimizer: sgd({ learningRate: 0.1 }), seed: 5, backend,
  });

  it('predict on three samples at once gives the bits of three one-sample predicts (the multi-row kernel sums as the one-row one)', () => {
    const random = new Random(9);
    const inputs = randomMatrix(random, 6, sizes[0]);
    const net = build('wasm');
    const together = net.predict(new Float32Array(inputs.slice(0, 3).flat()));
    const apart = inputs.slice(0, 3).flatMap((row) => Array.from(net.predict(new Float32Array(row))));
    expect(apart.map((v, i) => Object.is(v, together[i]))).toEqual(new Array(together.length).fill(true));
    net.dispose();
  });

  it('wasm and js agree: predictions, batch-one gradients, and training at batch size 1', () => {
    const random = new Random(10);
    const inputs = randomMatrix(random, 12, sizes[0]);
    const targets = randomMatrix(random, 12, sizes.at(-1)!, 0, 1);
    const [wasm, js] = (['wasm', 'js'] as const).map(build);
    expect(wasm.getWeights()).toEqual(js.getWeights());
    for (const row of inputs.slice(0, 4)) expect(maxAbsDiff(wasm.predict([row]), js.predict([row]))).toBeLessThan(1e-5);
    const gradWasm = wasm.gradients([inputs[0]], [targets[0]]), gradJs = js.gradients([inputs[0]], [targets[0]]);
    const scale = gradJs.flatMap((l) => [...l.weights.flat(), ...l.bias]).reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    expect(scale).toBeGreaterThan(0);
    gradWasm.forEach((layer, l) => {
      expect(maxAbsDiff(layer.weights, gradJs[l].weights)).toBeLessThan(1e-4 * scale + 1e-7);
      expect(maxAbsDiff(layer.bias, gradJs[l].bias)).toBeLessThan(1e-4 * scale + 1e-7);
    });
    const options = { epochs: 2, batchSize: 1, shuffle: true };
    const historyWasm = wasm.fitSync(inputs, targets, options), historyJs = js.fitSync(inputs, targets, options);
    historyWasm.loss.forEach((loss, e) => expect(loss).toBeCloseTo(historyJs.loss[e], 4));
    wasm.getWeights().forEach((layer, l) => {
      expect(maxAbsDiff(layer.weights, js.getWeights()[l].weights)).toBeLessThan(1e-3);
      expect(maxAbsDiff(layer.bias, js.getWeights()[l].bias)).toBeLessThan(1e-3);
    });
    // Training moved the weights: the comparison above is not of two untouched networks.
    const untrained = build('js');
    expect(maxAbsDiff(js.getWeights()[0].weights, untrained.getWeights()[0].weights)).toBeGreaterThan(1e-4);
    untrained.dispose();
    wasm.dispose();
    js.dispose();
  });
});
