/**
 * The f32x4 multiply-add peak, measured in the same run as the GEMM rows it
 * scales: bench/peak.ts is compiled with the repo's own AssemblyScript on every
 * bench start (it takes about a second), so the peak always comes from the
 * same compiler, V8, CPU and machine load as the numbers it is compared with,
 * and no stale binary can be measured by mistake.
 */
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import asc from 'assemblyscript/asc';
import { runInterleaved } from './harness.mjs';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
export const PEAK_WASM = fileURLToPath(new URL('results/peak.wasm', import.meta.url));
/** The same loops compiled with --enable relaxed-simd: each step one f32x4.relaxed_madd (bench/peak.ts). */
export const PEAK_RELAXED_WASM = fileURLToPath(new URL('results/peak-relaxed.wasm', import.meta.url));

/**
 * Every variant does the same accumulator steps per rep (iterations × N is
 * constant), so one work-per-rep serves all three: 62.9 MFLOP per rep.
 */
const STEPS_PER_REP = 7_864_320; // divisible by 8, 10 and 12
const VARIANTS = [8, 10, 12].map((n) => ({ n, name: `${n} accumulators`, fn: `peak${n}`, iters: STEPS_PER_REP / n }));
export const PEAK_NAME = 'f32x4 peak';
export const PEAK_RELAXED_NAME = 'f32x4 relaxed_madd peak';
const GFLOP_PER_REP = (STEPS_PER_REP * 8) / 1e9; // 4 lanes × (mul + add) per step

async function compilePeak(relaxed) {
  // --baseDir bench: asc would otherwise pick up the repo's asconfig.json and
  // compile all of assembly/ into peak.wasm as well.
  const args = ['--baseDir', BENCH_DIR, 'peak.ts', '-o', relaxed ? PEAK_RELAXED_WASM : PEAK_WASM, '--runtime', 'stub', '--enable', 'simd', '-O3',
    ...(relaxed ? ['--enable', 'relaxed-simd'] : [])];
  let log = '';
  const sink = { write(s) { log += s; return true; } };
  const { error } = await asc.main(args, { stdout: sink, stderr: sink });
  if (error) throw new Error(`bench/peak.ts did not compile: ${error.message}\n${log}`);
}

/**
 * Compiles and measures; returns { gflops (best variant's median), variants: [...] }.
 * Each rep is a fixed number of loop iterations; the harness sizes and interleaves the runs.
 * `relaxed`: the relaxed_madd loops (needs an engine with relaxed SIMD: Node 22 or later).
 */
export async function measurePeak({ rounds, minRunMs, warmupMs, log = () => {}, relaxed = false }) {
  await compilePeak(relaxed);
  const { instance } = await WebAssembly.instantiate(readFileSync(relaxed ? PEAK_RELAXED_WASM : PEAK_WASM));
  instance.exports.fill();
  let sink = 0;
  const contenders = VARIANTS.map((v) => {
    const fn = instance.exports[v.fn];
    return {
      name: v.name,
      run(reps) { for (let r = 0; r < reps; r++) sink += fn(v.iters); },
      check: () => sink,
    };
  });
  const measured = await runInterleaved(contenders, { workPerRep: GFLOP_PER_REP, rounds, minRunMs, warmupMs, log });
  if (!Number.isFinite(sink)) throw new Error(`peak loops produced ${sink}`);
  const variants = measured.map((m) => ({ name: m.name, median: m.median, min: m.min, max: m.max, rates: m.rates }));
  const bestIndex = variants.reduce((b, v, i) => (v.median > variants[b].median ? i : b), 0);
  const best = variants[bestIndex];
  const { fn, n } = VARIANTS[bestIndex];
  return {
    gflops: best.median, best: best.name, variants, relaxed, wasm: relaxed ? PEAK_RELAXED_WASM : PEAK_WASM,
    /**
     * The best variant as a contender doing `gflopPerRep` GFLOP per rep, to run inside another
     * workload's rounds: a shared machine's speed drifts over minutes, so a GEMM's "% of peak" is
     * taken against the peak measured in the same rounds, not against the one from startup.
     */
    contender(gflopPerRep) {
      const iters = Math.max(1, Math.round((gflopPerRep * 1e9) / (n * 8))); // rounding: < 1e-4 of the work
      const run = instance.exports[fn];
      return {
        name: relaxed ? PEAK_RELAXED_NAME : PEAK_NAME,
        reference: true,
        run(reps) { for (let r = 0; r < reps; r++) sink += run(iters); },
        check: () => sink,
        dispose() {},
      };
    },
  };
}
