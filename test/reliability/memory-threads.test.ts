/**
 * Issue 10 items 4 and 12 on the threads build, each case in a child process
 * with a timeout (a pool that spins forever must fail the test, not hang the
 * suite). The scripts use the built package: `npm run build` first (npm test does).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { THREADS_EXEC_ARGV } from '../threads/engine.js';

const script = new URL('./threads-script.mjs', import.meta.url).pathname;
// THREADS_EXEC_ARGV: --no-liftoff on Node 20, where wasmgrad otherwise runs one thread (src/threads/liftoff.ts).
const run = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [...THREADS_EXEC_ARGV, script, ...args], { encoding: 'utf8', timeout: 60_000 }));

describe('the threads build', () => {
  it('after pool.terminate(), products and training run on one thread with the same bits, instead of waiting forever', () => {
    const { before, after } = run('terminate');
    expect(before.threads).toBe(2);
    expect(after).toEqual({ ...before, threads: 1, running: false });
  });

  it('a worker that ends by itself detaches the pool: the next product runs on one thread instead of waiting for it', () => {
    const { before, after } = run('worker-ends');
    expect(before.threads).toBe(2);
    expect(after).toEqual({ ...before, threads: 1 });
  });

  it('a 2-thread runtime with a 4 GiB shared memory starts, works and stops several times in one process', () => {
    const { runs } = run('restart');
    expect(runs).toHaveLength(4);
    for (const r of runs) expect(r).toEqual({ ...runs[0], threads: 2, pages: 65536, maximumBytes: 2 ** 32 });
  });

  it('past 2 GiB of shared memory, two threads give the bits of one thread at a low address', () => {
    const one = run('high', '1');
    const two = run('high', '2');
    expect(two.threads).toBe(2);
    expect(two.next).toBe(2 ** 31 + 4096);
    expect(two.memoryBytes).toBeGreaterThan(2 ** 31);
    expect(two.high).toEqual(two.low);
    expect(two.low).toEqual(one.low);
    expect(one.high).toEqual(one.low);
  });
});
