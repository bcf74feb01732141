/**
 * GEMM GFLOP/s: C = op(A)·op(B) in f32, row-major, for the three layouts that
 * training uses (forward x·W, weight gradient xᵀ·δ, back-propagated δ·Wᵀ).
 * wasmgrad's kernel is called directly over linear memory, as its layers do;
 * TensorFlow.js through tf.matMul with its transpose flags; pure JS as a plain
 * triple loop; jax-js (square A·B only, Node ≥ 21) as a jit-compiled
 * np.matmul, each product awaited (bench/jax-contenders.mjs). One rep = one
 * product; 2·m·n·k flops.
 *
 * Every contender's C is checked against a float64 reference on a few random
 * entries, so a kernel that skips work cannot look fast: the error of an entry
 * is |c - ref| / Σ_p |a_ip·b_pj|, the scale float32 rounding is relative to
 * (plain |ref| can be ~0 for signed data and would flag correct kernels).
 */
import { runtime } from '../build/runtime.js';
import { seededRandom } from './data.mjs';
import { tf } from './tfjs-contenders.mjs';
import { jaxMatmul } from './jax-contenders.mjs';

/** Far above f32 rounding for k ≤ 1024 (≤ k·2⁻²⁴ ≈ 6e-5 worst case, ~1e-6 typical), far below any indexing bug. */
const MAX_REL_ERROR = 1e-4;
/** Pure JS only up to 256³: a 1024³ product would take seconds per rep. */
const PURE_JS_MAX_WORK = 256 ** 3;
const CHECK_ENTRIES = 32;

export const LAYOUTS = [
  { key: 'AB', label: 'A·B', transA: 0, transB: 0 },
  { key: 'AtB', label: 'Aᵀ·B', transA: 1, transB: 0 },
  { key: 'ABt', label: 'A·Bᵀ', transA: 0, transB: 1 },
];

/** The stored operands: A is m×k (k×m if transA), B is k×n (n×k if transB), uniform in [-1, 1). */
export function operands({ m, n, k, transA, transB }, seed) {
  const random = seededRandom(seed);
  const fill = (len) => Float32Array.from({ length: len }, () => 2 * random() - 1);
  const a = fill(m * k), b = fill(k * n);
  const lda = transA ? m : k, ldb = transB ? k : n;
  const at = transA ? (i, p) => a[p * m + i] : (i, p) => a[i * k + p];
  const bt = transB ? (p, j) => b[j * k + p] : (p, j) => b[p * n + j];
  return { a, b, lda, ldb, at, bt };
}

/** Max relative error of `c` (m×n row-major) over CHECK_ENTRIES fixed random entries. */
export function maxRelError(g, ops, c) {
  if (!c) return NaN;
  const random = seededRandom(99);
  let worst = 0;
  for (let e = 0; e < CHECK_ENTRIES; e++) {
    const i = Math.floor(random() * g.m), j = Math.floor(random() * g.n);
    let ref = 0, scale = 0;
    for (let p = 0; p < g.k; p++) {
      const prod = ops.at(i, p) * ops.bt(p, j);
      ref += prod;
      scale += Math.abs(prod);
    }
    const err = Math.abs(c[i * g.n + j] - ref) / Math.max(scale, 1e-30);
    worst = Number.isNaN(err) ? NaN : Math.max(worst, err);
    if (Number.isNaN(worst)) break;
  }
  return worst;
}

const wasmgradGemm = {
  name: 'wasmgrad wasm',
  create(g, ops) {
    const rt = runtime();
    const { heap } = rt;
    const gemm = rt.backends.wasm.gemm;
    const alloc = (src) => {
      const ptr = heap.alloc(src.length * 4);
      heap.views.f32.set(src, ptr >> 2);
      return ptr;
    };
    const aPtr = alloc(ops.a), bPtr = alloc(ops.b), cPtr = heap.alloc(g.m * g.n * 4);
    heap.views.f32.fill(0, cPtr >> 2, (cPtr >> 2) + g.m * g.n);
    return {
      run(reps) {
        for (let r = 0; r < reps; r++) {
          gemm(g.transA, g.transB, g.m, g.n, g.k, 1, aPtr, ops.lda, bPtr, ops.ldb, 0, cPtr, g.n, rt.gemmWork);
        }
      },
      // Views are re-derived on every access: memory may have grown since.
      result: () => heap.views.f32.subarray(cPtr >> 2, (cPtr >> 2) + g.m * g.n),
      dispose() { heap.free(aPtr); heap.free(bPtr); heap.free(cPtr); },
    };
  },
};

