// Run by pool.test.ts in its own process (with --no-liftoff on Node 20, see test/threads/engine.ts):
// parallel GEMM and denseForward on N threads (argv[2], default 2) against the single-thread build, in every
// layout and at odd sizes. Prints one JSON line: the runtime's threads, and per case the count of differing
// elements.
import { readFileSync } from 'node:fs';
import { init } from '../../build/index.node.js';
import { runtime } from '../../build/runtime.js';

const info = await init({ threads: Number(process.argv[2] ?? 2) });
const rt = runtime();
// The single-thread twin of the threads build init() chose (the relaxed-SIMD one where the engine has relaxed SIMD).
const singleFile = info.features.relaxedSimd ? 'wasmgrad-relaxed.wasm' : 'wasmgrad.wasm';
const single = (await WebAssembly.instantiate(readFileSync(new URL(`../../build/${singleFile}`, import.meta.url)), {})).instance.exports;
single.memory.grow(300);
const singleWork = (single.heapBase() + 63) & ~63;
const differing = {};
let finite = true;

/** Copies `arrays` into the runtime's heap and into the single build's memory (after its workspace); returns both sets of pointers. */
function place(arrays) {
  const ours = arrays.map((array) => {
    const p = rt.heap.alloc(array.length * 4);
    rt.heap.views.f32.set(array, p >> 2);
    return p;
  });
  let next = singleWork + single.gemmWorkBytes();
  const theirs = arrays.map((array) => {
    const p = next;
    new Float32Array(single.memory.buffer).set(array, p >> 2);
    next += array.length * 4 + 64;
    return p;
  });
  return { ours, theirs };
}

function count(label, parallelAt, serialAt, length, check = false) {
  const parallel = rt.heap.views.f32.slice(parallelAt >> 2, (parallelAt >> 2) + length);
  const serial = new Float32Array(single.memory.buffer).slice(serialAt >> 2, (serialAt >> 2) + length);
  let d = 0;
  for (let i = 0; i < length; i++) if (parallel[i] !== serial[i]) d++;
  differing[label] = d;
  if (check && !parallel.every(Number.isFinite)) finite = false;
}

const shapes = [
  [128, 512, 512, 0, 0], [256, 300, 257, 1, 0], [130, 520, 300, 0, 1], [99, 1030, 70, 0, 0], [1024, 64, 128, 1, 0], [77, 257, 513, 1, 1],
  // One to three rows (a batch of one to three, or the last slice of a split): products the one-row kernels
  // (assembly/gemv.ts) take on one thread, split here by columns.
  [1, 2048, 1024, 0, 0], [2, 1024, 1030, 0, 1], [3, 1030, 1024, 1, 0],
  // x·W of two and three rows (assembly/gemv-multi.ts); 2100 columns are two column chunks on one thread.
  [2, 1030, 1025, 0, 0], [3, 2100, 700, 0, 0],
  // On 8 threads, slices of 256 columns × 400 deep: the width where one thread walks W's columns
  // (columnWalkFits); the whole product's 2048 columns take gemvRowsMulti, and so must every slice (the
  // relaxed builds' column walk rounds apart from it).
  [3, 2048, 400, 0, 0],
  // On 4 threads, a last slice of 1 or 3 rows (49 = 3·16 + 1, 51 = 3·16 + 3) or of 1 or 7 columns (97 = 3·32 + 1,
  // 103 = 3·32 + 7), deeper than one packed block (KC = 512): on one thread those rows and columns are in
  // the packed product, which sums block by block, so the slice must not take the unpacked kernels, which
  // sum straight through.
  [49, 40, 1100, 0, 0], [51, 40, 1100, 1, 0], [40, 97, 600, 0, 1], [40, 103, 600, 0, 0],
];
for (const [m, n, k, transA, transB] of shapes) {
  const A = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.37));
  const B = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.11));
  const C = new Float32Array(m * n);
  const lda = transA ? m : k, ldb = transB ? k : n;
  const { ours: [a, b, c], theirs: [sa, sb, sc] } = place([A, B, C]);
  rt.backends.wasm.gemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, 0, c, n, rt.gemmWork);
  single.gemm(transA, transB, m, n, k, 0.5, sa, lda, sb, ldb, 0, sc, n, singleWork);
  count(`gemm ${m}×${n}×${k} transA=${transA} transB=${transB}`, c, sc, m * n);
  [a, b, c].forEach((p) => rt.heap.free(p));
}

// denseForward: a wide layer (split by columns, the bias moving with them), and a wide softmax (rows only).
for (const [activation, id] of [['sigmoid', 1], ['softmax', 7]]) {
  const m = 40, n = 600, k = 300;
  const X = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.13));
  const W = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.07) * 0.1);
  const bias = new Float32Array(n).map((_, i) => Math.sin(i));
  const { ours: [x, w, bp, y], theirs: [sx, sw, sbias, sy] } = place([X, W, bias, new Float32Array(m * n)]);
  rt.exports.denseForward(m, n, k, x, w, bp, y, id, rt.gemmWork);
  single.denseForward(m, n, k, sx, sw, sbias, sy, id, singleWork);
  count(`denseForward ${m}×${n}×${k} ${activation}`, y, sy, m * n, true);
  [x, w, bp, y].forEach((p) => rt.heap.free(p));
}
console.log(JSON.stringify({ threads: rt.threads, differing, finite }));
