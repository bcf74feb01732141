/**
 * Turning results into the markdown table printed on the console and the
 * JSON file kept in bench/results/ (same numbers in both).
 */
import os from 'node:os';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatRate, median } from './harness.mjs';
import { PEAK_NAME, PEAK_RELAXED_NAME } from './peak.mjs';

export function machineInfo() {
  const cpus = os.cpus();
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    logicalCpus: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    v8: process.versions.v8,
  };
}

/**
 * Which code was measured: build/ is rebuilt by hand (and by `npm test`), so
 * the commit alone does not say; the wasm's hash and build time do.
 */
export function buildInfo(file = 'wasmgrad.wasm') {
  const wasm = new URL(`../build/${file}`, import.meta.url);
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch { /* not a git checkout: fine */ }
  return {
    commit,
    wasmFile: file,
    wasmSha256: createHash('sha256').update(readFileSync(wasm)).digest('hex'),
    wasmBuilt: statSync(wasm).mtime.toISOString(),
  };
}

/**
 * Sources newer than the build they should be in: the kernels change under
 * this bench (others edit assembly/ and src/), and a stale build/ measures old
 * code while looking current. Returns the paths, relative to the repo.
 */
export function staleSources() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const newest = (dir, built) => readdirSync(join(root, dir), { recursive: true })
    .filter((f) => f.endsWith('.ts') && statSync(join(root, dir, f)).mtimeMs > built)
    .map((f) => join(dir, f));
  try {
    return [
      ...newest('assembly', statSync(join(root, 'build/wasmgrad.wasm')).mtimeMs),
      ...newest('src', statSync(join(root, 'build/index.js')).mtimeMs),
    ];
  } catch {
    return [];
  }
}

const formatCheck = (v) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));
/** Ratios span 1e-4 to 1e4 here (tfjs fit at batch 1): keep two significant digits at least, no 0.00×. */
function formatRatio(r) {
  if (r >= 100) return `${Math.round(r).toLocaleString('en-US')}×`;
  if (r >= 0.1) return `${r.toFixed(2)}×`;
  return `${r.toPrecision(2)}×`;
}
const formatError = (v) => (Number.isFinite(v) ? v.toExponential(1) : String(v));

/** The printed tables, in order, and what their value column holds. */
const TABLES = [
  { key: 'training', heading: 'Training throughput' },
  { key: 'inference', heading: 'Inference (throughput in samples/s; latency rows in µs per predict, lower is better)' },
  { key: 'gemm', heading: 'GEMM, f32 row-major C = op(A)·op(B), one thread' },
];

/**
 * One row per (workload, contender). Rates stay work/s everywhere (ratios are
 * median rate over the reference's median rate, so > 1 always means faster);
 * latency rows also carry the per-round latencies, in µs, for display. A
 * ratio against a workload not in the run (--only) is null, shown n/a.
 * GEMM rows' % of peak divides by the peak loop measured in the same rounds
 * (the workload's `references`), so machine drift cannot push it past 100%.
 * @param workloads results from run.mjs (see workloads.mjs for the fields)
 */
export function tableRows(workloads) {
  return workloads.flatMap((w) => {
    // A ratio entry may name a contender of another workload of the same run ({ workload, contender }).
    const medianOf = (name, id = w.id) => workloads.find((o) => o.id === id)?.contenders.find((c) => c.name === name)?.median;
    // The relaxed builds' GEMM is set against the relaxed_madd loop, the baseline's against mul+add.
    const peak = w.references?.find((c) => c.name === PEAK_NAME || c.name === PEAK_RELAXED_NAME)?.median;
    return w.contenders.map((c) => {
      const latencies = w.display === 'latency' ? c.rates.map((r) => 1e6 / r) : null;
      return {
        table: w.table,
        workload: w.id,
        description: `${w.title} (${w.dataLabel})`,
        contender: c.name,
        unit: w.unit,
        median: c.median,
        min: c.min,
        max: c.max,
        latencyUs: latencies && { median: median(latencies), min: Math.min(...latencies), max: Math.max(...latencies) },
        ratios: Object.fromEntries((w.ratios ?? []).map((r) => {
          const ref = medianOf(r.contender, r.workload);
          return [r.label, ref ? c.median / ref : null];
        })),
        percentOfPeak: w.unit === 'GFLOP/s' && peak ? (100 * c.median) / peak : null,
        peakGflops: peak ?? null,
        baseline: w.baseline,
        checkLabel: w.checkLabel,
        checkStyle: w.checkStyle,
        checkBefore: c.checkBefore,
        checkAfter: c.checkAfter,
        totalReps: c.totalReps,
        repLabel: w.repLabel,
      };
    });
  });
}

function valueCells(r) {
  if (r.latencyUs) {
    const f = (v) => `${v.toPrecision(3)} µs`;
    return [f(r.latencyUs.median), `${f(r.latencyUs.min)}–${f(r.latencyUs.max)}`];
  }
  const suffix = r.table === 'inference' ? ` ${r.unit}` : '';
  return [`${formatRate(r.median)}${suffix}`, `${formatRate(r.min)}–${formatRate(r.max)}`];
}

