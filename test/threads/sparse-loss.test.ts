/**
 * 'sparseCategoricalCrossentropy' on the threads build: with 2 threads
 * splitting the GEMMs, class indices train, evaluate and score accuracy bit
 * for bit as the same classes given as one-hot rows with
 * 'categoricalCrossentropy'. Each run is its own process: init's first call
 * decides the build.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { THREADS_EXEC_ARGV } from './engine.js';

describe('sparseCategoricalCrossentropy on threads', () => {
  it('2 threads: class indices give the one-hot run\'s bits', () => {
    const out = JSON.parse(execFileSync(process.execPath,
      [...THREADS_EXEC_ARGV, new URL('./sparse-script.mjs', import.meta.url).pathname, '2'], { encoding: 'utf8' }));
    expect(out.threads).toBe(2);
    expect(out.sparse).toEqual(out.oneHot);
    expect(out.sparse.history.loss.at(-1)).toBeLessThan(out.sparse.history.loss[0]);
  });
});
