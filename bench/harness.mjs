/**
 * A small interleaved benchmark harness.
 *
 * Why not tinybench's Bench: it measures one task to completion before the
 * next, so on a noisy shared machine a slow minute (another tenant, thermal
 * throttling, a GC storm) lands on one contender and skews the ratio. Here
 * each round times every contender once, back to back, so drift hits all of
 * them alike; the median over rounds then discards the odd disturbed run.
 * (Its default of at least 64 iterations per task would also mean ~100 s for
 * one slow contender's epoch-long iterations on W2.)
 *
 * Each contender gets its own reps per timed run (enough for its run to last
 * at least `minRunMs`), so a contender 30× slower than the fastest does not
 * stretch every round 30×. Because every contender's first rep starts from
 * the same state, the check value after that rep is recorded too: it should
 * agree across contenders that compute the same thing (a cheap parity check).
 */
import { performance } from 'node:perf_hooks';

/**
 * The number after `--name` on the command line, or `fallback` when absent; exits naming the option when what
 * follows is not a finite number (`--rounds x` would otherwise run zero rounds and print NaN).
 */
export function numberOption(name, fallback, args = process.argv.slice(2)) {
  const at = args.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(args[at + 1]);
  if (args[at + 1] === undefined || args[at + 1] === '' || !Number.isFinite(value)) {
    console.error(`--${name} takes a number, got ${JSON.stringify(args[at + 1])}`);
    process.exit(2);
  }
  return value;
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Times one call. `run` may return a promise (TensorFlow.js's model.fit is
 * async) and is awaited; for a synchronous run the await costs one microtask,
 * nothing next to a run of ≥ 100 ms.
 */
async function timed(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * @param {{ name: string, run(reps: number): void | Promise<void>, check(): number | Promise<number>, workPerRep?: number }[]} contenders
 *   (a contender's own workPerRep, when its rep does a different amount of work from the others')
 * @param {object} o
 * @param {number} o.workPerRep units of work (e.g. samples) one rep does, for the rate
 * @param {number} o.rounds timed rounds; each runs every contender once
 * @param {number} o.minRunMs each contender's timed run lasts at least about this
 * @param {number} o.warmupMs untimed warm-up per contender (JIT tiers, caches) before the rounds, first rep included
 * @param {(line: string) => void} [o.log]
 * @returns per contender: rates (work/s, one per round), median/min/max, reps per run,
 *   total reps, and the check value before, after the first rep, and after everything
 */
export async function runInterleaved(contenders, { workPerRep, rounds, minRunMs, warmupMs, log = () => {} }) {
  // check() may be async (a contender in a child process).
  const state = [];
  for (const c of contenders) state.push({ name: c.name, checkBefore: await c.check() });

  // Calibrate on one rep each, then warm up for warmupMs and size the timed runs from the
  // warm per-rep time (the first rep still includes compilation, so it overestimates).
  for (const [i, c] of contenders.entries()) {
    const s = state[i];
    const oneRep = await timed(() => c.run(1));
    s.checkAfterFirstRep = await c.check();
    // The first rep counts towards the warm-up: a contender whose one rep already outlasts warmupMs
    // (a multi-second epoch) gets no extra warm-up reps, and is sized from that first rep.
    s.warmReps = Math.max(0, Math.ceil((warmupMs - oneRep) / oneRep));
    const perRep = s.warmReps ? (await timed(() => c.run(s.warmReps))) / s.warmReps : oneRep;
    s.reps = Math.max(1, Math.ceil(minRunMs / perRep));
    s.estimateMs = s.reps * perRep;
  }
  const estimateS = (rounds * state.reduce((sum, s) => sum + s.estimateMs, 0)) / 1000;
  log(`  reps per timed run: ${state.map((s) => `${s.name} ${s.reps}`).join(', ')}; ~${estimateS.toFixed(0)} s for ${rounds} rounds`);

  const rates = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    // Rotate who goes first so no contender always follows the same one (GC debt, cache state).
    for (let i = 0; i < contenders.length; i++) {
      const c = (r + i) % contenders.length;
      const ms = await timed(() => contenders[c].run(state[c].reps));
      rates[c].push((state[c].reps * (contenders[c].workPerRep ?? workPerRep)) / (ms / 1000));
    }
    log(`  round ${r + 1}/${rounds}: ${contenders.map((c, i) => `${c.name} ${formatRate(rates[i][r])}`).join(', ')}`);
  }

  const checksAfter = [];
  for (const c of contenders) checksAfter.push(await c.check());
  return contenders.map((c, i) => {
    const { name, checkBefore, checkAfterFirstRep, reps, warmReps } = state[i];
    return {
      name,
      rates: rates[i],
      median: median(rates[i]),
      min: Math.min(...rates[i]),
      max: Math.max(...rates[i]),
      repsPerRun: reps,
      totalReps: 1 + warmReps + rounds * reps,
      checkBefore,
      checkAfterFirstRep,
      checkAfter: checksAfter[i],
    };
  });
}

/** 1234567 → "1,234,567"; small rates keep three significant digits. */
export function formatRate(rate) {
  if (!Number.isFinite(rate)) return String(rate);
  if (rate >= 100) return Math.round(rate).toLocaleString('en-US');
  return rate.toPrecision(3);
}
