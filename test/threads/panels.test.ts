/**
 * One-row weight panels (src/nn/panels.ts) on the threads build with 2 threads: one-row
 * predicts give the bits of the first row of a two-row predict before the panels are made,
 * with them, and after a fit on the pool marks them stale; a layer whose one-row product
 * splits across the threads keeps no panels (mlpForward would never read them), the one that
 * runs on one thread does; dispose frees them. Its own process: init's first call decides the build.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { THREADS_EXEC_ARGV } from './engine.js';

describe('one-row weight panels on threads', () => {
  it('2 threads: the same bits as the two-row path; panels only for the layer that does not split', () => {
    const out = JSON.parse(execFileSync(process.execPath,
      [...THREADS_EXEC_ARGV, new URL('./panels-script.mjs', import.meta.url).pathname, '2'], { encoding: 'utf8' }));
    expect(out.threads).toBe(2);
    expect(out).toMatchObject({ beforePanels: 0, withPanels: 0, afterFit: 0, leaked: 0 });
    // Made at the threshold, and again after the fit.
    expect(out.packsBefore).toBe(0);
    expect(out.packs).toBe(2);
    // The 2048 → 512 layer's W only (512 columns: whole panels in every build): not the 1024 → 2048 layer's,
    // whose one-row product splits across the threads.
    expect(out.panelBytes).toBe(2048 * 512 * 4);
  });
});
