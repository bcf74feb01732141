/**
 * Issue 13 item 1, the small-data, many-epochs regime (how XOR and every
 * tutorial trains): the W1 network (2-3-2 sigmoid, L2, SGD lr 0.5, seed 42)
 * on 4 samples for 100 000 epochs against the same network on W1's 4096
 * samples for 100 epochs, batch 1, every other fit option at its default
 * (shuffle and gradient norms on). Side by side in one process, rounds
 * alternating between the contenders so drift in the machine's speed hits
 * them alike; the median of the rounds is reported. Targets: small data at
 * ≥ 0.8× the samples/s of 4096-sample epochs, and async fit within 10 % of
 * fitSync. "per-epoch path" is the same small fit forced to one epoch per
 * kernel call by an onEpochEnd that does nothing (what every fit did before
 * epochs ran together), for scale.
 *
 *   npm run build && node bench/small-data.mjs [--rounds 7] [--epochs 100000]
 */
import { init, sequential, dense, sgd } from '../build/index.node.js';
import { median, numberOption } from './harness.mjs';
import { sigmoidTeacherData } from './data.mjs';

const rounds = numberOption('rounds', 7);
const smallEpochs = numberOption('epochs', 100_000);
const bigEpochs = Math.max(1, Math.round((smallEpochs * 4) / 4096));

await init();

const w1 = sigmoidTeacherData({ samples: 4096, inputs: 2, outputs: 2, seed: 1 });
const x4 = w1.x.slice(0, 8), t4 = w1.t.slice(0, 8);
const network = () => sequential({
  inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })],
  loss: 'l2', optimizer: sgd({ learningRate: 0.5 }), seed: 42,
});

const small = { epochs: smallEpochs, batchSize: 1 };
const big = { epochs: bigEpochs, batchSize: 1 };
const CONTENDERS = [
  { name: 'small fitSync', samples: smallEpochs * 4, run: (net) => net.fitSync(x4, t4, small) },
  { name: 'small fit', samples: smallEpochs * 4, run: (net) => net.fit(x4, t4, small) },
  { name: 'big fitSync', samples: bigEpochs * 4096, run: (net) => net.fitSync(w1.x, w1.t, big) },
  { name: 'big fit', samples: bigEpochs * 4096, run: (net) => net.fit(w1.x, w1.t, big) },
  { name: 'small, per-epoch path', samples: smallEpochs * 4, run: (net) => net.fitSync(x4, t4, { ...small, onEpochEnd: () => {} }) },
];
const nets = CONTENDERS.map(() => network());

// Warm-up: one run each, so every path is compiled before the timed rounds.
for (const [i, c] of CONTENDERS.entries()) await c.run(nets[i]);

const rates = CONTENDERS.map(() => []);
for (let r = 0; r < rounds; r++) {
  // Alternate the order each round as well, so no contender always follows the same one.
  const order = CONTENDERS.map((_, i) => i);
  if (r % 2) order.reverse();
  for (const i of order) {
    const start = performance.now();
    await CONTENDERS[i].run(nets[i]);
    rates[i].push(CONTENDERS[i].samples / ((performance.now() - start) / 1000));
  }
}
const rate = Object.fromEntries(CONTENDERS.map((c, i) => [c.name, median(rates[i])]));

console.log(`W1 network (2-3-2 sigmoid, L2, SGD lr 0.5), batch 1, default options; small: 4 samples × ${smallEpochs} epochs, `
  + `big: 4096 samples × ${bigEpochs} epochs; median of ${rounds} rounds (node ${process.version})`);
for (const c of CONTENDERS) console.log(`${c.name.padEnd(22)} ${(rate[c.name] / 1e6).toFixed(2).padStart(7)} M samples/s`);
const ratio = (a, b) => (rate[a] / rate[b]).toFixed(3);
console.log(`small / big (fitSync):          ${ratio('small fitSync', 'big fitSync')}×   (target ≥ 0.8)`);
console.log(`small fit / small fitSync:      ${ratio('small fit', 'small fitSync')}×   (target ≥ 0.9)`);
console.log(`big fit / big fitSync:          ${ratio('big fit', 'big fitSync')}×`);
console.log(`small fitSync / per-epoch path: ${ratio('small fitSync', 'small, per-epoch path')}×`);
for (const net of nets) net.dispose();
