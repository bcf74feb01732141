/**
 * gelu and silu (derivative from the kept pre-activation: one extra pass each
 * way) against tanh (derivative from the output), side by side in one
 * process: a 784-128-10 network, softmax output, categorical cross-entropy,
 * SGD, batch 32, the general path on one thread. Rounds alternate between the
 * activations so drift in the machine's speed hits them alike; the median of
 * the rounds is reported. Issue 12's target: gelu within 1.3× of tanh.
 *
 *   npm run build && node bench/activations.mjs [--rounds 7] [--samples 4096]
 */
import { init, sequential, dense, sgd } from '../build/index.node.js';
import { median, numberOption } from './harness.mjs';

const rounds = numberOption('rounds', 7);
const samples = numberOption('samples', 4096);
const ACTIVATIONS = ['tanh', 'gelu', 'silu'];

await init();

// Fixed pseudo-random data (xorshift32): inputs in [0, 1), one-hot targets of 10 classes.
let state = 12345;
const next = () => {
  state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
  return (state >>> 0) / 4294967296;
};
const inputs = new Float32Array(samples * 784).map(next);
const targets = new Float32Array(samples * 10);
for (let s = 0; s < samples; s++) targets[s * 10 + Math.floor(next() * 10)] = 1;

const nets = Object.fromEntries(ACTIVATIONS.map((activation) => [activation, sequential({
  inputSize: 784, layers: [dense(128, { activation }), dense(10, { activation: 'softmax' })],
  loss: 'categoricalCrossentropy', optimizer: sgd({ learningRate: 0.01 }), seed: 1,
})]));

const fitOptions = { epochs: 1, batchSize: 32, shuffle: false };
for (const net of Object.values(nets)) net.fitSync(inputs, targets, fitOptions); // warm-up

const rates = Object.fromEntries(ACTIVATIONS.map((a) => [a, []]));
for (let r = 0; r < rounds; r++) {
  for (const activation of ACTIVATIONS) {
    const start = performance.now();
    nets[activation].fitSync(inputs, targets, fitOptions);
    rates[activation].push(samples / ((performance.now() - start) / 1000));
  }
}
const tanh = median(rates.tanh);
console.log(`784-128-10, softmax output, categorical cross-entropy, SGD, batch 32; ${samples} samples per epoch, median of ${rounds} rounds`);
for (const activation of ACTIVATIONS) {
  const rate = median(rates[activation]);
  console.log(`${activation.padEnd(5)} ${Math.round(rate).toString().padStart(8)} samples/s   tanh / ${activation}: ${(tanh / rate).toFixed(3)}×`);
}
for (const net of Object.values(nets)) net.dispose();
