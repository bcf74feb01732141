/**
 * One-sample products before and after assembly/gemv.ts, side by side in one
 * process (bench/harness.mjs: interleaved rounds, medians):
 *
 * - predict(x, out) of one sample (Float32Array in, Float32Array out) on
 *   sigmoid MLPs 1024-1024-1024-10 and 784-128-10: the build before the change
 *   ("base", from a git worktree), this checkout's build ("gemv"), and
 *   onnxruntime-web 1.30 (wasm SIMD, 1 thread) on the same weights, its model
 *   written by bench/onnx-model.mjs;
 * - predict of batches of 32, 128 and 256 (must not regress);
 * - training steps of batch size 1 (fitSync, plain SGD) on 1024-1024-1024-10.
 *
 * Checks printed with the numbers: base and gemv predict the same bits (the
 * products sum in the same order) and train to the same bits; onnxruntime-web
 * predicts the same within 1e-4.
 *
 * Usage: make the base build once,
 *   git worktree add /tmp/gemv-base <commit before the change>
 *   ln -s "$PWD/node_modules" /tmp/gemv-base/node_modules && (cd /tmp/gemv-base && npm run build)
 * then `npm run build` here and
 *   node bench/gemv.mjs [--base /tmp/gemv-base] [--rounds 7] [--ms 300] [--no-ort] [--only predict1,batch,train] [--batches 32,128,256]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { formatRate, runInterleaved } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string', default: '/tmp/gemv-base' },
    rounds: { type: 'string', default: '7' },
    ms: { type: 'string', default: '300' },
    'no-ort': { type: 'boolean', default: false },
    only: { type: 'string', default: 'predict1,batch,train' },
    batches: { type: 'string', default: '32,128,256' },
  },
});
const rounds = Number(args.rounds), minRunMs = Number(args.ms);
const parts = new Set(args.only.split(','));
const baseEntry = `${args.base}/build/index.node.js`;
if (!existsSync(baseEntry)) throw new Error(`no base build at ${baseEntry}: see the usage in bench/gemv.mjs`);

const gemv = await import('../build/index.node.js');
const base = await import(pathToFileURL(baseEntry).href);
await gemv.init();
await base.init();
let ortPredictor = null;
if (!args['no-ort']) {
  const ort = await import('onnxruntime-web');
  const { mlpOnnxModel } = await import('./onnx-model.mjs');
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
  ortPredictor = { ort, mlpOnnxModel };
}

const build = (lib, sizes) => lib.sequential({
  inputSize: sizes[0],
  layers: sizes.slice(1).map((units) => lib.dense(units, { activation: 'sigmoid' })),
  optimizer: lib.sgd({ learningRate: 0.01 }), seed: 42,
});

/** Deterministic inputs in [-1, 1). */
function data(rows, cols, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: rows * cols }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

const sameBits = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

/** Contenders that predict `batch` rows per call, walking through `rows` rows. */
async function predictContenders(sizes, batch, x, rows, withOrt) {
  const inputSize = sizes[0], outputSize = sizes.at(-1);
  const nets = { base: build(base, sizes), gemv: build(gemv, sizes) };
  const weights = nets.gemv.getWeights();
  if (JSON.stringify(weights) !== JSON.stringify(nets.base.getWeights())) throw new Error('base and gemv start from different weights');
  const steps = Math.floor(rows / batch);
  const rowsOf = (i) => x.subarray((i % steps) * batch * inputSize, ((i % steps) + 1) * batch * inputSize);
  const contenders = [];
  const outputs = {};
  for (const [name, net] of Object.entries(nets)) {
    const out = new Float32Array(batch * outputSize);
    let at = 0;
    contenders.push({
      name,
      run(reps) { for (let r = 0; r < reps; r++) net.predict(rowsOf(at++), out); },
      check: () => out.reduce((s, v) => s + v, 0),
    });
    outputs[name] = () => net.predict(x.subarray(0, Math.min(rows, 64) * inputSize));
  }
  let session = null;
  if (withOrt && ortPredictor) {
    const { ort, mlpOnnxModel } = ortPredictor;
    const model = mlpOnnxModel({ inputSize, layers: weights.map(({ weights: w, bias }) => ({ weights: Float32Array.from(w.flat()), bias: Float32Array.from(bias) })) });
    session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    let at = 0, last = new Float32Array(outputSize);
    contenders.push({
      name: 'onnxruntime-web',
      async run(reps) {
        for (let r = 0; r < reps; r++) {
          const { output } = await session.run({ input: new ort.Tensor('float32', rowsOf(at++), [batch, inputSize]) });
          last = output.data;
        }
      },
      check: () => last.reduce((s, v) => s + v, 0),
    });
    const n = Math.min(rows, 64);
    outputs['onnxruntime-web'] = async () => (await session.run({ input: new ort.Tensor('float32', x.slice(0, n * inputSize), [n, inputSize]) })).output.data;
  }
  const checks = [];
  const baseOut = outputs.base(), gemvOut = outputs.gemv();
  checks.push(`base and gemv ${sameBits(baseOut, gemvOut) ? 'predict the same bits' : `DIFFER (max |Δ| ${maxDiff(baseOut, gemvOut)})`}`);
  // At batch 1 predict runs the one-sample kernels: compare those bits too.
  const one = x.subarray(0, inputSize);
  checks.push(`one sample: ${sameBits(nets.base.predict(one), nets.gemv.predict(one)) ? 'same bits' : 'DIFFER'}`);
  if (outputs['onnxruntime-web']) {
    const d = maxDiff(await outputs['onnxruntime-web'](), gemvOut);
    checks.push(`onnxruntime-web within ${d.toExponential(1)}${d <= 1e-4 ? '' : ' (OVER 1e-4)'}`);
  }
  const dispose = async () => { nets.base.dispose(); nets.gemv.dispose(); if (session) await session.release(); };
  return { contenders, checks, dispose };
}

