// The smoke test that test/runtimes/runtimes.test.ts runs on Bun, Deno and Node
// in a temporary project whose node_modules/wasmgrad links to the repository, so
// `import 'wasmgrad'` goes through package.json `exports` as a user's would.
// Usage: <runtime> smoke.mjs <threads> <model file path>
// Prints one JSON line; exits non-zero (with the error on stderr) on any failure.
import { dense, init, load, save, sequential, sgd } from 'wasmgrad';

const args = globalThis.Deno ? globalThis.Deno.args : process.argv.slice(2);
const threads = Number(args[0]);
const modelPath = args[1];
const started = performance.now();
const steps = {};
const step = async (name, body) => {
  const t0 = performance.now();
  const value = await body();
  steps[name] = Math.round(performance.now() - t0);
  return value;
};

const info = await step('init', () => init({ threads }));

// XOR with the 2-3-1 sigmoid network of test/nn/network.learning.test.ts.
const XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_TARGETS = [0, 1, 1, 0];
const xor = sequential({
  inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(1, { activation: 'sigmoid' })],
  optimizer: sgd({ learningRate: 2 }), seed: 3,
});
const history = await step('train', () => xor.fit(XOR_INPUTS, XOR_TARGETS.map((t) => [t]), { epochs: 3000, batchSize: 4 }));
const predicted = await step('predict', () => xor.predict(XOR_INPUTS).map(([y]) => y));
const xorCorrect = predicted.every((y, i) => Math.round(y) === XOR_TARGETS[i]);

const reloaded = await step('saveLoad', async () => {
  await save(xor, modelPath);
  const loaded = await load(modelPath);
  const again = loaded.predict(XOR_INPUTS).map(([y]) => y);
  loaded.dispose();
  return again;
});
const loadedIdentical = reloaded.every((y, i) => Object.is(y, predicted[i]));
xor.dispose();

// A network whose products are large enough to be split across the pool
// (assembly/threads.ts): the digest must not depend on the thread count.
const digest = await step('large', () => {
  const n = 96, inputs = 300, hidden = 260;
  const x = new Float32Array(n * inputs).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  const t = new Float32Array(n * 10).map((_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0));
  const net = sequential({
    inputSize: inputs, layers: [dense(hidden, { activation: 'tanh' }), dense(hidden, { activation: 'sigmoid' }), dense(10, { activation: 'sigmoid' })],
    optimizer: sgd({ learningRate: 0.2 }), seed: 5,
  });
  net.fitSync(x, t, { epochs: 3, batchSize: 48 });
  let hash = 0;
  for (const layer of net.getWeights()) {
    for (const w of new Float32Array([...layer.weights.flat(), ...layer.bias])) {
      hash = (Math.imul(hash, 31) + new Int32Array(new Float32Array([w]).buffer)[0]) | 0;
    }
  }
  net.dispose();
  return hash;
});

console.log(JSON.stringify({
  threads: info.threads, features: info.features, finalLoss: history.loss.at(-1), predicted, xorCorrect, loadedIdentical, digest,
  ms: { ...steps, total: Math.round(performance.now() - started) },
}));
// No process.exit(): the process must end by itself, also with a worker pool running.
