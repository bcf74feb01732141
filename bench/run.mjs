#!/usr/bin/env node
/**
 * `npm run bench`: runs every workload in bench/workloads.mjs with every
 * contender, interleaved round by round, prints markdown tables (training,
 * inference, GEMM) with the machine and date, and writes the same to
 * bench/results/latest.json. When GEMM rows are selected it first compiles
 * and measures the f32x4 multiply-add peak (bench/peak.ts) they are scaled by.
 *
 *   node bench/run.mjs            full run (~7–8 minutes on the 2-CPU EPYC the README's numbers come
 *                                 from: ~5 before issue 13's workloads, which add ~2 minutes of
 *                                 fixed-length runs; 11–13 minutes on a machine a third as fast)
 *   node bench/run.mjs --quick    smoke run: fewer rounds, short runs, small data;
 *                                 writes bench/results/latest-quick.json instead,
 *                                 so a smoke run never overwrites real numbers
 *   node bench/run.mjs --only W2  only the listed workload ids or groups
 *                                 (comma-separated; e.g. W3, W2-latency, INFER, GEMM, G512-AtB);
 *                                 writes bench/results/latest-only.json, so a partial run
 *                                 never replaces the full results the README's numbers
 *                                 come from (npm run bench:readme)
 *   node bench/run.mjs --node 24  the same run under the pinned Node 24 (or 22, 26) that
 *                                 `node scripts/node-versions.mjs install` puts in
 *                                 .cache/node-versions: this process re-runs bench/run.mjs with
 *                                 that binary, and a full run's results go to latest-node24.json,
 *                                 next to, never over, latest.json (--quick and --only runs write
 *                                 their usual files). Combines with the other flags
 *                                 (npm run bench -- --node 24 --quick). `node bench/compare-runs.mjs`
 *                                 then prints latest.json and latest-node24.json side by side
 *
 * Exits non-zero if any contender's loss is not finite or did not fall, or a
 * GEMM result is wrong. Build first (`npm run build`): this measures build/,
 * not src/, and warns when sources are newer than the build.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { installedNodes, PINNED_NODE_VERSIONS } from '../scripts/node-versions.mjs';
import { runInterleaved } from './harness.mjs';
import { initJax } from './jax-contenders.mjs';
import { initOrt } from './onnx-contenders.mjs';
import { measurePeak } from './peak.mjs';
import { buildInfo, footerLines, machineInfo, markdownTable, staleSources, tableRows, writeJson } from './report.mjs';
import { initTfjs } from './tfjs-contenders.mjs';
import { WORKLOADS } from './workloads.mjs';

const SETTINGS = {
  // ≥ 5 rounds so the median can shrug off two disturbed runs; ≥ 0.3 s per run so
  // timer resolution, the fitSync call overhead and one GC pause stay in the noise.
  full: { rounds: 9, minRunMs: 500, warmupMs: 300 },
  quick: { rounds: 3, minRunMs: 40, warmupMs: 20 },
};
/** The peak loops are short and steady: a fraction of a second per run is plenty. */
const PEAK_SETTINGS = {
  full: { rounds: 7, minRunMs: 200, warmupMs: 100 },
  quick: { rounds: 3, minRunMs: 40, warmupMs: 20 },
};

const selected = (w, only) => !only || only.includes(w.id) || only.includes(w.group);

const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const PINNED_MAJORS = PINNED_NODE_VERSIONS.map((v) => Number(v.split('.')[0]));

function parseNode(value) {
  const major = Number(value);
  if (!PINNED_MAJORS.includes(major)) {
    throw new Error(`bench/run.mjs: --node ${JSON.stringify(value ?? '')}: not a pinned Node major (known: ${PINNED_MAJORS.join(', ')}; see scripts/node-versions.mjs)`);
  }
  return major;
}

