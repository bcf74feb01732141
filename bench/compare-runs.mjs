#!/usr/bin/env node
/**
 * Two results files side by side, e.g. the machine's Node against the pinned
 * Node 24 (`npm run bench` then `npm run bench -- --node 24`):
 *
 *   node bench/compare-runs.mjs                          results/latest.json vs results/latest-node24.json
 *   node bench/compare-runs.mjs A.json B.json            any two files
 *   node bench/compare-runs.mjs --only W2-predict,I784-b1
 *
 * Prints one markdown row per (workload, contender) found in both: each
 * run's median, B/A, and each run's in-run ratio columns. The runs were
 * measured at different times on a shared machine, so B/A carries the drift
 * between them; the "vs X" ratios, measured side by side within one run, are
 * the numbers to compare.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatRate } from './harness.mjs';
import { tableRows } from './report.mjs';

const resultsPath = (name) => fileURLToPath(new URL(`results/${name}`, import.meta.url));

function parseArgs(argv) {
  const files = [];
  let only = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (argv[i].startsWith('--')) throw new Error(`bench/compare-runs.mjs: unknown argument ${argv[i]} (known: A.json B.json, --only W1,W2)`);
    else files.push(argv[i]);
  }
  if (files.length !== 0 && files.length !== 2) throw new Error('bench/compare-runs.mjs: give two results files, or none');
  return { files: files.length ? files : [resultsPath('latest.json'), resultsPath('latest-node24.json')], only };
}

const ratioText = (ratios) => Object.entries(ratios).filter(([, v]) => Number.isFinite(v))
  .map(([label, v]) => `${label} ${v.toPrecision(3)}×`).join(', ') || '–';

function main() {
  const { files, only } = parseArgs(process.argv.slice(2));
  const [a, b] = files.map((f) => JSON.parse(readFileSync(f, 'utf8')));
  const [rowsA, rowsB] = [a, b].map((r) => tableRows(r.workloads));
  const nodeA = a.machine.node, nodeB = b.machine.node;
  console.log(`A: ${files[0]} (${a.mode}, Node ${nodeA}, ${a.date})`);
  console.log(`B: ${files[1]} (${b.mode}, Node ${nodeB}, ${b.date})\n`);
  console.log(`| Workload | Contender | A median | B median | B/A | A: in-run ratios | B: in-run ratios |`);
  console.log('| --- | --- | ---: | ---: | ---: | --- | --- |');
  for (const ra of rowsA) {
    if (only && !only.includes(ra.workload)) continue;
    const rb = rowsB.find((r) => r.workload === ra.workload && r.contender === ra.contender);
    const value = (r) => (r ? (r.latencyUs ? `${r.latencyUs.median.toPrecision(3)} µs` : `${formatRate(r.median)} ${r.unit}`) : 'not run');
    console.log(`| ${ra.workload} | ${ra.contender} | ${value(ra)} | ${value(rb)} | ${rb ? `${(rb.median / ra.median).toFixed(2)}×` : 'n/a'} | ${ratioText(ra.ratios)} | ${rb ? ratioText(rb.ratios) : '–'} |`);
  }
  for (const rb of rowsB) {
    if ((only && !only.includes(rb.workload)) || rowsA.some((r) => r.workload === rb.workload && r.contender === rb.contender)) continue;
    console.log(`| ${rb.workload} | ${rb.contender} | not run | ${formatRate(rb.median)} ${rb.unit} | n/a | – | ${ratioText(rb.ratios)} |`);
  }
}

try {
  main();
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
}
