// Trains two seeded softmax networks on the threads build, one with class indices and
// 'sparseCategoricalCrossentropy', one with the same classes as one-hot rows and
// 'categoricalCrossentropy', and prints both runs' histories and weight digests: run by
// sparse-loss.test.ts in its own process (init's first call decides the build).
//   node sparse-script.mjs <threads>
import { init, sequential, dense, sgd } from '../../build/index.node.js';

const threads = Number(process.argv[2]);
// The baseline build, as train-script.mjs: the comparison is within one build, but the same module keeps the two scripts alike.
const rt = await init({ threads, relaxedSimd: false });
// Wide enough that the GEMMs split across the threads (products over 2^21 multiply-adds).
const n = 96, inputs = 300, hidden = 260, classes = 10;
const x = new Float32Array(n * inputs).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
const labels = Int32Array.from({ length: n }, (_, r) => (r * 7) % classes);
const oneHot = new Float32Array(n * classes);
labels.forEach((c, r) => { oneHot[r * classes + c] = 1; });
const digest = (net) => {
  let hash = 0;
  for (const layer of net.getWeights()) {
    for (const w of new Float32Array([...layer.weights.flat(), ...layer.bias])) hash = (Math.imul(hash, 31) + new Int32Array(new Float32Array([w]).buffer)[0]) | 0;
  }
  return hash;
};
const run = (loss, targets) => {
  const net = sequential({
    inputSize: inputs, loss, optimizer: sgd({ learningRate: 0.2 }), seed: 5,
    layers: [dense(hidden, { activation: 'tanh' }), dense(hidden, { activation: 'relu' }), dense(classes, { activation: 'softmax' })],
  });
  const history = net.fitSync(x, targets, { epochs: 3, batchSize: 48, metrics: ['accuracy'], onWarning: () => {} });
  const evaluation = net.evaluate(x, targets, { metrics: ['accuracy'] });
  const result = { history, evaluation, hash: digest(net) };
  net.dispose();
  return result;
};
console.log(JSON.stringify({ threads: rt.threads, sparse: run('sparseCategoricalCrossentropy', labels), oneHot: run('categoricalCrossentropy', oneHot) }));
