/**
 * The threads build: GEMM split by rows or by columns (whichever side of C
 * is larger) across a worker pool on shared memory. Every output element is
 * computed exactly as on one thread, so the
 * results must be bit-identical, for single products and for whole training
 * runs. These tests use the built package (workers load build/threads/worker-node.js),
 * each run in its own process, with --no-liftoff on Node 20 (./engine.ts).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { THREADS_EXEC_ARGV } from './engine.js';

const run = (script: string, ...args: string[]) =>
  JSON.parse(execFileSync(process.execPath, [...THREADS_EXEC_ARGV, new URL(script, import.meta.url).pathname, ...args], { encoding: 'utf8' }));
const train = (threads: number) => run('./train-script.mjs', String(threads));

describe('threads', () => {
  it('a whole training run on 2 and 3 threads gives bit-identical weights to 1 thread', () => {
    const one = train(1);
    expect(one.threads).toBe(1);
    for (const threads of [2, 3]) {
      const many = train(threads);
      expect(many.threads).toBe(threads);
      expect(many.loss).toEqual(one.loss);
      expect(many.hash).toBe(one.hash);
    }
  });

  it.each([2, 4, 8])('parallel GEMM on %i threads equals the single-threaded build bit for bit, in every layout, at odd sizes and with short last slices', (threadCount) => {
    const { threads, differing, finite } = run('./gemm-script.mjs', String(threadCount));
    expect(threads).toBe(threadCount);
    expect(Object.keys(differing)).toHaveLength(18);
    for (const [label, count] of Object.entries(differing)) expect(count, label).toBe(0);
    expect(finite).toBe(true);
  });
});
