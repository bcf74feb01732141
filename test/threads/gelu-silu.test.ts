/**
 * gelu and silu layers on the threads build: their pre-activation a = x·W + b
 * comes from the threaded GEMM (linear epilogue) and f(a) from a pass of its
 * own, so 2 threads must train bit for bit as 1 (with dropout too). Each run
 * is its own process: init's first call decides the build.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { THREADS_EXEC_ARGV } from './engine.js';

const train = (threads: number) => JSON.parse(execFileSync(process.execPath,
  [...THREADS_EXEC_ARGV, new URL('./train-script.mjs', import.meta.url).pathname, String(threads), 'gelu,silu'], { encoding: 'utf8' }));

describe('gelu and silu on threads', () => {
  it('2 threads train bit-identically to 1', () => {
    const one = train(1), two = train(2);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.loss).toEqual(one.loss);
    expect(two.hash).toBe(one.hash);
    expect(one.loss.at(-1)).toBeLessThan(one.loss[0]);
  });
});
