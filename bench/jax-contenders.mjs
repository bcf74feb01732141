/**
 * jax-js (@jax-js/jax: JAX's API in JavaScript, kernels generated as wasm at
 * run time) as a training contender and a GEMM contender, on its wasm device.
 *
 * It needs Node ≥ 21: its init() reads the `navigator` global, which Node
 * only has from 21 on. Under an older Node initJax() returns the reason it is
 * skipped, and the contenders report `available() === false`, so workloads
 * leave them out (run.mjs puts the reason among the results' warnings).
 *
 * Threads: jax-js starts a worker pool only where a global `Worker` exists
 * (a browser, Deno); Node has none, so it runs on one thread, as the other
 * contenders do. But onnxruntime-web's emscripten glue, once loaded, sets
 * globalThis.Worker = worker_threads.Worker in Node (for pthreads, which it
 * does not start at numThreads = 1); jax-js, checking for the global on every
 * kernel it compiles and runs, then starts a pool of blob: URL workers, which
 * Node refuses (ERR_WORKER_PATH). So initJax() removes that global again, on
 * every Node (the same environment for onnxruntime-web under Node 20 and 24).
 * initJax() reports what it found.
 *
 * Arrays are reference-counted (a function argument is consumed; `.ref`
 * keeps one) and evaluation is lazy: nothing is computed until a result is
 * read or awaited. So each timed step or product ends in blockUntilReady, or
 * a run would time only the queuing (measured: a 1024³ product "takes"
 * 0.1 ms unawaited). Awaiting every SGD step is also jax-js's fast way here:
 * queuing an epoch of 64 steps before awaiting was ~4× slower per step.
 */
import { readFileSync } from 'node:fs';
import { Worker as NodeWorker } from 'node:worker_threads';

let jax = null;
let skipped = 'initJax() was not called';

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);

/** Loads and initialises jax-js once. Returns `{ available, version, threads, reason }` for the footer and warnings. */
export async function initJax() {
  if (globalThis.Worker === NodeWorker) delete globalThis.Worker; // see above: set by onnxruntime-web, not by Node
  const version = JSON.parse(readFileSync(new URL('../node_modules/@jax-js/jax/package.json', import.meta.url), 'utf8')).version;
  if (NODE_MAJOR < 21) {
    skipped = `jax-js ${version} skipped: it needs Node ≥ 21 (its init() reads the navigator global), this is Node ${process.version}`;
    return { available: false, version, reason: skipped };
  }
  try {
    jax = await import('@jax-js/jax');
    const devices = await jax.init();
    if (!devices.includes('wasm')) throw new Error(`no wasm device (devices: ${devices.join(', ')})`);
    jax.defaultDevice('wasm');
  } catch (error) {
    jax = null;
    skipped = `jax-js ${version} skipped: ${error.message}`;
    return { available: false, version, reason: skipped };
  }
  skipped = null;
  return { available: true, version, device: 'wasm', threads: typeof globalThis.Worker === 'undefined' ? 1 : 'worker pool' };
}

const available = () => jax !== null;

/** The jax-js module, or an error saying why it is not there. */
function jaxModule() {
  if (!jax) throw new Error(`bench/jax-contenders.mjs: ${skipped}`);
  return jax;
}

/** sigmoid(x·W + b) per layer; consumes params and x (jax-js ownership). */
function forward(np, nn, params, x) {
  let a = x;
  for (const { w, b } of params) a = nn.sigmoid(np.matmul(a, w).add(b));
  return a;
}

/**
 * W2's contender: the same network, initial weights, batches (data order),
 * loss (1/2 Σ_j (y - t)² averaged over the batch) and plain SGD as the
 * others, as one jit-compiled step: jit(valueAndGrad(loss)) and the update
 * p - lr·g, over batches made into arrays once up front.
 */
export const jaxStep = {
  name: 'jax-js jit step',
  available,
  create(spec, data, parameters) {
    const { numpy: np, nn, jit, valueAndGrad, tree, blockUntilReady } = jaxModule();
    let fanIn = spec.inputSize;
    let params = parameters.map(({ weights, bias }) => {
      const p = { w: np.array(Float32Array.from(weights)).reshape([fanIn, bias.length]), b: np.array(Float32Array.from(bias)) };
      fanIn = bias.length;
      return p;
    });
    const loss = (p, x, t) => {
      const rows = x.shape[0];
      const e = forward(np, nn, p, x).sub(t);
      return e.ref.mul(e).sum().mul(0.5 / rows);
    };
    const lr = spec.learningRate;
    const step = jit((p, x, t) => {
      const [value, grads] = valueAndGrad(loss)(tree.ref(p), x, t);
      return [tree.map((q, g) => q.sub(g.mul(lr)), p, grads), value];
    });
    const evaluate = jit((p, x, t) => loss(p, x, t).mul(x.shape[0]));
    const batches = [];
    for (let row = 0; row < data.samples; row += spec.batchSize) {
      const rows = Math.min(spec.batchSize, data.samples - row);
      batches.push({
        x: np.array(data.x.slice(row * spec.inputSize, (row + rows) * spec.inputSize)).reshape([rows, spec.inputSize]),
        t: np.array(data.t.slice(row * data.outputs, (row + rows) * data.outputs)).reshape([rows, data.outputs]),
      });
    }
    return {
      async run(reps) {
        for (let e = 0; e < reps; e++) {
          for (const { x, t } of batches) {
            const [next, value] = step(params, x.ref, t.ref);
            params = next;
            value.dispose();
            await blockUntilReady(params);
          }
        }
      },
      // The mean loss over the whole dataset, summed batch by batch in float64 like the other contenders' evaluate.
      check() {
        let sum = 0;
        for (const { x, t } of batches) sum += evaluate(tree.ref(params), x.ref, t.ref).dataSync()[0];
        return sum / data.samples;
      },
      dispose() {
        tree.dispose(params);
        for (const { x, t } of batches) { x.dispose(); t.dispose(); }
        step.dispose();
        evaluate.dispose();
      },
    };
  },
};

/** GEMM contender (A·B only): a jit-compiled np.matmul on arrays made once, each product awaited. */
export const jaxMatmul = {
  name: 'jax-js matmul',
  available,
  create(g, ops) {
    if (g.transA || g.transB) throw new Error('bench/jax-contenders.mjs: jaxMatmul measures A·B only');
    const { numpy: np, jit } = jaxModule();
    const a = np.array(Float32Array.from(ops.a)).reshape([g.m, g.k]);
    const b = np.array(Float32Array.from(ops.b)).reshape([g.k, g.n]);
    const matmul = jit((x, y) => np.matmul(x, y));
    let c = null;
    return {
      async run(reps) {
        for (let r = 0; r < reps; r++) {
          c?.dispose();
          c = matmul(a.ref, b.ref);
          await c.blockUntilReady();
        }
      },
      result: () => (c ? c.ref.dataSync() : null),
      dispose() { a.dispose(); b.dispose(); c?.dispose(); matmul.dispose(); },
    };
  },
};
