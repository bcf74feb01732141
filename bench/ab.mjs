/**
 * Two builds of wasmgrad side by side in one process: is a change faster or
 * slower on the workloads the benchmark tracks?
 *
 *   node bench/ab.mjs <before> <after> [--rounds 15] [--seconds 0.25]
 *
 * <before> and <after> are checkouts (or git worktrees) that have run
 * `npm run build`. Each round runs every workload on both builds back to back
 * (the order alternates between rounds), and the report gives, per workload,
 * the median over rounds of after/before and its interquartile range. On a
 * shared, noisy machine a paired ratio from adjacent short runs is far steadier
 * than comparing medians of separate `npm run bench` runs, whose absolute rates
 * drift by 20 % and more with the neighbours' load.
 *
 * Single-thread workloads only: a process gets one runtime per build, and two
 * thread pools would compete for the cores (bench/threads-scaling.mjs measures
 * threads).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return Number(value);
};
const rounds = option('--rounds', 15);
const seconds = option('--seconds', 0.25);
if (args.length !== 2 || !(rounds >= 1) || !(seconds > 0)) {
  console.error('usage: node bench/ab.mjs <before checkout> <after checkout> [--rounds N] [--seconds S]');
  process.exit(2);
}

async function loadBuild(dir) {
  const lib = await import(pathToFileURL(resolve(dir, 'build/index.node.js')).href);
  await lib.init();
  return lib;
}

/** Deterministic data: rows of `width` values in [-1, 1) and targets in [0, 1). */
function data(rows, width, seed) {
  let s = seed >>> 0;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32; };
  return Float32Array.from({ length: rows * width }, () => next() * 2 - 1);
}
function targets(rows, width, seed) {
  return data(rows, width, seed).map((v) => (v + 1) / 2);
}

/** Each workload builds its state on one build and returns a function doing one unit of work and its sample count. */
const WORKLOADS = [
  {
    name: 'W1: 2-3-2 sigmoid, SGD, batch 1, 4096 samples (fitSync)', setup(lib) {
      const x = data(4096, 2, 1), t = targets(4096, 2, 2);
      const net = lib.sequential({ inputSize: 2, layers: [lib.dense(3, { activation: 'sigmoid' }), lib.dense(2, { activation: 'sigmoid' })],
        optimizer: lib.sgd({ learningRate: 0.5 }), seed: 1 });
      return { run: () => { net.fitSync(x, t, { epochs: 1, batchSize: 1 }); return 4096; }, dispose: () => net.dispose() };
    },
  },
  {
    name: 'W2: 784-128-10 sigmoid, SGD, batch 32 (fitSync)', setup(lib) {
      const x = data(512, 784, 3), t = targets(512, 10, 4);
      const net = lib.sequential({ inputSize: 784, layers: [lib.dense(128, { activation: 'sigmoid' }), lib.dense(10, { activation: 'sigmoid' })],
        optimizer: lib.sgd({ learningRate: 0.1 }), seed: 2 });
      return { run: () => { net.fitSync(x, t, { epochs: 1, batchSize: 32 }); return 512; }, dispose: () => net.dispose() };
    },
  },
  {
    name: 'W2-predict: 784-128-10, predict batch 256', setup(lib) {
      const x = data(256, 784, 5);
      const net = lib.sequential({ inputSize: 784, layers: [lib.dense(128, { activation: 'sigmoid' }), lib.dense(10, { activation: 'sigmoid' })], seed: 3 });
      const out = new Float32Array(256 * 10);
      return { run: () => { net.predict(x, out); return 256; }, dispose: () => net.dispose() };
    },
  },
  {
    name: 'W2-latency: 784-128-10, predict 1 sample', setup(lib) {
      const x = data(1, 784, 6);
      const net = lib.sequential({ inputSize: 784, layers: [lib.dense(128, { activation: 'sigmoid' }), lib.dense(10, { activation: 'sigmoid' })], seed: 3 });
      const out = new Float32Array(10);
      return { run: () => { for (let i = 0; i < 64; i++) net.predict(x, out); return 64; }, dispose: () => net.dispose() };
    },
  },
  {
    name: 'W3: 1024-1024-1024-10 sigmoid, SGD, batch 128 (fitSync)', setup(lib) {
      const x = data(128, 1024, 7), t = targets(128, 10, 8);
      const net = lib.sequential({ inputSize: 1024, layers: [lib.dense(1024, { activation: 'sigmoid' }), lib.dense(1024, { activation: 'sigmoid' }),
        lib.dense(10, { activation: 'sigmoid' })], optimizer: lib.sgd({ learningRate: 0.1 }), seed: 4, });
      return { run: () => { net.fitSync(x, t, { epochs: 1, batchSize: 128 }); return 128; }, dispose: () => net.dispose() };
    },
  },
];

/** Samples per second of `run` over about `seconds` (after one warm-up call). */
function rate(run) {
  run();
  let samples = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    samples += run();
    elapsed = performance.now() - start;
  }
  return samples / (elapsed / 1000);
}

const quantile = (sorted, q) => {
  const at = (sorted.length - 1) * q, lo = Math.floor(at), hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
};

const [beforeDir, afterDir] = args;
const before = await loadBuild(beforeDir);
const after = await loadBuild(afterDir);
console.log(`before: ${resolve(beforeDir)}\nafter:  ${resolve(afterDir)}\n${rounds} rounds of ~${seconds} s per workload and build, Node ${process.version}\n`);
for (const workload of WORKLOADS) {
  const a = workload.setup(before), b = workload.setup(after);
  const ratios = [], beforeRates = [], afterRates = [];
  for (let round = 0; round < rounds; round++) {
    let ra, rb;
    if (round % 2 === 0) { ra = rate(a.run); rb = rate(b.run); } else { rb = rate(b.run); ra = rate(a.run); }
    beforeRates.push(ra); afterRates.push(rb); ratios.push(rb / ra);
  }
  a.dispose(); b.dispose();
  const sorted = ratios.toSorted((p, q) => p - q);
  const median = (xs) => quantile(xs.toSorted((p, q) => p - q), 0.5);
  console.log(`${workload.name}\n  before ${median(beforeRates).toPrecision(4)}/s, after ${median(afterRates).toPrecision(4)}/s; `
    + `after/before median ${quantile(sorted, 0.5).toFixed(3)} (IQR ${quantile(sorted, 0.25).toFixed(3)}–${quantile(sorted, 0.75).toFixed(3)})`);
}