function report(title, unit, results, checks) {
  const byName = Object.fromEntries(results.map((r) => [r.name, r]));
  const gemvRate = byName.gemv.median;
  console.log(`${title}`);
  for (const r of results) {
    const ratio = r.name === 'gemv' ? '' : `  (gemv ${(gemvRate / r.median).toFixed(2)}×)`;
    console.log(`  ${r.name.padEnd(16)} ${formatRate(r.median).padStart(10)} ${unit}  [${formatRate(r.min)} – ${formatRate(r.max)}]${ratio}`);
  }
  console.log(`  checks: ${checks.join('; ')}`);
}

const log = process.env.GEMV_BENCH_VERBOSE ? (line) => console.log(line) : () => {};
console.log(`node ${process.version}; ${rounds} rounds, ≥ ${minRunMs} ms per timed run; base ${args.base}`);

async function predictRow(sizes, batch, withOrt) {
  const rows = Math.max(256, batch * 4);
  const x = data(rows, sizes[0], 7);
  const { contenders, checks, dispose } = await predictContenders(sizes, batch, x, rows, withOrt);
  const results = await runInterleaved(contenders, { workPerRep: batch, rounds, minRunMs, warmupMs: minRunMs, log });
  report(`${sizes.join('-')} sigmoid, predict batch ${batch}`, batch === 1 ? 'predicts/s' : 'samples/s', results, checks);
  await dispose();
}

if (parts.has('predict1')) {
  for (const sizes of [[1024, 1024, 1024, 10], [784, 128, 10]]) await predictRow(sizes, 1, true);
}
if (parts.has('batch')) {
  for (const batch of args.batches.split(',').map(Number)) await predictRow([1024, 1024, 1024, 10], batch, true);
}
if (parts.has('train')) {
  const sizes = [1024, 1024, 1024, 10];
  const samples = 32;
  const x = data(samples, sizes[0], 11), t = data(samples, sizes.at(-1), 13).map((v) => (v + 1) / 2);
  const nets = { base: build(base, sizes), gemv: build(gemv, sizes) };
  const contenders = Object.entries(nets).map(([name, net]) => ({
    name,
    run(reps) { for (let r = 0; r < reps; r++) net.fitSync(x, t, { epochs: 1, batchSize: 1, shuffle: false }); },
    check: () => net.getWeights()[2].bias[0],
  }));
  const results = await runInterleaved(contenders, { workPerRep: samples, rounds, minRunMs, warmupMs: minRunMs, log });
  // Both took the same number of identical steps only if their reps matched; compare on fresh copies instead.
  const fresh = { base: build(base, sizes), gemv: build(gemv, sizes) };
  for (const net of Object.values(fresh)) net.fitSync(x, t, { epochs: 2, batchSize: 1, shuffle: false });
  const wb = fresh.base.getWeights(), wg = fresh.gemv.getWeights();
  const same = wb.every((layer, l) => sameBits(layer.weights.flat(), wg[l].weights.flat()) && sameBits(layer.bias, wg[l].bias));
  report(`${sizes.join('-')} sigmoid, training steps of batch size 1 (plain SGD)`, 'steps/s', results,
    [`after ${2 * samples} steps base and gemv weights are ${same ? 'the same bits' : 'DIFFERENT'}`]);
  for (const net of [...Object.values(nets), ...Object.values(fresh)]) net.dispose();
}
