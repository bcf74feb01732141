/**
 * The relaxed-SIMD build against the baseline build, side by side in one run
 * (issue 13, item 3). Needs an engine with relaxed SIMD (Node 22 or later):
 *
 *   node bench/relaxed.mjs [--quick] [--only gemm|w3|peak] [--compare name=file.wasm ...]
 *
 * - GEMM: C = op(A)·op(B) at N = 512 and 1024, every layout training uses,
 *   build/wasmgrad.wasm and build/wasmgrad-relaxed.wasm each instantiated here
 *   (one process, the same kind of instance), rounds interleaved. Each build's
 *   C is checked against float64 on sampled entries (as bench/gemm.mjs does).
 * - W3: 1024-1024-1024-10 sigmoid, L2, SGD lr 0.1, batch 128, one epoch of 256
 *   samples per rep, on one thread. init() decides the build once per process,
 *   so each build trains in a child process of this file (the same kind of
 *   process for both), driven over IPC, rounds interleaved; the children report
 *   which build they loaded (RuntimeInfo.features) and their losses must agree.
 * - peak: bench/peak.ts's f32x4 loops, mul+add against relaxed_madd.
 * --compare adds a single-thread module (say, the relaxed build compiled with
 * another tile) to the GEMM rounds, as a third column, for tuning.
 *
 * Targets: GEMM ≥ 1.10× and W3 ≥ 1.08× the baseline build. Ratios are medians
 * of interleaved rounds from one run; absolute numbers vary with the machine.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { formatRate, median, runInterleaved } from './harness.mjs';
import { oneHotTeacherData } from './data.mjs';
import { maxRelError, operands } from './gemm.mjs';
import { measurePeak } from './peak.mjs';

// ---------------------------------------------------------------------------
// W3 child: one network on one build, driven by the parent.

async function childMain() {
  const { init, sequential, dense, sgd } = await import('../build/index.node.js');
  let net = null, data = null, options = null;
  process.on('message', async (message) => {
    try {
      if (message.type === 'setup') {
        const rt = await init({ relaxedSimd: message.relaxedSimd });
        const { spec } = message;
        net = sequential({
          inputSize: spec.inputSize, layers: spec.units.map((units) => dense(units, { activation: 'sigmoid' })),
          loss: 'l2', optimizer: sgd({ learningRate: spec.learningRate }), seed: spec.seed,
        });
        data = message.data;
        options = { batchSize: spec.batchSize, shuffle: false };
        process.send({ type: 'ready', features: { ...rt.features }, threads: rt.threads });
      } else if (message.type === 'run') {
        net.fitSync(data.x, data.t, { ...options, epochs: message.reps });
        process.send({ type: 'done' });
      } else if (message.type === 'check') {
        process.send({ type: 'loss', loss: net.evaluate(data.x, data.t).loss });
      }
    } catch (error) {
      process.send({ type: 'error', error: String(error?.stack ?? error) });
    }
  });
}

function request(child, message) {
  return new Promise((resolve, reject) => {
    const onMessage = (reply) => {
      child.off('exit', onExit);
      if (reply.error) reject(new Error(`relaxed bench child: ${reply.error}`));
      else resolve(reply);
    };
    const onExit = (code) => { child.off('message', onMessage); reject(new Error(`relaxed bench child exited with ${code}`)); };
    child.once('message', onMessage);
    child.once('exit', onExit);
    child.send(message);
  });
}

/** A W3 contender training in a child process on the baseline (relaxedSimd false) or relaxed build. */
function trainingContender(name, relaxedSimd, spec, data) {
  const child = fork(new URL(import.meta.url), ['--child'], { serialization: 'advanced', stdio: 'inherit' });
  const ready = request(child, { type: 'setup', relaxedSimd, spec, data: { x: data.x, t: data.t } }).then((reply) => {
    if (reply.features.relaxedSimd !== relaxedSimd) throw new Error(`${name}: the child loaded relaxedSimd ${reply.features.relaxedSimd}`);
    if (reply.threads !== 1) throw new Error(`${name}: the child runs ${reply.threads} threads`);
  });
  return {
    name,
    async run(reps) { await ready; await request(child, { type: 'run', reps }); },
    async check() { await ready; return (await request(child, { type: 'check' })).loss; },
    dispose: () => child.kill(),
  };
}

// ---------------------------------------------------------------------------
// GEMM: both builds instantiated in this process.