/** tf.matMul with transpose flags, as a tfjs user writes it; each call allocates its output, disposed the next call. */
const tfjsMatMul = {
  name: 'tfjs matMul',
  create(g, ops) {
    const a = tf.tensor2d(ops.a, g.transA ? [g.k, g.m] : [g.m, g.k]);
    const b = tf.tensor2d(ops.b, g.transB ? [g.n, g.k] : [g.k, g.n]);
    let c = null;
    return {
      run(reps) {
        for (let r = 0; r < reps; r++) {
          c?.dispose();
          c = tf.matMul(a, b, g.transA === 1, g.transB === 1);
        }
      },
      result: () => c?.dataSync() ?? null,
      dispose() { tf.dispose([a, b]); c?.dispose(); },
    };
  },
};

/**
 * The plain triple loop a JS developer would write, in the order that keeps
 * the inner loop on contiguous memory: i-k-j for A·B and Aᵀ·B (a row of B
 * into a row of C), i-j-k dot products for A·Bᵀ (a row of A against a row of B).
 */
const pureJsGemm = {
  name: 'pure JS',
  create(g, ops) {
    const { m, n, k } = g, { a, b } = ops;
    const c = new Float32Array(m * n);
    const once = g.transB ? () => {
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p] * b[j * k + p];
          c[i * n + j] = s;
        }
      }
    } : () => {
      for (let i = 0; i < m; i++) {
        const ci = i * n;
        c.fill(0, ci, ci + n);
        for (let p = 0; p < k; p++) {
          const aip = g.transA ? a[p * m + i] : a[i * k + p], bp = p * n;
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
        }
      }
    };
    return {
      run(reps) { for (let r = 0; r < reps; r++) once(); },
      result: () => c,
      dispose() {},
    };
  },
};

/** One workload entry per (shape, layout). */
export function gemmWorkload({ m, n, k, layout }) {
  const g = { m, n, k, transA: layout.transA, transB: layout.transB };
  const square = m === n && n === k;
  const size = square ? `${m}` : `${m}x${k}x${n}`;
  // jax-js (issue 13) on the square A·B products only: N = 128…1024; left out where it cannot run (Node < 21).
  const withJax = square && layout.key === 'AB';
  const contenders = [wasmgradGemm, tfjsMatMul, ...(m * n * k <= PURE_JS_MAX_WORK ? [pureJsGemm] : []), ...(withJax ? [jaxMatmul] : [])];
  const id = `G${size}-${layout.key}`;
  return {
    id,
    group: 'GEMM',
    table: 'gemm',
    title: `f32 GEMM ${layout.label}, ${square ? `N = ${m}` : `m=${m} k=${k} n=${n}`}`,
    unit: 'GFLOP/s',
    baseline: null,
    ratios: [
      { label: 'vs tfjs matMul', contender: tfjsMatMul.name },
      ...(withJax ? [{ label: 'vs jax-js matmul', contender: jaxMatmul.name }] : []),
    ],
    checkLabel: 'max rel err',
    checkStyle: 'after',
    repLabel: 'product',
    // The big sizes cost tens of seconds (tfjs's Aᵀ·B at N = 1024 is ~5 s a product): not for a smoke run.
    inQuick: m * n * k <= PURE_JS_MAX_WORK,
    // ≥ 5 rounds for a median; products are steady and short, so 0.2 s runs suffice.
    settings: { rounds: 5, minRunMs: 200, warmupMs: 100 },
    setup({ peak }) {
      const ops = operands(g, m * 7919 + n * 31 + k + layout.transA * 2 + layout.transB);
      const workPerRep = (2 * m * n * k) / 1e9; // rate in GFLOP/s
      return {
        workPerRep,
        dataLabel: `${m}×${k} · ${k}×${n}`,
        contenders: [
          ...contenders.filter((c) => c.available?.() ?? true).map((c) => {
            const inst = c.create(g, ops);
            return { name: c.name, run: inst.run, check: () => maxRelError(g, ops, inst.result()), dispose: inst.dispose };
          }),
          // The peak loop in the same rounds (not a table row): "% of peak" divides by its median.
          ...(peak ? [peak.contender(workPerRep)] : []),
        ],
      };
    },
    verify(results) {
      const failures = [];
      for (const r of results) {
        for (const [when, err] of [['after the first product', r.checkAfterFirstRep], ['at the end', r.checkAfter]]) {
          if (!(err <= MAX_REL_ERROR)) failures.push(`${id} ${r.name}: max relative error ${err} ${when} (limit ${MAX_REL_ERROR})`);
        }
      }
      return { failures, warnings: [] };
    },
  };
}

/** Square sizes, then an odd shape (the issue's 100×300×77): not square, n = 77 a multiple of neither 4 nor 8, k = 300 not a power of two, so the kernel's edge paths run. */
export const GEMM_SHAPES = [128, 256, 512, 1024].map((s) => ({ m: s, n: s, k: s })).concat([{ m: 100, k: 300, n: 77 }]);

export const GEMM_WORKLOADS = GEMM_SHAPES.flatMap((shape) => LAYOUTS.map((layout) => gemmWorkload({ ...shape, layout })));
