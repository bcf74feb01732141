// One-row weight panels (src/nn/panels.ts) on the threads build with a pool attached, for
// panels.test.ts: a layer that splits across the threads at batch 1 and one that does not.
// Prints one JSON line: the thread count, how many one-row predicts differed from the first
// row of a two-row predict (before and after the panels are made, and after a fit), the
// packs, and the bytes the panels took. Its own process: init's first call decides the build.
//   node panels-script.mjs <threads>
import { init, sequential, dense, sgd } from '../../build/index.node.js';
import { runtime } from '../../build/runtime.js';
import { PACK_AFTER_FORWARDS } from '../../build/nn/panels.js';

const info = await init({ threads: Number(process.argv[2] ?? 2) });
const rt = runtime();
let packs = 0;
const pack = rt.backends.wasm.mlpPackPanels;
rt.backends.wasm.mlpPackPanels = (desc) => {
  packs++;
  pack(desc);
};

const start = rt.heap.liveBytes;
// 1024 → 2048: 2^21 multiply-adds at batch 1, the least at which a product splits (assembly/gemm.ts);
// 2048 → 512: 2^20, one thread, with panels; 512 → 10: narrow, none.
const net = sequential({
  inputSize: 1024, seed: 3, loss: 'mse', optimizer: sgd({ learningRate: 0.01 }),
  layers: [dense(2048, { activation: 'tanh' }), dense(512, { activation: 'relu' }), dense(10, { activation: 'linear' })],
});
const sample = (seed) => Float32Array.from({ length: 1024 }, (_, i) => (((i + 7 * seed) * 2654435761) % 1000) / 1000 - 0.5);

/** The first row of a two-row predict of x twice: the one-row path's bits (gemv-multi.ts sums as gemvRows). */
function reference(x) {
  const two = new Float32Array(2 * x.length);
  two.set(x);
  two.set(x, x.length);
  return net.predict(two).slice(0, net.outputSize);
}

/** One-row predicts of x (calls of them) that differ anywhere from the reference. */
function differing(x, calls) {
  const expected = reference(x);
  let count = 0;
  for (let i = 0; i < calls; i++) {
    const y = net.predict(x);
    if (y.some((v, j) => !Object.is(v, expected[j]))) count++;
  }
  return count;
}

const x = sample(1);
reference(x); // lays the block out for two rows first, so the count below is not restarted
const live = rt.heap.liveBytes;
const beforePanels = differing(x, PACK_AFTER_FORWARDS - 1);
const packsBefore = packs;
const withPanels = differing(x, 4) + differing(sample(2), 4);
const panelBytes = rt.heap.liveBytes - live;
net.fitSync(new Float32Array(4 * 1024).map((_, i) => ((i * 40503) % 1000) / 1000 - 0.5), new Float32Array(40).fill(0.5),
  { epochs: 2, batchSize: 2 });
const afterFit = differing(x, PACK_AFTER_FORWARDS + 4);
net.dispose();
console.log(JSON.stringify({
  threads: info.threads, beforePanels, packsBefore, withPanels, afterFit, packs, panelBytes, leaked: rt.heap.liveBytes - start,
}));