const BUILDS = [
  { name: 'baseline (wasmgrad.wasm)', file: '../build/wasmgrad.wasm', relaxed: 0 },
  { name: 'relaxed (wasmgrad-relaxed.wasm)', file: '../build/wasmgrad-relaxed.wasm', relaxed: 1 },
];
const LAYOUTS = [
  { key: 'AB', label: 'A·B', transA: 0, transB: 0 },
  { key: 'AtB', label: 'Aᵀ·B', transA: 1, transB: 0 },
  { key: 'ABt', label: 'A·Bᵀ', transA: 0, transB: 1 },
];
/** As bench/gemm.mjs: far above f32 rounding for k ≤ 1024, far below any indexing bug. */
const MAX_REL_ERROR = 1e-4;

async function instantiateBuild(build) {
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL(build.file, import.meta.url)));
  const flag = instance.exports.RELAXED_SIMD?.value;
  if (build.relaxed !== undefined && flag !== build.relaxed) throw new Error(`${build.file}: RELAXED_SIMD is ${flag}, expected ${build.relaxed} (run npm run build:wasm)`);
  return instance.exports;
}

/** Places A, B, C and the workspace above heapBase in `exports`' memory; returns a runner. */
function gemmRunner(exports, g, ops) {
  const align = (x) => (x + 63) & ~63;
  const a = align(exports.heapBase());
  const b = align(a + ops.a.length * 4);
  const c = align(b + ops.b.length * 4);
  const work = align(c + g.m * g.n * 4);
  const end = work + exports.gemmWorkBytes();
  const memory = exports.memory;
  if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
  new Float32Array(memory.buffer, a, ops.a.length).set(ops.a);
  new Float32Array(memory.buffer, b, ops.b.length).set(ops.b);
  return {
    run(reps) {
      for (let r = 0; r < reps; r++) exports.gemm(g.transA, g.transB, g.m, g.n, g.k, 1, a, ops.lda, b, ops.ldb, 0, c, g.n, work);
    },
    result: () => new Float32Array(memory.buffer, c, g.m * g.n),
  };
}

async function benchGemm(settings, log, extra) {
  const builds = [...BUILDS, ...extra];
  const instances = await Promise.all(builds.map(instantiateBuild));
  const rows = [];
  for (const size of [512, 1024]) {
    for (const layout of LAYOUTS) {
      const g = { m: size, n: size, k: size, transA: layout.transA, transB: layout.transB };
      const ops = operands(g, 7);
      const runners = instances.map((exports) => gemmRunner(exports, g, ops));
      log(`GEMM ${size}³ ${layout.label}`);
      const contenders = builds.map((build, i) => ({ name: build.name, run: (reps) => runners[i].run(reps), check: () => 0 }));
      const measured = await runInterleaved(contenders, { workPerRep: (2 * size ** 3) / 1e9, ...settings, log });
      const errors = runners.map((runner) => maxRelError(g, ops, runner.result()));
      const [base, relaxed] = runners.map((runner) => runner.result());
      let differ = 0;
      for (let i = 0; i < base.length; i++) if (base[i] !== relaxed[i]) differ++;
      for (const [i, error] of errors.entries()) {
        if (!(error <= MAX_REL_ERROR)) throw new Error(`GEMM ${size} ${layout.key} ${builds[i].name}: relative error ${error} > ${MAX_REL_ERROR}`);
      }
      rows.push({
        what: `GEMM ${size}³ ${layout.label}`, unit: 'GFLOP/s', base: measured[0].median, relaxed: measured[1].median, paired: pairedRatio(measured),
        extra: measured.slice(2).map((m) => m.median),
        note: `max rel. error ${errors.map((e) => e.toExponential(1)).join(' / ')}; ${(100 * differ / base.length).toFixed(0)}% of C differs in bits`,
      });
    }
  }
  return rows;
}

