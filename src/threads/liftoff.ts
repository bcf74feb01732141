/**
 * An engine bug the thread pool must not run into: in V8 11.3 (every Node
 * 20.x), code compiled by Liftoff, V8's baseline WebAssembly compiler, loses
 * a value held in a local across `memory.atomic.wait32`/`wait64` (it reads 0
 * afterwards). A pool worker computes its packing workspace before it waits
 * for a job (assembly/threads.ts workerLoop) and, with the workspace lost,
 * packs over the module's data and the job board: wrong results, traps, or a
 * hang. workerLoop is entered once and never returns, so it never tiers up
 * to optimized code: the default tiering hits the bug as surely as
 * `--liftoff-only` does. Fixed by V8 11.8 (Node 21), so Node 22, 24 and 26
 * are unaffected; `node --no-liftoff` avoids it on Node 20.
 *
 * The evidence (test/node-versions/): a tiny function that keeps a local
 * across a wait returns 0 under Liftoff on Node 20.19.0 and 20.20.2 (V8 11.3)
 * and the right value on Node 21.7.3 (V8 11.8), 22, 24 and 26, and always
 * under `--no-liftoff`. With the workaround the pool needs no change.
 *
 * Nothing here changes V8 flags: changing them after start-up is unsupported
 * (`v8.setFlagsFromString('--no-liftoff')` crashed Node 26 in V8's feedback
 * checks). On an affected engine the threads build runs on one thread, with
 * the same results, and says so once.
 */
import { type V8Version, v8Older } from '../platform/v8-version.js';

/** The first V8 version (major, minor) whose Liftoff keeps locals across an atomic wait: 11.3 loses them, 11.8 keeps them. */
export const LIFTOFF_WAIT_FIXED_IN_V8: V8Version = [11, 8];

/** What decides it, as the process reports it (read from `process` by {@link engineFacts}). */
export interface EngineFacts {
  /** `process.versions.v8`, undefined where the engine is not V8 (a browser, or Bun, which is not V8). */
  readonly v8?: string;
  /** `process.execArgv`: the V8 and Node options the process was started with. */
  readonly execArgv?: readonly string[];
}

/** True when `v8Version` (as `process.versions.v8`: '11.3.244.8-node.38') is older than the fix; false for anything unparsable. */
export function v8LosesLocalsAcrossWait(v8Version: string): boolean {
  return v8Older(v8Version, LIFTOFF_WAIT_FIXED_IN_V8) === true;
}

/**
 * True when the options the process started with turn Liftoff off
 * (`--no-liftoff`, also spelled `--no_liftoff` or `--noliftoff`; a later
 * `--liftoff` turns it on again, as V8 reads them in order).
 */
export function liftoffDisabled(execArgv: readonly string[]): boolean {
  let disabled = false;
  for (const option of execArgv) {
    if (/^--no[-_]?liftoff$/.test(option)) disabled = true;
    else if (option === '--liftoff') disabled = false;
  }
  return disabled;
}

/** The facts of this process: empty outside Node-like runtimes on V8 (browsers have no `process`; Bun runs JavaScriptCore). */
export function engineFacts(): EngineFacts {
  const proc = (globalThis as { process?: { versions?: Record<string, string | undefined>; execArgv?: string[] } }).process;
  const versions = proc?.versions;
  if (!versions || typeof versions.v8 !== 'string' || versions.bun !== undefined) return {};
  return { v8: versions.v8, execArgv: Array.isArray(proc.execArgv) ? proc.execArgv : [] };
}

/**
 * Why a thread pool would compute wrong results on this engine, as the
 * warning to show (`requested`: what init was asked for); null where threads
 * are safe (every engine but V8 before 11.8 with Liftoff on).
 */
export function threadsUnsafeReason(facts: EngineFacts = engineFacts(), requested: number | string = 'N'): string | null {
  if (facts.v8 === undefined || !v8LosesLocalsAcrossWait(facts.v8)) return null;
  if (liftoffDisabled(facts.execArgv ?? [])) return null;
  return `wasmgrad: init({ threads: ${requested} }) runs on one thread (with the same results): on V8 ${facts.v8} (Node 20), ` +
    'the baseline WebAssembly compiler (Liftoff) miscompiles the thread pool\'s workers. To use threads on Node 20, start Node ' +
    'with --no-liftoff (`node --no-liftoff app.js`; NODE_OPTIONS does not accept that flag), or use Node 22 or later.';
}

/** Warned once per realm, not per instance of this module (a package bundled twice, a test's vi.resetModules()). */
const WARNED = Symbol.for('wasmgrad.threadsEngineWarned');

/**
 * True where a thread pool is safe; otherwise warns once per process (Node's
 * `process.emitWarning`, code WASMGRAD_THREADS_ENGINE, else console.warn) and
 * returns false.
 */
export function threadsSafeHere(requested: number | string = 'N', facts: EngineFacts = engineFacts()): boolean {
  const reason = threadsUnsafeReason(facts, requested);
  if (reason === null) return true;
  const realm = globalThis as { [WARNED]?: boolean };
  if (!realm[WARNED]) {
    realm[WARNED] = true;
    const proc = (globalThis as { process?: { emitWarning?: (message: string, options: object) => void } }).process;
    if (typeof proc?.emitWarning === 'function') proc.emitWarning(reason, { type: 'Warning', code: 'WASMGRAD_THREADS_ENGINE' });
    else console.warn(reason);
  }
  return false;
}
