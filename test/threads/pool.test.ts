/**
 * The threads build: GEMM split by rows or by columns (whichever side of C
 * is larger) across a worker pool on shared memory. Every output element is
 * computed exactly as on one thread, so the
 * results must be bit-identical, for single products and for whole training
 * runs. These tests use the built package (workers load build/threads/worker.js).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const script = new URL('./train-script.mjs', import.meta.url).pathname;
const train = (threads: number) => JSON.parse(execFileSync(process.execPath, [script, String(threads)], { encoding: 'utf8' }));

describe('threads', () => {
  it('a whole training run on 2 and 3 threads gives bit-identical weights to 1 thread', () => {
    const one = train(1);
    expect(one.threads).toBe(1);
    for (const threads of [2, 3]) {
      const many = train(threads);
      expect(many.threads).toBe(threads);
      expect(many.loss).toEqual(one.loss);
      expect(many.hash).toBe(one.hash);
    }
  });

  it('parallel GEMM equals the single-threaded build bit for bit, in every layout and at odd sizes', async () => {
    const pkg = await import('../../build/index.node.js');
    const { runtime } = await import('../../build/runtime.js');
    await pkg.init({ threads: 2 });
    const rt = runtime();
    expect(rt.threads).toBe(2);
    const single = (await WebAssembly.instantiate(readFileSync(new URL('../../build/wasmgrad.wasm', import.meta.url)), {})).instance.exports as Record<string, any>;
    const singleMemory = single.memory as WebAssembly.Memory;
    singleMemory.grow(300);
    const singleWork = (single.heapBase() + 63) & ~63;
    const shapes: [number, number, number, number, number][] = [
      [128, 512, 512, 0, 0], [256, 300, 257, 1, 0], [130, 520, 300, 0, 1], [99, 1030, 70, 0, 0], [1024, 64, 128, 1, 0], [77, 257, 513, 1, 1],
    ];
    for (const [m, n, k, transA, transB] of shapes) {
      const A = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.37));
      const B = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.11));
      const lda = transA ? m : k, ldb = transB ? k : n;
      const a = rt.heap.alloc(A.length * 4), b = rt.heap.alloc(B.length * 4), c = rt.heap.alloc(m * n * 4);
      rt.heap.views.f32.set(A, a >> 2);
      rt.heap.views.f32.set(B, b >> 2);
      rt.backends.wasm.gemm(transA, transB, m, n, k, 0.5, a, lda, b, ldb, 0, c, n, rt.gemmWork);
      const parallel = rt.heap.views.f32.slice(c >> 2, (c >> 2) + m * n);

      const sa = singleWork + single.gemmWorkBytes(), sb = sa + A.length * 4 + 64, sc = sb + B.length * 4 + 64;
      const f32 = new Float32Array(singleMemory.buffer);
      f32.set(A, sa >> 2);
      f32.set(B, sb >> 2);
      single.gemm(transA, transB, m, n, k, 0.5, sa, lda, sb, ldb, 0, sc, n, singleWork);
      const serial = new Float32Array(singleMemory.buffer).slice(sc >> 2, (sc >> 2) + m * n);
      let differing = 0;
      for (let i = 0; i < m * n; i++) if (parallel[i] !== serial[i]) differing++;
      expect(differing, `${m}×${n}×${k} transA=${transA} transB=${transB}`).toBe(0);
      [a, b, c].forEach((p) => rt.heap.free(p));
    }

    // denseForward: a wide layer (split by columns, the bias moving with them), and a wide softmax (rows only).
    for (const [activation, id] of [['sigmoid', 1], ['softmax', 7]] as const) {
      const m = 40, n = 600, k = 300;
      const X = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.13));
      const W = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.07) * 0.1);
      const bias = new Float32Array(n).map((_, i) => Math.sin(i));
      const x = rt.heap.alloc(X.length * 4), w = rt.heap.alloc(W.length * 4), bp = rt.heap.alloc(n * 4), y = rt.heap.alloc(m * n * 4);
      rt.heap.views.f32.set(X, x >> 2);
      rt.heap.views.f32.set(W, w >> 2);
      rt.heap.views.f32.set(bias, bp >> 2);
      (rt.exports.denseForward as (...args: number[]) => void)(m, n, k, x, w, bp, y, id, rt.gemmWork);
      const parallel = rt.heap.views.f32.slice(y >> 2, (y >> 2) + m * n);

      const sx = singleWork + single.gemmWorkBytes(), sw = sx + X.length * 4 + 64, sbias = sw + W.length * 4 + 64, sy = sbias + n * 4 + 64;
      const f32 = new Float32Array(singleMemory.buffer);
      f32.set(X, sx >> 2);
      f32.set(W, sw >> 2);
      f32.set(bias, sbias >> 2);
      single.denseForward(m, n, k, sx, sw, sbias, sy, id, singleWork);
      const serial = new Float32Array(singleMemory.buffer).slice(sy >> 2, (sy >> 2) + m * n);
      let differing = 0;
      for (let i = 0; i < m * n; i++) if (parallel[i] !== serial[i]) differing++;
      expect(differing, `denseForward ${m}×${n}×${k} ${activation}`).toBe(0);
      expect(parallel.every(Number.isFinite)).toBe(true);
      [x, w, bp, y].forEach((p) => rt.heap.free(p));
    }
  });
});
