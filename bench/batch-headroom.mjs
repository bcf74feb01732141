/**
 * What batching can buy a service: the time per row of net.predict for one
 * row (through the one-row kernels and weight panels) against one row of a
 * 64-row batch (the packed GEMM), on the same sigmoid network, in one process,
 * medians over 7 rounds. createPredictor (src/nn/predictor.ts) cannot serve
 * more than `ratio` times the requests of per-request predict on one thread:
 * the rest of a request's cost (HTTP, JSON) stays per request.
 *
 *   node bench/batch-headroom.mjs [--sizes 1024,1024,1024,10]
 */
import { parseArgs } from 'node:util';
import { dense, init, sequential, sgd } from '../build/index.node.js';
import { median } from './harness.mjs';

const { values: args } = parseArgs({ options: { sizes: { type: 'string', default: '1024,1024,1024,10' } } });
const sizes = args.sizes.split(',').map(Number);
if (sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`--sizes takes layer widths, input first: got ${args.sizes}`);
await init();
const net = sequential({
  inputSize: sizes[0], layers: sizes.slice(1).map((units) => dense(units, { activation: 'sigmoid' })),
  optimizer: sgd({ learningRate: 0.01 }), seed: 42,
});
const batch = Float32Array.from({ length: 64 * sizes[0] }, (_, i) => Math.sin(i));
const one = batch.subarray(0, sizes[0]);
const outBatch = new Float32Array(64 * sizes.at(-1)), outOne = new Float32Array(sizes.at(-1));
// Warm-up, past the 16 one-row predicts after which the weight panels are made.
for (let i = 0; i < 40; i++) {
  net.predict(one, outOne);
  net.predict(batch, outBatch);
}
/** Milliseconds per call over `reps` calls. */
const time = (call, reps) => {
  const start = performance.now();
  for (let i = 0; i < reps; i++) call();
  return (performance.now() - start) / reps;
};
const single = [], batched = [];
for (let round = 0; round < 7; round++) {
  single.push(time(() => net.predict(one, outOne), 400));
  batched.push(time(() => net.predict(batch, outBatch), 10) / 64);
}
const [a, b] = [median(single), median(batched)];
console.log(`Node ${process.versions.node}, ${sizes.join('-')} sigmoid: ${(a * 1000).toFixed(1)} µs per row alone, ${(b * 1000).toFixed(1)} µs per row in a batch of 64; ratio ${(a / b).toFixed(2)}`);
net.dispose();
