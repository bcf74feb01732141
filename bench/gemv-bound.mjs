/**
 * How fast can one-sample inference on a wide network be on this machine?
 * A batch-1 forward pass reads every weight once and does one multiply-add
 * with each, so its time is bounded below by the time one core takes just to
 * read the weights. This bench measures that floor side by side with the two
 * engines (bench/harness.mjs: interleaved rounds, medians):
 *
 * - "weights read": a hand-written wasm loop (v128 loads xor-ed into four
 *   registers, no arithmetic on the chain; two streams, the fastest way of
 *   those tried) over a copy of the same weight bytes, once per rep. An engine
 *   that reads its weights once is unlikely to beat it by much.
 * - wasmgrad: net.predict(x, out) of one sample (the weight panels are made
 *   after the warm-up's first 16 predicts: src/nn/panels.ts).
 * - onnxruntime-web 1.30 (wasm SIMD, 1 thread), its model from the same
 *   weights (bench/onnx-model.mjs).
 *
 * Printed: each rate, each engine's time as a share of the floor's, and the
 * ceiling for "wasmgrad ÷ onnxruntime-web" at this size: floor rate ÷
 * onnxruntime-web's rate, the ratio an engine with no cost but reading its
 * weights would reach.
 *
 *   node bench/gemv-bound.mjs [--sizes 1024,1024,1024,10] [--rounds 9] [--ms 300]
 */
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { formatRate, numberOption, runInterleaved } from './harness.mjs';
import { compileAssemblyScript } from './asc.mjs';
import { mlpOnnxModel } from './onnx-model.mjs';
import * as lib from '../build/index.node.js';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '1024,1024,1024,10' }, rounds: { type: 'string' }, ms: { type: 'string' } },
});
const sizes = args.sizes.split(',').map(Number);
if (sizes.length < 2 || !sizes.every((s) => Number.isInteger(s) && s > 0)) {
  console.error(`--sizes takes layer widths like 1024,1024,1024,10, got ${JSON.stringify(args.sizes)}`);
  process.exit(2);
}
const rounds = numberOption('rounds', 9), minRunMs = numberOption('ms', 300);

/**
 * read(start, end): the xor of every 16-byte vector in [start, end), read as two streams (the two halves side by
 * side, 32 bytes of each per pass; end - start a multiple of 64). On this machine two streams read 8 MB 4-10 %
 * faster than one (89-91 µs against 93-100), and as fast as four. `pages` of memory, exported.
 */
async function reader(pages) {
  const source = `memory.grow(${pages});
    export function read(p: usize, end: usize): i32 {
      let a = i32x4.splat(0), b = i32x4.splat(0), c = i32x4.splat(0), d = i32x4.splat(0);
      const half = p + ((end - p) >> 1);
      let q = half;
      while (p < half) {
        a = v128.xor(a, v128.load(p)); b = v128.xor(b, v128.load(p, 16));
        c = v128.xor(c, v128.load(q)); d = v128.xor(d, v128.load(q, 16));
        p += 32; q += 32;
      }
      return i32x4.extract_lane(v128.xor(v128.xor(a, b), v128.xor(c, d)), 0);
    }`;
  return compileAssemblyScript({ 'reader.ts': source });
}

await lib.init();
ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

const net = lib.sequential({
  inputSize: sizes[0],
  layers: sizes.slice(1).map((units) => lib.dense(units, { activation: 'sigmoid' })),
  optimizer: lib.sgd({ learningRate: 0.01 }),
  seed: 42,
});
const parameters = net.getWeights().map(({ weights, bias }) => ({ weights: Float32Array.from(weights.flat()), bias: Float32Array.from(bias) }));
const weightBytes = parameters.reduce((sum, { weights }) => sum + weights.byteLength, 0);

// The floor reads a copy of the weights laid end to end (pages never written would all map to one zero page,
// which stays in L1), rounded up to whole 64-byte passes.
const readBytes = Math.ceil(weightBytes / 64) * 64;
const weightsReader = await reader(Math.ceil(readBytes / 65536));
const floats = new Float32Array(weightsReader.memory.buffer);
let at = 0;
for (const { weights } of parameters) { floats.set(weights, at); at += weights.length; }

const x = Float32Array.from({ length: sizes[0] }, (_, i) => Math.sin(i));
const out = new Float32Array(sizes.at(-1));
const session = await ort.InferenceSession.create(mlpOnnxModel({ inputSize: sizes[0], layers: parameters }), {
  executionProviders: ['wasm'], graphOptimizationLevel: 'all',
});
let ortOut = new Float32Array(out.length), readCheck = 0;

const results = await runInterleaved([
  { name: 'weights read', run(reps) { for (let r = 0; r < reps; r++) readCheck = weightsReader.read(0, readBytes); }, check: () => readCheck },
  { name: 'wasmgrad', run(reps) { for (let r = 0; r < reps; r++) net.predict(x, out); }, check: () => out.reduce((s, v) => s + v, 0) },
  {
    name: 'onnxruntime-web',
    async run(reps) {
      for (let r = 0; r < reps; r++) ortOut = (await session.run({ input: new ort.Tensor('float32', x, [1, sizes[0]]) })).output.data;
    },
    check: () => ortOut.reduce((s, v) => s + v, 0),
  },
], { workPerRep: 1, rounds, minRunMs, warmupMs: 500, log: process.env.BENCH_VERBOSE ? console.log : () => {} });

const [floor, ours, theirs] = results;
const maxDiff = out.reduce((m, v, i) => Math.max(m, Math.abs(v - ortOut[i])), 0);
console.log(`node ${process.version}; ${sizes.join('-')} at batch 1: ${(weightBytes / 1e6).toFixed(2)} MB of weights; ${rounds} rounds, ≥ ${minRunMs} ms per timed run`);
for (const r of results) {
  const us = 1e6 / r.median;
  const share = r === floor ? `${((weightBytes / 1e9) / (us / 1e6)).toFixed(0)} GB/s` : `${(floor.median / r.median).toFixed(2)}× the floor's time`;
  console.log(`  ${r.name.padEnd(16)} ${formatRate(r.median).padStart(8)} /s  ${us.toFixed(1).padStart(6)} µs  [${formatRate(r.min)} – ${formatRate(r.max)}]  ${share}`);
}
console.log(`  wasmgrad ÷ onnxruntime-web: ${(ours.median / theirs.median).toFixed(2)}×; the ceiling (floor ÷ onnxruntime-web): ${(floor.median / theirs.median).toFixed(2)}×`);
console.log(`  check: the engines agree within ${maxDiff.toExponential(1)}${maxDiff <= 1e-4 ? '' : ' (OVER 1e-4)'}`);
net.dispose();
await session.release();