async function benchW3(settings, quick, log) {
  const spec = { inputSize: 1024, units: [1024, 1024, 10], learningRate: 0.1, batchSize: 128, seed: 1 };
  const data = oneHotTeacherData({ samples: quick ? 128 : 256, inputs: 1024, classes: 10, seed: 3 });
  const contenders = [trainingContender(BUILDS[0].name, false, spec, data), trainingContender(BUILDS[1].name, true, spec, data)];
  try {
    log('W3 1024-1024-1024-10, batch 128, 1 thread');
    const measured = await runInterleaved(contenders, { workPerRep: data.samples, ...settings, log });
    // Same seed, data and order: after the same epochs the losses may differ only by rounding.
    const [base, relaxed] = measured;
    const lossGap = Math.abs(base.checkAfterFirstRep - relaxed.checkAfterFirstRep) / Math.max(Math.abs(base.checkAfterFirstRep), 1e-30);
    return [{
      what: 'W3 training (1 thread)', unit: 'samples/s', base: base.median, relaxed: relaxed.median, paired: pairedRatio(measured),
      note: `loss after 1 epoch ${base.checkAfterFirstRep.toPrecision(7)} / ${relaxed.checkAfterFirstRep.toPrecision(7)} (rel. gap ${lossGap.toExponential(1)})`,
    }];
  } finally {
    for (const c of contenders) c.dispose();
  }
}

/**
 * The median over rounds of relaxed / baseline within each round: the two ran back to back, so on a
 * machine whose speed drifts between rounds this pairs like with like (the medians' ratio does not).
 */
function pairedRatio([base, relaxed]) {
  return median(base.rates.map((rate, round) => relaxed.rates[round] / rate));
}

async function benchPeak(settings, log) {
  log('peak: mul+add');
  const base = await measurePeak({ ...settings, log });
  log('peak: relaxed_madd');
  const relaxed = await measurePeak({ ...settings, log, relaxed: true });
  return [{ what: 'f32x4 peak (best of 8/10/12 accumulators)', unit: 'GFLOP/s', base: base.gflops, relaxed: relaxed.gflops,
    note: `best: ${base.best} / ${relaxed.best}` }];
}

async function main() {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? args[onlyAt + 1] : null;
  if (only !== null && !['gemm', 'w3', 'peak'].includes(only)) throw new Error(`--only takes gemm, w3 or peak, got ${only}`);
  const extra = args.flatMap((arg, i) => (arg === '--compare' ? [args[i + 1]] : [])).map((spec) => {
    const [name, file] = spec?.split('=') ?? [];
    if (!name || !file) throw new Error(`--compare takes name=file.wasm, got ${spec}`);
    return { name, file: new URL(file, `file://${process.cwd()}/`).href };
  });
  const { relaxedSimdSupported } = await import('../build/wasm/load.js');
  if (!relaxedSimdSupported()) {
    console.error(`bench/relaxed.mjs: Node ${process.version} has no relaxed SIMD (Node 22 or later has it; Node 20 with --experimental-wasm-relaxed-simd)`);
    process.exit(2);
  }
  const log = (line) => console.error(line);
  const settings = quick ? { rounds: 3, minRunMs: 100, warmupMs: 100 } : { rounds: 7, minRunMs: 300, warmupMs: 300 };
  const w3Settings = quick ? { rounds: 3, minRunMs: 200, warmupMs: 200 } : { rounds: 7, minRunMs: 1000, warmupMs: 1000 };
  const started = performance.now();
  const rows = [];
  if (!only || only === 'peak') rows.push(...await benchPeak({ rounds: settings.rounds, minRunMs: 200, warmupMs: 100 }, log));
  if (!only || only === 'gemm') rows.push(...await benchGemm(settings, log, extra));
  if (!only || only === 'w3') rows.push(...await benchW3(w3Settings, quick, log));
  console.log(`\nRelaxed SIMD vs baseline build, Node ${process.version}, ${quick ? 'quick' : 'full'} run (${((performance.now() - started) / 1000).toFixed(0)} s), medians of interleaved rounds\n`);
  const extraHead = extra.map((e) => ` ${e.name} / baseline |`).join('');
  console.log(`| workload | unit | baseline | relaxed | relaxed / baseline | per-round ratio (median) |${extraHead} notes |`);
  console.log(`| --- | --- | ---: | ---: | ---: | ---: |${extra.map(() => ' ---: |').join('')} --- |`);
  for (const r of rows) {
    const extraCells = extra.map((_, i) => ` ${r.extra?.[i] ? `${(r.extra[i] / r.base).toFixed(2)}×` : ''} |`).join('');
    const paired = r.paired === undefined ? '' : `${r.paired.toFixed(2)}×`;
    console.log(`| ${r.what} | ${r.unit} | ${formatRate(r.base)} | ${formatRate(r.relaxed)} | ${(r.relaxed / r.base).toFixed(2)}× | ${paired} |${extraCells} ${r.note} |`);
  }
}

// Last: main() reads the constants above, which a top-level await before them would find uninitialised.
if (process.argv[2] === '--child') await childMain();
else await main();