function parseArgs(argv) {
  const args = { quick: false, only: null, node: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) args.only = a.slice('--only='.length).split(',').filter(Boolean);
    else if (a === '--node') args.node = parseNode(argv[++i]);
    else if (a.startsWith('--node=')) args.node = parseNode(a.slice('--node='.length));
    else throw new Error(`bench/run.mjs: unknown argument ${JSON.stringify(a)} (known: --quick, --only W1,W2, --node 24)`);
  }
  if (args.only) {
    const unknown = args.only.filter((id) => !WORKLOADS.some((w) => selected(w, [id])));
    if (unknown.length) {
      const known = [...new Set(WORKLOADS.flatMap((w) => [w.group, w.id]).filter(Boolean))];
      throw new Error(`bench/run.mjs: unknown workload(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
    }
  }
  return args;
}

/**
 * --node N under another Node: runs this script again with the pinned binary (same arguments; the
 * child, finding itself on N, measures) and exits with its status. Returns false when already on N.
 */
function reexecUnder(major) {
  if (major === NODE_MAJOR) return false;
  const pinned = installedNodes().find((n) => Number(n.version.split('.')[0]) === major);
  if (!pinned) {
    throw new Error(`bench/run.mjs: Node ${major} is not installed in .cache/node-versions: run \`node scripts/node-versions.mjs install\` first`);
  }
  console.error(`bench/run.mjs: re-running under Node ${pinned.version} (${pinned.path})`);
  const child = spawnSync(pinned.path, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (child.error) throw child.error;
  process.exitCode = child.status ?? 1;
  return true;
}

/**
 * results/latest.json, latest-nodeN.json for a full --node N run, or the smoke and partial runs'
 * latest-quick.json / latest-only.json whatever the Node (they record it; git ignores them).
 */
function resultsFile(args) {
  const name = args.quick ? 'latest-quick' : args.only ? 'latest-only' : args.node ? `latest-node${args.node}` : 'latest';
  return fileURLToPath(new URL(`results/${name}.json`, import.meta.url));
}

async function runWorkload(workload, settings, quick, peak) {
  // setup may be async (onnxruntime-web's sessions are created asynchronously).
  const { workPerRep, dataLabel, contenders } = await workload.setup({ quick, peak });
  console.error(`${workload.id}: ${workload.title} (${dataLabel}), contenders: ${contenders.map((c) => c.name).join(', ')}`);
  const own = { ...settings, ...(quick ? workload.quickSettings : workload.settings) };
  try {
    const measured = await runInterleaved(contenders, { workPerRep, ...own, log: (line) => console.error(line) });
    console.error(`  ${workload.checkLabel} after the first rep (parity): ` +
      measured.map((c) => `${c.name} ${c.checkAfterFirstRep}`).join(', '));
    // Reference contenders (the peak loop in GEMM rounds) are measured alongside but are no rows and no checks.
    const shown = measured.filter((_, i) => !contenders[i].reference);
    const references = measured.filter((_, i) => contenders[i].reference);
    const { failures, warnings } = workload.verify(shown);
    return {
      id: workload.id, group: workload.group, table: workload.table, title: workload.title, unit: workload.unit,
      display: workload.display ?? 'rate', baseline: workload.baseline, ratios: workload.ratios,
      checkLabel: workload.checkLabel, checkStyle: workload.checkStyle, repLabel: workload.repLabel,
      dataLabel, workPerRep, settings: own,
      contenders: shown, references, failures, warnings,
    };
  } finally {
    for (const c of contenders) await c.dispose(); // onnxruntime-web's release is async
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (args.node && reexecUnder(args.node)) return;
  // Imported here, not at the top: a --node parent never loads the library or measures anything.
  const { init } = await import('../build/index.node.js');
  const mode = args.quick ? 'quick' : 'full';
  const settings = SETTINGS[mode];
  // --quick leaves out entries marked inQuick: false (the big GEMMs) unless named by id.
  const workloads = WORKLOADS.filter((w) => selected(w, args.only) && (!args.quick || w.inQuick !== false || args.only?.includes(w.id)));
  // Default options: one thread. (The runtime may offer a worker pool; this bench compares single-threaded
  // code, as tfjs-backend-wasm runs single-threaded in Node, so it reports the count instead of assuming it.)
  const info = await init();
  const wasmgradThreads = info.threads ?? 1;
  // Where init() loaded the relaxed-SIMD build (Node 22+), its GEMM is set against the relaxed_madd peak.
  const relaxed = info.features?.relaxedSimd === true;
  const tfjs = await initTfjs();
  console.error(`tfjs ${tfjs.version}: backend ${tfjs.backend}, ${tfjs.binary}, ${tfjs.threads} thread(s)`);
  const ort = await initOrt();
  console.error(`onnxruntime-web ${ort.version}: wasm execution provider, ${ort.binary}, ${ort.threads} thread(s)`);
  const jax = await initJax();
  console.error(jax.available ? `jax-js ${jax.version}: ${jax.device} device, ${jax.threads} thread(s)` : jax.reason);

  const build = buildInfo(relaxed ? 'wasmgrad-relaxed.wasm' : 'wasmgrad.wasm'); // read before measuring: build/ may be rebuilt under a long run
  const stale = staleSources();
  const started = Date.now();
  let peak = null;
  if (workloads.some((w) => w.table === 'gemm')) {
    console.error(`Peak: f32x4 ${relaxed ? 'relaxed_madd' : 'mul+add'}, 8/10/12 accumulators (bench/peak.ts, compiled now)`);
    peak = await measurePeak({ ...PEAK_SETTINGS[mode], relaxed, log: (line) => console.error(line) });
  }
  const results = [];
  for (const w of workloads) results.push(await runWorkload(w, settings, args.quick, peak));
  const rows = tableRows(results);
  const machine = machineInfo();
  const date = new Date().toISOString();
  const table = markdownTable(rows);
  const failures = results.flatMap((r) => r.failures);
  const warnings = [
    ...(jax.available ? [] : [jax.reason]),
    ...stale.map((f) => `${f} is newer than build/: run \`npm run build\` first, or this measured older code`),
    ...results.flatMap((r) => r.warnings),
  ];
  const durationS = (Date.now() - started) / 1000;
  const summary = {
    date, machine, build, wasmgradThreads, tfjs, ort, jax, peak, mode, settings, durationS,
    rows, workloads: results, failures, warnings, markdown: table,
  };

  console.log(`\n## wasmgrad benchmark${args.quick ? ' (--quick smoke run, not representative)' : ''}\n`);
  console.log(table);
  console.log('');
  for (const line of footerLines(summary)) console.log(line);
  for (const w of warnings) console.log(`Warning: ${w}`);

  const file = resultsFile(args);
  writeJson(file, summary);
  console.log(`Wrote ${file}${args.quick || args.only || args.node ? '' : '; `npm run bench:readme` copies its numbers into README.md'}`);

  if (failures.length) {
    console.error(`\nBENCH FAILED: ${failures.length} check(s) failed:`);
    for (const f of failures) console.error(`  - ${f}`);
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
