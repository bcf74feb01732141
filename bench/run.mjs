#!/usr/bin/env node
/**
 * `npm run bench`: trains every workload in bench/workloads.mjs with every
 * contender, interleaved round by round, prints a markdown table with the
 * machine and date, and writes the same to bench/results/latest.json.
 *
 *   node bench/run.mjs            full run (~1–3 minutes)
 *   node bench/run.mjs --quick    smoke run: fewer rounds, short runs, small data;
 *                                 writes bench/results/latest-quick.json instead,
 *                                 so a smoke run never overwrites real numbers
 *   node bench/run.mjs --only W2  only the listed workload ids (comma-separated)
 *
 * Exits non-zero if any contender's loss is not finite or did not fall.
 * Build first (`npm run build`): this measures build/, not src/.
 */
import { fileURLToPath } from 'node:url';
import { init } from '../build/index.js';
import { runInterleaved } from './harness.mjs';
import { buildInfo, machineInfo, markdownTable, tableRows, writeJson } from './report.mjs';
import { WORKLOADS } from './workloads.mjs';

const SETTINGS = {
  // ≥ 5 rounds so the median can shrug off two disturbed runs; ≥ 0.3 s per run so
  // timer resolution, the fitSync call overhead and one GC pause stay in the noise.
  full: { rounds: 9, minRunMs: 500, warmupMs: 300 },
  quick: { rounds: 3, minRunMs: 40, warmupMs: 20 },
};

function parseArgs(argv) {
  const args = { quick: false, only: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') args.quick = true;
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a.startsWith('--only=')) args.only = a.slice('--only='.length).split(',').filter(Boolean);
    else throw new Error(`bench/run.mjs: unknown argument ${JSON.stringify(a)} (known: --quick, --only W1,W2)`);
  }
  if (args.only) {
    const unknown = args.only.filter((id) => !WORKLOADS.some((w) => w.id === id));
    if (unknown.length) throw new Error(`bench/run.mjs: unknown workload(s) ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
  }
  return args;
}

function runWorkload(workload, settings, quick) {
  const { workPerRep, dataLabel, contenders } = workload.setup({ quick });
  console.error(`${workload.id}: ${workload.title} (${dataLabel}), contenders: ${contenders.map((c) => c.name).join(', ')}`);
  const own = { ...settings, ...(quick ? {} : workload.settings) };
  try {
    const measured = runInterleaved(contenders, { workPerRep, ...own, log: (line) => console.error(line) });
    console.error(`  ${workload.checkLabel} after the first rep (parity): ` +
      measured.map((c) => `${c.name} ${c.checkAfterFirstRep}`).join(', '));
    const { failures, warnings } = workload.verify(measured);
    return {
      id: workload.id, title: workload.title, unit: workload.unit, baseline: workload.baseline,
      checkLabel: workload.checkLabel, repLabel: workload.repLabel, dataLabel, workPerRep, settings: own,
      contenders: measured, failures, warnings,
    };
  } finally {
    for (const c of contenders) c.dispose();
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const settings = args.quick ? SETTINGS.quick : SETTINGS.full;
  const workloads = WORKLOADS.filter((w) => !args.only || args.only.includes(w.id));
  await init();

  const build = buildInfo(); // read before measuring: build/ may be rebuilt under a long run
  const started = Date.now();
  const results = workloads.map((w) => runWorkload(w, settings, args.quick));
  const rows = tableRows(results);
  const machine = machineInfo();
  const date = new Date().toISOString();
  const table = markdownTable(rows);
  const failures = results.flatMap((r) => r.failures);
  const warnings = results.flatMap((r) => r.warnings);

  console.log(`\n## wasmgrad benchmark${args.quick ? ' (--quick smoke run, not representative)' : ''}\n`);
  console.log(table);
  console.log(`\nMachine: ${machine.os}, ${machine.cpu} (${machine.logicalCpus} logical CPUs, ${machine.memoryGiB} GiB), Node ${machine.node}`);
  console.log(`Date: ${date}; ${[...new Set(results.map((r) => r.settings.rounds))].join('/')} interleaved rounds per workload, median over rounds, ` +
    `min–max across rounds; ratio = median / median of the baseline; took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`Build: commit ${build.commit?.slice(0, 12) ?? 'unknown'}, build/wasmgrad.wasm sha256 ${build.wasmSha256.slice(0, 12)} built ${build.wasmBuilt}`);
  for (const w of warnings) console.log(`Warning: ${w}`);

  const file = fileURLToPath(new URL(`results/${args.quick ? 'latest-quick' : 'latest'}.json`, import.meta.url));
  writeJson(file, {
    date, machine, build, mode: args.quick ? 'quick' : 'full', settings,
    durationS: (Date.now() - started) / 1000,
    rows, workloads: results, failures, warnings, markdown: table,
  });
  console.log(`Wrote ${file}`);

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
