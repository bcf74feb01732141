/**
 * The demo page (demo/): the live trainer's loss drops and its canvases are
 * drawn; the graph view shows the seed's gradients of z = (3x + 4y)³ and
 * follows edits of x and y; the benchmark runs both backends; and with COOP/COEP
 * a worker pool starts (init({ threads: 2 })). The last full-page screenshot,
 * test-results/screenshots/demo.png, is the one for the README.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, openPage, startServer, text, withPage, type StaticServer, type WatchedPage } from './helpers.js';

let browser: Browser;
let server: StaticServer;
let isolatedServer: StaticServer;
let demo: WatchedPage;

beforeAll(async () => {
  [browser, server, isolatedServer] = await Promise.all([launchBrowser(), startServer(), startServer({ isolate: true })]);
  demo = await openPage(browser, { width: 1280, height: 900 });
  await demo.page.goto(`${server.url}/demo/?benchMs=300`);
  await demo.page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
}, 60_000);

afterAll(async () => {
  await demo?.close();
  await browser?.close();
  await server?.close();
  await isolatedServer?.close();
});

const epochs = async (page: Page) => Number(await text(page, 'epochs'));

/** Share of the boundary canvas's pixels that lean blue (class 1) and orange (class 0). */
function classShares(page: Page): Promise<{ blue: number; orange: number }> {
  return page.locator('[data-testid="boundary"]').evaluate((canvas: HTMLCanvasElement) => {
    const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    let blue = 0, orange = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 2] > data[i] + 40) blue++;
      else if (data[i] > data[i + 2] + 40) orange++;
    }
    const total = data.length / 4;
    return { blue: blue / total, orange: orange / total };
  });
}

