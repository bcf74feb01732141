// Serves concurrent one-sample calls through createPredictor on the threads build, with
// products wide enough to split across the threads, and prints what predictor.test.ts
// checks: the thread count, the stats, each row against net.predict of its one sample,
// the same during an async fit, and the dispose rejection. Its own process: init's
// first call decides the build.
//   node predictor-script.mjs <threads>
import { init, sequential, dense, sgd, createPredictor } from '../../build/index.node.js';

const threads = Number(process.argv[2]);
const rt = await init({ threads, relaxedSimd: false });
// A batch of 32 rows: 32 × 300 × 260 ≈ 2.5M multiply-adds per layer, past the 2^21 at which a GEMM splits.
const inputs = 300, hidden = 260, outputs = 10;
const net = sequential({
  inputSize: inputs, seed: 5, loss: 'mse', optimizer: sgd({ learningRate: 0.01 }),
  layers: [dense(hidden, { activation: 'tanh' }), dense(hidden, { activation: 'relu' }), dense(outputs, { activation: 'linear' })],
});
const sample = (k) => Float32Array.from({ length: inputs }, (_, i) => (((i + 7 * k) * 2654435761) % 1000) / 1000 - 0.5);
const xs = Array.from({ length: 96 }, (_, k) => sample(k));

/**
 * Each answer's largest |row - net.predict(x)| beyond 1e-6 relative (≤ 0: within it), with
 * net.predict run as the answer arrives. During a fit that is the weights its batch saw only
 * for a batch run by its timer: its answers arrive in that timer's microtasks, while the fit
 * waits for a turn of the event loop. (A full batch runs inside the predict call that fills
 * it, and a fit's continuation may already be queued as a microtask then.)
 */
const answer = (predictor, k, x) => predictor.predict(x).then((row) => {
  const alone = net.predict(xs[k]);
  return Math.max(...Array.from(row, (v, j) => Math.abs(v - alone[j]) - 1e-6 * Math.abs(alone[j]) - 1e-9));
});

const predictor = createPredictor(net, { maxBatch: 32, maxDelayMs: 1 });
const excesses = await Promise.all(xs.map((x, k) => answer(predictor, k, k % 2 ? Array.from(x) : x)));
const served = { ...predictor.stats, excess: Math.max(...excesses), first: Array.from(net.predict(xs[0])) };

// During an async fit: answered between slices, with the weights of that moment.
const tx = new Float32Array(64 * inputs).map((_, i) => ((i * 40503) % 1000) / 1000 - 0.5);
const tt = new Float32Array(64 * outputs).map((_, i) => ((i * 7919) % 100) / 100);
let fitDone = false;
const fit = net.fit(tx, tt, { epochs: 100000, batchSize: 8 }).finally(() => { fitDone = true; });
// Calls once the fit has trained an epoch, so the weights they see are not the served ones.
while (net.epochsTrained === 0) await new Promise((resolve) => setImmediate(resolve));
const moved = Array.from(net.predict(xs[0])).some((v, j) => Math.abs(v - served.first[j]) > 1e-6 * Math.abs(v) + 1e-9);
// 40 calls, one batch when its timer fires, while the fit goes on.
const wide = createPredictor(net, { maxBatch: 64, maxDelayMs: 1 });
const duringExcess = await Promise.all(xs.slice(0, 40).map((x, k) => answer(wide, k, x)));
await wide.close();
const during = { fitRunning: !fitDone, moved, excess: Math.max(...duringExcess) };
net.stopTraining();
const history = await fit;

// dispose() rejects what is queued.
const queued = [predictor.predict(xs[0]), predictor.predict(xs[1])];
net.dispose();
const codes = (await Promise.allSettled(queued)).map((r) => r.reason?.code);
await predictor.close();
console.log(JSON.stringify({ threads: rt.threads, served, during, stopReason: history.stopReason, codes }));
