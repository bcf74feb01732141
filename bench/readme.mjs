#!/usr/bin/env node
/**
 * `npm run bench:readme`: copies the benchmark's numbers from
 * bench/results/latest.json (written by a full `npm run bench`) into README.md,
 * so no number in the README is typed by hand.
 *
 *   node bench/readme.mjs           rewrite README.md in place
 *   node bench/readme.mjs --check   change nothing; exit 1 naming each marked
 *                                   number that differs from the results file
 *   --readme FILE, --results FILE   other files (the tests use these)
 *   --node24 FILE                   the Node 24 run's results (default
 *                                   bench/results/latest-node24.json, written by
 *                                   `npm run bench -- --node 24`; its tables go
 *                                   between the node24-* markers)
 *
 * In the README a generated value sits between two HTML comments, which
 * GitHub and npm do not show:
 *
 *   trains at <!-- bench:w1-rate -->20.8 M<!-- /bench:w1-rate --> samples per second
 *
 * Everything between a pair is replaced by SECTIONS[name](results); a name
 * not in SECTIONS, or an opening comment without its closing one, is an error.
 * test/readme/bench-numbers.test.ts fails when the README and the results file
 * disagree, so a new `npm run bench` must be followed by this script.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { footerLines, markdownTable, tableRows } from './report.mjs';

const WHERE = 'bench/readme.mjs';
const DEFAULT_README = fileURLToPath(new URL('../README.md', import.meta.url));
const DEFAULT_RESULTS = fileURLToPath(new URL('results/latest.json', import.meta.url));
/** The same suite under the pinned Node 24 (`npm run bench -- --node 24`): the relaxed-SIMD build and jax-js run there. */
const DEFAULT_RESULTS_NODE24 = fileURLToPath(new URL('results/latest-node24.json', import.meta.url));

/** One opening marker, its text, and the matching closing marker (same name). */
const MARKED = /<!-- bench:([a-z0-9-]+) -->([\s\S]*?)<!-- \/bench:\1 -->/g;
const OPENING = /<!-- bench:([a-z0-9-]+) -->/g;
const CLOSING = /<!-- \/bench:([a-z0-9-]+) -->/g;

/** The (workload, contender) row of the results, or an error saying the results file lacks it. */
function row(rows, workload, contender) {
  const found = rows.find((r) => r.workload === workload && r.contender === contender);
  if (!found) {
    throw new Error(`${WHERE}: the results have no "${contender}" row for ${workload}: ` +
      'README numbers come from a full `npm run bench` (not --only or --quick)');
  }
  return found;
}

function ratio(rows, workload, contender, label) {
  const value = row(rows, workload, contender).ratios[label];
  if (!Number.isFinite(value)) throw new Error(`${WHERE}: ${workload} "${contender}" has no "${label}" ratio in the results`);
  return value;
}