describe('the demo page', () => {
  it('trains two spirals live: epochs advance, the loss drops, both canvases are drawn', async () => {
    const { page } = demo;
    expect(await page.locator('[data-testid="runtime"]').getAttribute('data-backend')).toBe('wasm');
    expect(await epochs(page)).toBe(0);
    await page.selectOption('[data-testid="speed"]', 'max');
    await page.click('[data-testid="start"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="epochs"]')!.textContent) >= 250, null, { timeout: 30_000 });
    // The page answers while training runs.
    expect(await page.evaluate(() => new Promise<number>((resolve) => requestAnimationFrame(resolve)))).toBeGreaterThan(0);
    await page.click('[data-testid="start"]');   // pause
    expect(await text(page, 'start')).toBe('Train');
    const loss = page.locator('[data-testid="loss"]');
    const initial = Number(await loss.getAttribute('data-initial'));
    const current = Number(await loss.getAttribute('data-value'));
    expect(initial).toBeGreaterThan(0.5);           // ln 2 ≈ 0.69 at the start
    expect(current).toBeLessThan(0.1);
    expect(current).toBeLessThan(initial / 5);
    expect(Number(await page.locator('[data-testid="accuracy"]').getAttribute('data-value'))).toBeGreaterThan(0.95);
    expect(await text(page, 'train-status')).toBe('Paused.');
    // A trained boundary shows both classes; the loss curve is drawn.
    const shares = await classShares(page);
    expect(shares.blue).toBeGreaterThan(0.2);
    expect(shares.orange).toBeGreaterThan(0.2);
    const curveInk = await page.locator('[data-testid="loss-curve"]').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && data[i + 2] > 180 && data[i] < 120) n++;
      return n;
    });
    expect(curveInk).toBeGreaterThan(100);
    await demo.screenshot('demo-trainer');

    // Changing a control starts a fresh network; Step trains one epoch, here on the pure-TypeScript backend.
    await page.selectOption('[data-testid="backend"]', 'js');
    expect(await epochs(page)).toBe(0);
    for (let i = 0; i < 3; i++) await page.click('[data-testid="step"]');
    expect(await epochs(page)).toBe(3);
    expect(Number(await loss.getAttribute('data-value'))).toBeGreaterThan(0);
    demo.expectNoErrors();
  });

  it('draws the graph of z = (3x + 4y)³ with the seed\'s gradients, and recomputes when x and y change', async () => {
    const { page } = demo;
    const value = async (testid: string) => Number(await page.locator(`[data-testid="${testid}"]`).getAttribute('data-value'));
    await page.locator('#graph').scrollIntoViewIfNeeded();
    expect(await page.inputValue('[data-testid="input-x"]')).toBe('2');
    expect(await page.inputValue('[data-testid="input-y"]')).toBe('1');
    expect(await value('grad-x')).toBe(900);
    expect(await value('grad-y')).toBe(1200);
    expect(await text(page, 'grad-x')).toContain('900');
    expect(await text(page, 'grad-y')).toContain('1200');
    expect(await value('value-3x')).toBe(6);
    expect(await value('value-4y')).toBe(4);
    expect(await value('value-s')).toBe(10);
    expect(await value('value-z')).toBe(1000);
    expect(await value('grad-3x')).toBe(300);
    expect(await value('grad-4y')).toBe(300);
    expect(await value('grad-s')).toBe(300);
    expect(await value('grad-z')).toBe(1);
    expect(await text(page, 'graph-trace')).toMatch(/^x\s+leaf.*value 2\s+grad 900$/m);
    await demo.screenshot('demo-graph');

    // x = 1, y = 2: 3x + 4y = 11, z = 1331, dz/dx = 9·121 = 1089, dz/dy = 12·121 = 1452.
    await page.fill('[data-testid="input-x"]', '1');
    await page.fill('[data-testid="input-y"]', '2');
    expect(await value('value-z')).toBe(1331);
    expect(await value('grad-x')).toBe(1089);
    expect(await value('grad-y')).toBe(1452);
    expect(await text(page, 'grad-x-text')).toBe('1089');
    // A blank input is refused with a message, and the last result stays.
    await page.fill('[data-testid="input-y"]', '');
    expect(await text(page, 'graph-message')).toContain('Enter a number');
    expect(await value('grad-y')).toBe(1452);
    // Back to the seed's values for the screenshot.
    await page.fill('[data-testid="input-x"]', '2');
    await page.fill('[data-testid="input-y"]', '1');
    expect(await value('grad-x')).toBe(900);
    expect(await text(page, 'graph-message')).toBe('');
    demo.expectNoErrors();
  });

  it('benchmarks the wasm and the js backends side by side', async () => {
    const { page } = demo;
    // Train the showcase network again so the screenshot shows a trained boundary.
    await page.selectOption('[data-testid="backend"]', 'wasm');
    await page.click('[data-testid="start"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="epochs"]')!.textContent) >= 250, null, { timeout: 30_000 });
    await page.click('[data-testid="bench-run"]');   // pauses the trainer first
    await page.waitForSelector('[data-testid="bench-done"]', { timeout: 30_000 });
    expect(await text(page, 'start')).toBe('Train');
    const wasm = Number(await page.locator('[data-testid="bench-wasm"]').getAttribute('data-value'));
    const js = Number(await page.locator('[data-testid="bench-js"]').getAttribute('data-value'));
    expect(wasm).toBeGreaterThan(0);
    expect(js).toBeGreaterThan(0);
    expect(await text(page, 'bench-wasm')).toMatch(/samples\/s$/);
    expect(await text(page, 'bench-ratio')).toMatch(/^wasm is [\d.]+× the pure-TypeScript backend/);
    await page.evaluate(() => window.scrollTo(0, 0));
    const path = await demo.screenshot('demo');
    expect(path).toMatch(/test-results\/screenshots\/demo\.png$/);
    demo.expectNoErrors();
  });

  it('starts a worker pool with ?threads=2 on a cross-origin isolated server, and trains on it', async () => {
    await withPage(browser, 'demo-threads', async (watched) => {
      const { page } = watched;
      await page.goto(`${isolatedServer.url}/demo/?threads=2&benchMs=200`);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 15_000 });
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      const runtime = page.locator('[data-testid="runtime"]');
      expect(await runtime.getAttribute('data-threads')).toBe('2');
      expect(isolatedServer.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/build/wasmgrad-threads.wasm', '/build/threads/worker.js']));
      for (let i = 0; i < 5; i++) await page.click('[data-testid="step"]');
      expect(await epochs(page)).toBe(5);
      // 784-128-10 at batch 32 is over the threshold where products are shared with the pool.
      await page.selectOption('[data-testid="bench-workload"]', 'mnist');
      await page.click('[data-testid="bench-run"]');
      await page.waitForSelector('[data-testid="bench-done"]', { timeout: 30_000 });
      expect(Number(await page.locator('[data-testid="bench-wasm"]').getAttribute('data-value'))).toBeGreaterThan(0);
    });
  });
});
