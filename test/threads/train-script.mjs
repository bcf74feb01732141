// Trains a seeded network and prints a digest of its weights: run by pool.test.ts,
// gelu-silu.test.ts and test/node-versions once per thread count, in its own process
// (init's first call decides the build).
//   node train-script.mjs <threads> [hidden]
// hidden: the two hidden layers' activations, "tanh,sigmoid" by default; "gelu,silu"
// trains layers whose pre-activations come from the threaded GEMM with the linear
// epilogue (the second with dropout 0.2, so the mask is covered too).
import { init, sequential, dense, sgd } from '../../build/index.node.js';

const threads = Number(process.argv[2]);
const [first, second] = (process.argv[3] ?? 'tanh,sigmoid').split(',');
const dropout = first === 'gelu' ? 0.2 : 0;
// The baseline build: relaxed SIMD may fuse differently across engines, and test/node-versions compares bits across Node versions.
const rt = await init({ threads, relaxedSimd: false });
const n = 96, inputs = 300, hidden = 260;
const x = new Float32Array(n * inputs).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
const t = new Float32Array(n * 10).map((_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0));
const net = sequential({
  inputSize: inputs,
  layers: [dense(hidden, { activation: first }), dense(hidden, { activation: second, dropout }), dense(10, { activation: 'sigmoid' })],
  optimizer: sgd({ learningRate: 0.2 }), seed: 5,
});
const history = net.fitSync(x, t, { epochs: 3, batchSize: 48 });
const weights = net.getWeights().flatMap((layer) => [...layer.weights.flat(), ...layer.bias]);
let hash = 0;
for (const w of new Float32Array(weights)) hash = (Math.imul(hash, 31) + new Int32Array(new Float32Array([w]).buffer)[0]) | 0;
console.log(JSON.stringify({ threads: rt.threads, loss: history.loss, hash }));