function checkCell(r) {
  if (r.checkStyle === 'after') return r.checkLabel === 'max rel err' ? formatError(r.checkAfter) : formatCheck(r.checkAfter);
  // Contenders run different numbers of reps (each run is sized to its speed), so say how many.
  return `${formatCheck(r.checkBefore)} → ${formatCheck(r.checkAfter)} (${r.totalReps} ${r.repLabel}s)`;
}

function oneTable(rows) {
  const ratioLabels = [...new Set(rows.flatMap((r) => Object.keys(r.ratios)))];
  const withPeak = rows.some((r) => r.percentOfPeak !== null);
  const units = [...new Set(rows.map((r) => r.unit))];
  const checkLabel = rows[0].checkLabel.replace(/^./, (ch) => ch.toUpperCase());
  const header = [
    'Workload', 'Contender', rows[0].table === 'inference' ? 'Median' : `Median ${units[0]}`, 'Min–max',
    ...(withPeak ? ['% of peak'] : []), ...ratioLabels,
    rows[0].checkStyle === 'after' ? checkLabel : `${checkLabel} before → after`,
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i < 2 || i === header.length - 1 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const r of rows) {
    lines.push(`| ${[
      `${r.workload}: ${r.description}`, r.contender, ...valueCells(r),
      ...(withPeak ? [r.percentOfPeak === null ? 'n/a' : `${r.percentOfPeak.toFixed(1)}%`] : []),
      ...ratioLabels.map((l) => (r.ratios[l] == null ? 'n/a' : formatRatio(r.ratios[l]))),
      checkCell(r),
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The tables that have rows, each under a heading, separated by blank lines. */
export function markdownTable(rows) {
  return TABLES.filter((t) => rows.some((r) => r.table === t.key))
    .map((t) => `### ${t.heading}\n\n${oneTable(rows.filter((r) => r.table === t.key))}`)
    .join('\n\n');
}

/**
 * The lines printed under the tables (machine, date, threads, peak, build),
 * from the results object run.mjs writes to bench/results/*.json, so the
 * console and the README (bench/readme.mjs) say the same from the same file.
 * @param result `{ date, machine, build, wasmgradThreads, tfjs, peak, durationS, workloads }`
 */
export function footerLines(result) {
  const { date, machine, build, wasmgradThreads, tfjs, peak, durationS, workloads } = result;
  const rounds = [...new Set(workloads.map((w) => w.settings.rounds))].sort((a, b) => b - a);
  const lines = [
    `Machine: ${machine.os}, ${machine.cpu} (${machine.logicalCpus} logical CPUs, ${machine.memoryGiB} GiB), Node ${machine.node}`,
    `Date: ${date}; ${rounds.join('/')} interleaved rounds per workload, median over rounds, ` +
      'min–max across rounds; "vs X" = median rate / X\'s median rate (> 1 is faster, latency rows included); ' +
      `took ${durationS.toFixed(1)} s`,
    `Threads: wasmgrad ${wasmgradThreads}, TensorFlow.js ${tfjs.threads} (tfjs ${tfjs.version}, ${tfjs.backend} backend, ${tfjs.binary}, setThreadsCount(1))` +
      (result.ort ? `, onnxruntime-web ${result.ort.threads} (${result.ort.version}, wasm execution provider, ${result.ort.binary}, env.wasm.numThreads = 1)` : '') +
      (result.jax?.available ? `, jax-js ${result.jax.threads} (${result.jax.version}, ${result.jax.device} device, no Worker global in Node)` : ''),
  ];
  if (result.jax && !result.jax.available) lines.push(`Not run: ${result.jax.reason}`);
  if (peak) {
    const inRounds = workloads.flatMap((w) => (w.references ?? []).filter((c) => c.name === PEAK_NAME || c.name === PEAK_RELAXED_NAME).map((c) => c.median));
    lines.push(`Peak: ${peak.gflops.toFixed(2)} GFLOP/s f32x4 ${peak.relaxed ? 'relaxed_madd (the relaxed-SIMD build is loaded)' : 'mul+add'} at startup (best of ${peak.variants.map((v) => `${v.name} ${v.median.toFixed(2)}`).join(', ')}; ` +
      `median of ${peak.variants[0].rates.length} rounds each). "% of peak" = GEMM median / the ${peak.best} loop's median re-measured in the same ` +
      `workload's rounds (${Math.min(...inRounds).toFixed(2)}–${Math.max(...inRounds).toFixed(2)} GFLOP/s across GEMM workloads)`);
  }
  lines.push(`Build: commit ${build.commit?.slice(0, 12) ?? 'unknown'}, build/${build.wasmFile ?? 'wasmgrad.wasm'} sha256 ${build.wasmSha256.slice(0, 12)} built ${build.wasmBuilt}`);
  return lines;
}

/** Writes via a .tmp file and a rename, so an interrupted run never leaves half a JSON file. */
export function writeJson(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
