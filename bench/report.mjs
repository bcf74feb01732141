/**
 * Turning results into the markdown table printed on the console and the
 * JSON file kept in bench/results/ (same numbers in both).
 */
import os from 'node:os';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatRate } from './harness.mjs';

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
export function buildInfo() {
  const wasm = new URL('../build/wasmgrad.wasm', import.meta.url);
  let commit = null;
  try {
    commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: new URL('..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch { /* not a git checkout: fine */ }
  return {
    commit,
    wasmSha256: createHash('sha256').update(readFileSync(wasm)).digest('hex'),
    wasmBuilt: statSync(wasm).mtime.toISOString(),
  };
}

const formatCheck = (v) => (Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v));

/**
 * One row per (workload, contender).
 * @param workloads [{ id, title, unit, baseline, checkLabel, repLabel, dataLabel,
 *   contenders: [{ name, median, min, max, checkBefore, checkAfter, totalReps }] }]
 */
export function tableRows(workloads) {
  return workloads.flatMap((w) => {
    const base = w.contenders.find((c) => c.name === w.baseline);
    return w.contenders.map((c) => ({
      workload: w.id,
      description: `${w.title} (${w.dataLabel})`,
      contender: c.name,
      unit: w.unit,
      median: c.median,
      min: c.min,
      max: c.max,
      ratioToBaseline: base ? c.median / base.median : null,
      baseline: w.baseline,
      checkLabel: w.checkLabel,
      checkBefore: c.checkBefore,
      checkAfter: c.checkAfter,
      totalReps: c.totalReps,
      repLabel: w.repLabel,
    }));
  });
}

export function markdownTable(rows) {
  const units = [...new Set(rows.map((r) => r.unit))];
  const baselines = [...new Set(rows.map((r) => r.baseline))];
  const checks = [...new Set(rows.map((r) => r.checkLabel))];
  // Shared units go in the header; mixed ones (e.g. samples/s next to GFLOP/s) go in the cells.
  const unitInCell = units.length > 1;
  const header = [
    'Workload', 'Contender',
    unitInCell ? 'Median' : `Median ${units[0]}`, 'Min–max',
    baselines.length === 1 ? `vs ${baselines[0]}` : 'vs baseline',
    checks.length === 1 ? `${checks[0].replace(/^./, (s) => s.toUpperCase())} before → after` : 'Check before → after',
  ];
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${['---', '---', '---:', '---:', '---:', '---'].join(' | ')} |`,
  ];
  for (const r of rows) {
    const suffix = unitInCell ? ` ${r.unit}` : '';
    lines.push(`| ${[
      `${r.workload}: ${r.description}`,
      r.contender,
      `${formatRate(r.median)}${suffix}`,
      `${formatRate(r.min)}–${formatRate(r.max)}`,
      r.ratioToBaseline === null ? 'n/a' : `${r.ratioToBaseline.toFixed(2)}×`,
      // Contenders run different numbers of reps (each run is sized to its speed), so say how many.
      `${formatCheck(r.checkBefore)} → ${formatCheck(r.checkAfter)} (${r.totalReps} ${r.repLabel}s)`,
    ].join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Writes via a .tmp file and a rename, so an interrupted run never leaves half a JSON file. */
export function writeJson(path, value) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}
