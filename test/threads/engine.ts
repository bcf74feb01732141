/**
 * For tests that start a real thread pool in a child Node process: the
 * options that process needs. On Node 20 (V8 11.3) wasmgrad runs on one
 * thread unless Node was started with --no-liftoff (src/threads/liftoff.ts),
 * so the child gets that flag there, and nothing elsewhere.
 */
import { v8LosesLocalsAcrossWait } from '../../src/threads/liftoff.js';

/** True on an engine where init({ threads: 2 }) falls back to one thread unless started with --no-liftoff. */
export const LIFTOFF_AFFECTED = v8LosesLocalsAcrossWait(process.versions.v8);

/** Node options for a child process that must run 2 or more real threads: ['--no-liftoff'] on Node 20, [] elsewhere. */
export const THREADS_EXEC_ARGV: readonly string[] = LIFTOFF_AFFECTED ? ['--no-liftoff'] : [];
