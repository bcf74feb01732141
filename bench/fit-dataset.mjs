/**
 * Issue 14's throughput target: net.fitDataset over in-memory Float32Array
 * batches against net.fit on the W2 network (784-128-10 sigmoid, L2, SGD
 * lr 0.1, batch 32, 2048 samples of bench/data.mjs's one-hot teacher data).
 * fitDataset gets the same 64 batches each epoch as row-major subarrays
 * (no copy before it copies each into linear memory); fit gets the whole set
 * and slices it itself. Both without shuffling, so the same steps are
 * trained; every other fit option at its default (fit measures gradient
 * norms on its first 8 batches, fitDataset measures none). Paired rounds
 * alternating which goes first; the median of the per-round ratio
 * fitDataset / fit in samples/s is reported (target ≥ 0.8). About half a minute.
 *
 *   npm run build && node bench/fit-dataset.mjs [--rounds 9] [--epochs 2]
 */
import { init, sequential, dense, sgd } from '../build/index.node.js';
import { median, numberOption } from './harness.mjs';
import { oneHotTeacherData, rowBatches } from './data.mjs';

const rounds = numberOption('rounds', 9);
const epochs = numberOption('epochs', 2);
const BATCH = 32;

await init();

const data = oneHotTeacherData({ samples: 2048, inputs: 784, classes: 10, seed: 2 });
const network = () => sequential({
  inputSize: 784, layers: [dense(128, { activation: 'sigmoid' }), dense(10, { activation: 'sigmoid' })],
  loss: 'l2', optimizer: sgd({ learningRate: 0.1 }), seed: 42,
});
const batches = rowBatches(data, BATCH);

const CONTENDERS = [
  { name: 'fit', run: (net) => net.fit(data.x, data.t, { epochs, batchSize: BATCH, shuffle: false }) },
  { name: 'fitDataset', run: (net) => net.fitDataset(batches, { epochs }) },
];
const nets = CONTENDERS.map(() => network());
for (const [i, c] of CONTENDERS.entries()) await c.run(nets[i]); // warm-up: compile every path

const rates = CONTENDERS.map(() => []);
const ratios = [];
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? [1, 0] : [0, 1];
  for (const i of order) {
    const start = performance.now();
    await CONTENDERS[i].run(nets[i]);
    rates[i].push((epochs * data.samples) / ((performance.now() - start) / 1000));
  }
  ratios.push(rates[1][r] / rates[0][r]);
}
console.log(`W2 (784-128-10 sigmoid, L2, SGD lr 0.1), batch ${BATCH}, ${data.samples} samples × ${epochs} epochs per run, `
  + `${rounds} paired rounds (node ${process.version})`);
for (const [i, c] of CONTENDERS.entries()) console.log(`${c.name.padEnd(11)} ${(median(rates[i]) / 1e3).toFixed(1).padStart(7)} k samples/s`);
console.log(`fitDataset / fit: ${median(ratios).toFixed(3)}×  (median of per-round ratios; range ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}; target ≥ 0.8)`);
for (const net of nets) net.dispose();
