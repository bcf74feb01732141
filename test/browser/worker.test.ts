/**
 * Training in a module Web Worker (examples/worker/): the worker imports
 * wasmgrad and trains; the page's thread only draws, so its animation frames
 * keep coming while the worker works.
 */
import { describe, expect, it } from 'vitest';
import { useBrowserAndServer, text, waitForDone, withPage } from './helpers.js';

const env = useBrowserAndServer();

describe('a module Web Worker importing wasmgrad', () => {
  it('trains two spirals in the worker while the page keeps drawing frames', async () => {
    await withPage(env.browser, 'worker-spirals', async (watched) => {
      const { page } = watched;
      // 1,000 epochs: long enough (about a second) that a blocked page would show a gap of that size.
      await page.goto(`${env.server.url}/examples/worker/?epochs=1000`);
      await waitForDone(watched);

      // The worker trained, and reported every epoch.
      expect(await text(page, 'epoch')).toBe('1000 / 1000');
      expect(Number(await text(page, 'loss'))).toBeLessThan(0.1);
      expect(parseFloat(await text(page, 'accuracy'))).toBeGreaterThan(95);
      // The module and the library were loaded by the worker, not by the page.
      expect(env.server.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/examples/worker/worker.js', '/build/wasmgrad-relaxed.wasm']));

      // The page stayed responsive: frames kept coming during training, never far apart.
      const gap = page.locator('[data-testid="max-gap"]');
      const framesWhileTraining = Number(await gap.getAttribute('data-frames-while-training'));
      const trainingMs = Number(await text(page, 'ms'));
      const maxGap = Number(await text(page, 'max-gap'));
      // Training on the page's thread would stall it for the whole run: one gap as long as trainingMs.
      expect(trainingMs).toBeGreaterThan(300);
      expect(framesWhileTraining).toBeGreaterThanOrEqual(Math.floor(trainingMs / 100));
      expect(maxGap).toBeLessThan(Math.max(200, trainingMs / 3));
      // And it still answers now.
      expect(await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(resolve)))).toBeGreaterThan(0);
    });
  });
});
