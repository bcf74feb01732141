/**
 * Where W1's time goes. W1 trains the seed's 2-3-2 sigmoid network one sample
 * at a time, and each step needs the weights the step before wrote, so a
 * step costs the latency of its chain of dependent operations, not their
 * throughput. Two sigmoids sit on that chain (the hidden layer's, then the
 * output's). This bench times, side by side (bench/harness.mjs: interleaved
 * rounds, medians), per sample:
 *
 * - "σ∘σ": a loop of v = σ(σ(v)) with wasmgrad's own sigmoid
 *   (assembly/math.ts sigmoidV, compiled here by asc): the two sigmoids alone;
 * - "wasmgrad linear": W1's network and data with both activations linear,
 *   the rest of the step (both products, both deltas, the SGD update, the
 *   loss) without the sigmoids;
 * - "wasmgrad": W1 itself (fitSync, batch 1, shuffle off: bench/workloads.mjs);
 * - "pure JS 2-3-2 unrolled": W1's hand-written JavaScript contender.
 *
 * If σ∘σ + linear ≈ wasmgrad, the step is its chain and nothing else; the
 * per-sample time that W1's target of 3× the unrolled loop needs is printed
 * next to it.
 *
 *   npm run build && node bench/w1-chain.mjs [--rounds 9] [--ms 300]
 */
import { readFileSync } from 'node:fs';
import { compileAssemblyScript } from './asc.mjs';
import { sigmoidTeacherData } from './data.mjs';
import { formatRate, numberOption, runInterleaved } from './harness.mjs';
import { PureJs232 } from './pure-js-mlp.mjs';
import { dense, init, sequential, sgd } from '../build/index.node.js';

const rounds = numberOption('rounds', 9), minRunMs = numberOption('ms', 300);
const SAMPLES = 4096;

/** v = σ(σ(v)), `n` times, on one f32x4 (the four lanes run in parallel, as the kernel's lanes do). */
async function sigmoidChain() {
  const source = `import { sigmoidV } from './math';
    export function chain(n: i32, seed: f32): f32 {
      let v = f32x4.splat(seed);
      for (let i = 0; i < n; i++) v = sigmoidV(sigmoidV(v));
      return f32x4.extract_lane(v, 0);
    }`;
  const math = readFileSync(new URL('../assembly/math.ts', import.meta.url), 'utf8');
  return (await compileAssemblyScript({ 'chain.ts': source, 'math.ts': math })).chain;
}

await init();
const chain = await sigmoidChain();
const data = sigmoidTeacherData({ samples: SAMPLES, inputs: 2, outputs: 2, seed: 1 });
const network = (activation, learningRate) => sequential({
  inputSize: 2, layers: [dense(3, { activation }), dense(2, { activation })],
  loss: 'l2', optimizer: sgd({ learningRate }), seed: 42,
});
const sigmoidNet = network('sigmoid', 0.5);
// A smaller step for the linear network so it cannot diverge (a non-finite step would stop training early).
const linearNet = network('linear', 0.01);
const js = new PureJs232({ learningRate: 0.5, parameters: sigmoidNet.getWeights().map(({ weights, bias }) => ({ weights: weights.flat(), bias })) });
const fitOptions = { batchSize: 1, shuffle: false };
let chainValue = 0.5;

const results = await runInterleaved([
  { name: 'σ∘σ', run(reps) { chainValue = chain(reps * SAMPLES, chainValue); }, check: () => chainValue },
  { name: 'wasmgrad linear', run(reps) { linearNet.fitSync(data.x, data.t, { ...fitOptions, epochs: reps }); }, check: () => linearNet.evaluate(data.x, data.t).loss },
  { name: 'wasmgrad', run(reps) { sigmoidNet.fitSync(data.x, data.t, { ...fitOptions, epochs: reps }); }, check: () => sigmoidNet.evaluate(data.x, data.t).loss },
  { name: 'pure JS 2-3-2 unrolled', run(reps) { js.train(data.x, data.t, SAMPLES, reps); }, check: () => js.evaluate(data.x, data.t, SAMPLES) },
], { workPerRep: SAMPLES, rounds, minRunMs, warmupMs: 300, log: process.env.BENCH_VERBOSE ? console.log : () => {} });

const ns = Object.fromEntries(results.map((r) => [r.name, 1e9 / r.median]));
console.log(`node ${process.version}; 2-3-2 sigmoid, L2, SGD, batch 1, ${SAMPLES} samples per rep; ${rounds} rounds, ≥ ${minRunMs} ms per timed run`);
for (const r of results) {
  console.log(`  ${r.name.padEnd(24)} ${(ns[r.name]).toFixed(1).padStart(6)} ns/sample  ${formatRate(r.median).padStart(12)} /s  [${formatRate(r.min)} – ${formatRate(r.max)}]`);
}
const parts = ns['σ∘σ'] + ns['wasmgrad linear'];
console.log(`  σ∘σ + linear step: ${parts.toFixed(1)} ns, ${(parts / ns.wasmgrad).toFixed(2)}× the sigmoid step's ${ns.wasmgrad.toFixed(1)} ns`);
console.log(`  wasmgrad ÷ unrolled JS: ${(ns['pure JS 2-3-2 unrolled'] / ns.wasmgrad).toFixed(2)}×; 3× would need ${(ns['pure JS 2-3-2 unrolled'] / 3).toFixed(1)} ns a sample`);
for (const net of [sigmoidNet, linearNet]) {
  const { loss } = net.evaluate(data.x, data.t);
  if (!Number.isFinite(loss)) throw new Error(`a network's loss is not finite (${loss}): its timing stopped early`);
  net.dispose();
}
