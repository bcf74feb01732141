// Run by memory-threads.test.ts in a child process (with a timeout, so a hang fails
// the test instead of the suite): the threads build's pool after terminate(), many
// runtimes in one process, and addresses past 2 GiB. Prints one JSON line.
// Uses the built package, as the pool's workers load build/threads/worker.js.
const mode = process.argv[2];
const build = new URL('../../build/', import.meta.url);
// The Node entry installs Node's platform (files, worker_threads) for every runtime instance below.
await import(new URL('index.node.js', build).href);
const TWO_GIB = 2 ** 31;

/** A fresh instance of build/runtime.js (its own init state), so one process can start several runtimes. */
const freshRuntime = (i) => import(new URL(`runtime.js?instance=${i}`, build).href);

/** Bits of C = A·B for a product large enough to be split across threads (64×512×256 multiply-adds ≥ 2^21). */
function product(rt) {
  const m = 64, n = 512, k = 256, heap = rt.heap;
  const a = heap.alloc(m * k * 4), b = heap.alloc(k * n * 4), c = heap.alloc(m * n * 4);
  const f32 = heap.views.f32;
  for (let i = 0; i < m * k; i++) f32[(a >>> 2) + i] = Math.sin(i * 0.37);
  for (let i = 0; i < k * n; i++) f32[(b >>> 2) + i] = Math.cos(i * 0.11);
  rt.backends.wasm.gemm(0, 0, m, n, k, 1, a, k, b, n, 0, c, n, rt.gemmWork);
  let hash = 0;
  const bits = new Int32Array(heap.views.f32.buffer, c, m * n);
  for (let i = 0; i < m * n; i++) hash = (Math.imul(hash, 31) + bits[i]) | 0;
  [a, b, c].forEach((p) => heap.free(p));
  return hash;
}

/** A seeded training run whose layers are split across threads; a digest of the weights. */
async function train() {
  const { sequential, dense, sgd } = await import(new URL('index.js', build).href);
  const x = new Float32Array(64 * 128).map((_, i) => Math.sin(i * 0.7));
  const t = new Float32Array(64 * 4).map((_, i) => (i % 4 === Math.floor(i / 4) % 4 ? 1 : 0));
  const net = sequential({ inputSize: 128, layers: [dense(256, { activation: 'tanh' }), dense(4, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.1 }), seed: 7 });
  const loss = net.fitSync(x, t, { epochs: 2, batchSize: 64, shuffle: false }).loss;
  let hash = 0;
  for (const w of new Float32Array(net.getWeights().flatMap((l) => [...l.weights.flat(), ...l.bias]))) {
    hash = (Math.imul(hash, 31) + new Int32Array(new Float32Array([w]).buffer)[0]) | 0;
  }
  net.dispose();
  return { loss, hash };
}

function fillBelow(heap, address) {
  const lowest = heap.alloc(64);
  heap.free(lowest);
  return heap.alloc(address - lowest);
}

let result;
if (mode === 'terminate') {
  const { init, runtime } = await import(new URL('runtime.js', build).href);
  await init({ threads: 2 });
  const rt = runtime();
  const before = { threads: rt.threads, product: product(rt), train: await train() };
  await rt.pool.terminate();
  const after = { threads: rt.threads, running: rt.pool.running, product: product(rt), train: await train() };
  result = { before, after };
} else if (mode === 'worker-ends') {
  // A worker that ends by itself (here: told to quit through the board, as a crash would end it), not by terminate().
  const { init, runtime } = await import(new URL('runtime.js', build).href);
  await init({ threads: 2 });
  const rt = runtime();
  const before = { threads: rt.threads, product: product(rt) };
  const board = (rt.exports.heapBase() + 63) & ~63; // the runtime's first block (src/runtime.ts allocates it first)
  const i32 = new Int32Array(rt.memory.buffer);
  if (i32[(board + 12) >>> 2] !== 1) throw new Error(`no board at ${board}: its WORKERS field is not 1`);
  Atomics.store(i32, (board + 8) >>> 2, 1); // QUIT
  Atomics.add(i32, board >>> 2, 1); // GENERATION
  Atomics.notify(i32, board >>> 2);
  // The pool hears of the exit on the event loop; wait for it (the child's timeout bounds this).
  while (rt.pool.running) await new Promise((resolve) => setTimeout(resolve, 10));
  result = { before, after: { threads: rt.threads, product: product(rt) } };
} else if (mode === 'restart') {
  const runs = [];
  for (let i = 0; i < 4; i++) {
    const { init, runtime, SHARED_MAXIMUM_PAGES } = await freshRuntime(i);
    await init({ threads: 2 });
    const rt = runtime();
    runs.push({ threads: rt.threads, maximumBytes: rt.heap.maximumBytes, pages: SHARED_MAXIMUM_PAGES, product: product(rt) });
    await rt.pool.terminate();
  }
  result = { runs };
} else if (mode === 'high') {
  const { init, runtime } = await import(new URL('runtime.js', build).href);
  await init({ threads: Number(process.argv[3] ?? 2) });
  const rt = runtime();
  const low = { product: product(rt), train: await train() };
  const dummy = fillBelow(rt.heap, TWO_GIB + 4096);
  const next = rt.heap.alloc(64);
  rt.heap.free(next);
  const high = { product: product(rt), train: await train() };
  rt.heap.free(dummy);
  result = { threads: rt.threads, next, memoryBytes: rt.heap.memoryBytes, low, high };
  await rt.pool?.terminate();
}
console.log(JSON.stringify(result));