/** 20776305 → "20.8 M"; 77145 → "77 k"; smaller numbers as they are. */
function formatCount(value) {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} M`;
  if (value >= 1e4) return `${Math.round(value / 1e3)} k`;
  return String(Math.round(value));
}

/** Ratios in prose: two significant digits, whole numbers from 10 up (4.8×, 20×, 6,202×). */
function formatTimes(value) {
  return value >= 10 ? `${Math.round(value).toLocaleString('en-US')}×` : `${value.toFixed(1)}×`;
}

/** Ratios near 1 (a regime against another, a contender at its best): two decimals (0.85×, 1.19×). */
function formatRatio(value) {
  return `${value.toFixed(2)}×`;
}

/** Each generated section of the README, by the name its markers carry. */
export const SECTIONS = {
  // The intro's claims.
  'w1-rate': ({ rows }) => formatCount(row(rows, 'W1', 'wasmgrad wasm').median),
  'w1-vs-pure-js': ({ rows }) => formatTimes(ratio(rows, 'W1', 'wasmgrad wasm', 'vs pure JS')),
  'w1-vs-unrolled': ({ rows }) => formatTimes(ratio(rows, 'W1', 'wasmgrad wasm', 'vs pure JS 2-3-2')),
  'w2-vs-tfjs-fit': ({ rows }) => formatTimes(ratio(rows, 'W2', 'wasmgrad wasm', 'vs tfjs fit')),
  'w2-latency': ({ rows }) => `${row(rows, 'W2-latency', 'wasmgrad wasm').latencyUs.median.toPrecision(3)} µs`,
  'w2-latency-vs-tfjs': ({ rows }) => formatTimes(ratio(rows, 'W2-latency', 'wasmgrad wasm', 'vs tfjs predict')),
  'w3-threads': ({ rows }) => formatTimes(ratio(rows, 'W3', 'wasmgrad wasm, 2 threads', 'vs wasmgrad wasm')),
  'w1-small-vs-big': ({ rows }) => formatRatio(ratio(rows, 'W1-small', 'wasmgrad wasm fit', 'vs 4096 samples')),
  'w2-predict-vs-ort': ({ rows }) => formatRatio(ratio(rows, 'W2-predict', 'wasmgrad wasm', 'vs onnxruntime-web')),
  'i1024-b1-vs-ort': ({ rows }) => formatRatio(ratio(rows, 'I1024-b1', 'wasmgrad wasm', 'vs onnxruntime-web')),
  'gemm-peak': ({ rows }) => {
    const percents = rows.filter((r) => r.table === 'gemm' && r.contender === 'wasmgrad wasm').map((r) => r.percentOfPeak);
    if (!percents.length || percents.some((p) => !Number.isFinite(p))) throw new Error(`${WHERE}: the results have no GEMM rows with a % of peak`);
    return `${Math.floor(Math.min(...percents))}–${Math.ceil(Math.max(...percents))} %`;
  },
  'tfjs-transposed': ({ rows }) => {
    // TF.js's Aᵀ·B and A·Bᵀ products, which a training step's backward pass needs.
    const rates = rows.filter((r) => r.table === 'gemm' && r.contender === 'tfjs matMul' && /-(AtB|ABt)$/.test(r.workload)).map((r) => r.median);
    if (!rates.length) throw new Error(`${WHERE}: the results have no transposed tfjs matMul rows`);
    return `${Math.min(...rates).toPrecision(2)}–${Math.max(...rates).toPrecision(2)} GFLOP/s`;
  },
  machine: ({ results }) => `${results.machine.cpu}, ${results.machine.logicalCpus} logical CPUs, Node ${results.machine.node}`,
  // The benchmark section.
  duration: ({ results }) => `about ${Math.max(1, Math.round(results.durationS / 60))} minutes`,
  // Blank lines around the tables, so the markers stay HTML blocks of their own.
  tables: ({ results, rows }) => `\n\n${markdownTable(rows).replace(/^### /gm, '#### ')}\n\n${footerLines(results).join('\n')}\n\n`,
};

/** The sections rendered from the Node 24 run's results, when one is given. */
export const NODE24_SECTIONS = {
  'node24-machine': ({ results }) => `${results.machine.cpu}, ${results.machine.logicalCpus} logical CPUs, Node ${results.machine.node}`,
  'node24-tables': SECTIONS.tables,
};

/** Refuses a smoke, partial or failed run: those are not numbers to publish. */
function checkPublishable(results, what) {
  if (results?.mode !== 'full') throw new Error(`${WHERE}: ${what} are from a ${results?.mode ?? 'unknown'} run; publish only a full \`npm run bench\``);
  if (results.failures?.length) throw new Error(`${WHERE}: ${what} record failed checks (${results.failures.join('; ')}); publish only a run that passed`);
}

/**
 * The values of every section, computed from one results object (as written
 * by bench/run.mjs), and the Node 24 sections from `node24` (the results of
 * `npm run bench -- --node 24`) when given.
 */
export function sectionValues(results, node24) {
  checkPublishable(results, 'the results');
  const rows = tableRows(results.workloads);
  const values = Object.fromEntries(Object.entries(SECTIONS).map(([name, make]) => [name, make({ results, rows })]));
  if (node24 === undefined) return values;
  checkPublishable(node24, 'the Node 24 results');
  if (!/^v24\./.test(node24.machine?.node ?? '')) throw new Error(`${WHERE}: the Node 24 results were measured on Node ${node24.machine?.node}`);
  const node24Rows = tableRows(node24.workloads);
  return { ...values, ...Object.fromEntries(Object.entries(NODE24_SECTIONS).map(([name, make]) => [name, make({ results: node24, rows: node24Rows })])) };
}

/**
 * `readme` with the text between every pair of markers replaced by its
 * section's value. Throws on an unknown name or an unpaired marker.
 */
export function renderReadme(readme, results, node24) {
  const values = sectionValues(results, node24);
  const opened = [...readme.matchAll(OPENING)].map((m) => m[1]);
  const paired = [...readme.matchAll(MARKED)].map((m) => m[1]);
  const unknown = opened.filter((name) => !(name in values));
  if (unknown.length) throw new Error(`${WHERE}: unknown marker(s) ${unknown.join(', ')}; known: ${Object.keys(values).join(', ')}`);
  const closed = [...readme.matchAll(CLOSING)].map((m) => m[1]);
  const count = (list, name) => list.filter((n) => n === name).length;
  const unpaired = [...new Set([...opened, ...closed])].find((name) => count(opened, name) !== count(paired, name) || count(closed, name) !== count(paired, name));
  if (unpaired) throw new Error(`${WHERE}: <!-- bench:${unpaired} --> and <!-- /bench:${unpaired} --> do not pair up (one of them is missing or they are nested)`);
  return readme.replace(MARKED, (_, name) => `<!-- bench:${name} -->${values[name]}<!-- /bench:${name} -->`);
}

/** The marked values that differ between `readme` and what renderReadme would write: `[{ name, shown, expected }]`. */
export function staleMarkers(readme, results, node24) {
  const rendered = [...renderReadme(readme, results, node24).matchAll(MARKED)];
  return [...readme.matchAll(MARKED)]
    .map((m, i) => ({ name: m[1], shown: m[2], expected: rendered[i][2] }))
    .filter((m) => m.shown !== m.expected);
}

function parseArgs(argv) {
  const args = { check: false, readme: DEFAULT_README, results: DEFAULT_RESULTS, node24: DEFAULT_RESULTS_NODE24 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--check') args.check = true;
    else if (a === '--readme' || a === '--results' || a === '--node24') {
      if (i + 1 >= argv.length) throw new Error(`${WHERE}: ${a} needs a file`);
      args[a.slice(2)] = argv[++i];
    } else throw new Error(`${WHERE}: unknown argument ${JSON.stringify(a)} (known: --check, --readme FILE, --results FILE, --node24 FILE)`);
  }
  return args;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const readme = readFileSync(args.readme, 'utf8');
  const results = JSON.parse(readFileSync(args.results, 'utf8'));
  const node24 = existsSync(args.node24) ? JSON.parse(readFileSync(args.node24, 'utf8')) : undefined;
  if (args.check) {
    const stale = staleMarkers(readme, results, node24);
    for (const s of stale) console.error(`${args.readme}: bench:${s.name} shows ${JSON.stringify(s.shown)}, the results say ${JSON.stringify(s.expected)}`);
    if (stale.length) {
      console.error('Run `npm run bench:readme` to copy the numbers of bench/results/latest.json into the README.');
      process.exitCode = 1;
    }
    return;
  }
  const updated = renderReadme(readme, results, node24);
  if (updated === readme) console.log(`${args.readme}: the benchmark numbers already match ${args.results}`);
  else {
    writeFileSync(args.readme, updated);
    console.log(`${args.readme}: benchmark numbers updated from ${args.results} (${results.date})`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    main();
  } catch (error) {
    console.error(error.message);
    process.exitCode = 2;
  }
}
