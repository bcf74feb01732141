/**
 * createPredictor on the threads build: with 2 threads splitting a batch's
 * products, every call's row matches net.predict of its one sample (within
 * 1e-6 relative), batches are fewer than calls, calls during an async fit are
 * answered with the weights of that moment while the fit goes on, and
 * dispose() rejects the queue. Its own process: init's first call decides the build.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { THREADS_EXEC_ARGV } from './engine.js';

describe('createPredictor on threads', () => {
  it('2 threads: batched rows match one-row predictions, also during an async fit', () => {
    const out = JSON.parse(execFileSync(process.execPath,
      [...THREADS_EXEC_ARGV, new URL('./predictor-script.mjs', import.meta.url).pathname, '2'], { encoding: 'utf8' }));
    expect(out.threads).toBe(2);
    // 96 calls, maxBatch 32: three full batches.
    expect(out.served).toMatchObject({ first: expect.any(Array), calls: 96, batches: 3, meanBatchSize: 32, pending: 0 });
    expect(out.served.excess).toBeLessThanOrEqual(0);
    expect(out.during.fitRunning).toBe(true);
    expect(out.during.moved).toBe(true);
    expect(out.during.excess).toBeLessThanOrEqual(0);
    expect(out.stopReason).toBe('aborted');
    expect(out.codes).toEqual(['WASMGRAD_DISPOSED', 'WASMGRAD_DISPOSED']);
  });
});
