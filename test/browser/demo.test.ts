/**
 * The demo page (demo/): the live trainer's loss drops and its canvases are
 * drawn; the graph view shows the seed's gradients of z = (3x + 4y)³ and
 * follows edits of x and y; the seed's 2-3-2 network view shows ∂L/∂u_11 and
 * ∂L/∂w_11 equal to the seed's formulas (by hand, float64, here), follows edits
 * of x1, and one SGD step lowers its loss; the benchmark runs both backends; and with COOP/COEP
 * a worker pool starts (init({ threads: 2 })). The last full-page screenshot,
 * test-results/screenshots/demo.png, is the one for the README.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ACTIVATION_TABLE } from '../../src/backend/kinds.js';
import { launchBrowser, openPage, SCREENSHOTS, startServer, text, withPage, type StaticServer, type WatchedPage } from './helpers.js';

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

/** The seed's 2-3-2 network (the weights of `npm start`, part 1), by hand in float64, in the seed's notation. */
const SEED_NET = {
  w: [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], b1: [0.1, 0.1, 0.1],
  u: [[0.7, 0.8], [0.9, 1.0], [1.1, 1.2]], b2: [0.1, 0.1],
};
function seedNetworkByHand(x: number[], t: number[], p = SEED_NET) {
  const sigma = (z: number) => 1 / (1 + Math.exp(-z));
  const h = [0, 1, 2].map((j) => sigma(p.b1[j] + x[0] * p.w[0][j] + x[1] * p.w[1][j]));
  const y = [0, 1].map((k) => sigma(p.b2[k] + h.reduce((s, hj, j) => s + hj * p.u[j][k], 0)));
  const loss = 0.5 * y.reduce((s, yk, k) => s + (yk - t[k]) ** 2, 0);
  // δ_k = (y_k − t_k) y_k (1 − y_k); the hidden deltas Σ_k δ_k u_jk · h_j (1 − h_j).
  const delta = y.map((yk, k) => (yk - t[k]) * yk * (1 - yk));
  const hiddenDelta = h.map((hj, j) => delta.reduce((s, dk, k) => s + dk * p.u[j][k], 0) * hj * (1 - hj));
  return {
    h, y, loss, delta, hiddenDelta,
    u11: delta[0] * h[0],                                                                  // δ_1 h_1
    w11: (delta[0] * p.u[0][0] + delta[1] * p.u[0][1]) * h[0] * (1 - h[0]) * x[0],       // Σ_k δ_k u_1k h_1(1 − h_1) x_1
  };
}

/** |actual − expected| ≤ 1e-6 · |expected| (float32 kernels against float64 by hand). */
function expectRelativelyClose(actual: number, expected: number, what: string, tolerance = 1e-6) {
  expect(Number.isFinite(actual), `${what} is a number`).toBe(true);
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected} by hand`).toBeLessThanOrEqual(tolerance * Math.abs(expected));
}

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
  it('offers every hidden-layer activation of the registry, tanh selected', async () => {
    const { page } = demo;
    const options = await page.locator('[data-testid="activation"] option').evaluateAll(
      (list) => list.map((o) => ({ value: (o as HTMLOptionElement).value, selected: (o as HTMLOptionElement).selected })));
    expect(options.map((o) => o.value)).toEqual(ACTIVATION_TABLE.filter((a) => !a.lastLayerOnly).map((a) => a.name));
    expect(options.filter((o) => o.selected).map((o) => o.value)).toEqual(['tanh']);
  });

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

  it('draws the seed\'s 2-3-2 network with ∂L/∂u_11 and ∂L/∂w_11 equal to the seed\'s formulas, follows x1, and one SGD step lowers the loss', async () => {
    const { page } = demo;
    const value = async (testid: string) => Number(await page.locator(`[data-testid="${testid}"]`).getAttribute('data-value'));
    const edge = async (name: string) => {
      const pill = page.locator(`[data-testid="net-edge-${name}"]`);
      return { weight: Number(await pill.getAttribute('data-weight')), grad: Number(await pill.getAttribute('data-grad')) };
    };
    const liveBlocks = async () => Number(await page.locator('#network').getAttribute('data-live-blocks'));
    const network = page.locator('#network');
    await network.scrollIntoViewIfNeeded();
    expect(await page.inputValue('[data-testid="net-input-x1"]')).toBe('0.5');
    expect(await page.inputValue('[data-testid="net-input-x2"]')).toBe('0.9');

    // The seed's numbers (npm start, part 1): x = [0.5, 0.9], t = [1, 0].
    const seed = seedNetworkByHand([0.5, 0.9], [1, 0]);
    expectRelativelyClose(await value('net-grad-u11'), seed.u11, '∂L/∂u_11');
    expectRelativelyClose(await value('net-grad-w11'), seed.w11, '∂L/∂w_11');
    expectRelativelyClose(await value('net-loss'), seed.loss, 'L');
    // The page's own hand formulas agree too, and the edges carry the same gradients as the formula line.
    expectRelativelyClose(await value('net-hand-u11'), seed.u11, 'the page\'s δ_1 h_1');
    expectRelativelyClose(await value('net-hand-w11'), seed.w11, 'the page\'s Σ_k δ_k u_1k h_1(1 − h_1) x_1');
    expect((await edge('u11')).grad).toBe(await value('net-grad-u11'));
    expect((await edge('w11')).grad).toBe(await value('net-grad-w11'));
    expect(Math.abs((await edge('u11')).weight - 0.7)).toBeLessThan(1e-7);
    // The units' values and deltas.
    for (let j = 0; j < 3; j++) {
      expectRelativelyClose(await value(`net-value-h${j + 1}`), seed.h[j], `h_${j + 1}`);
      expectRelativelyClose(await value(`net-delta-h${j + 1}`), seed.hiddenDelta[j], `δ¹_${j + 1}`);
    }
    for (let k = 0; k < 2; k++) {
      expectRelativelyClose(await value(`net-value-y${k + 1}`), seed.y[k], `y_${k + 1}`);
      expectRelativelyClose(await value(`net-delta-y${k + 1}`), seed.delta[k], `δ_${k + 1}`);
    }
    expect(await text(page, 'net-grad-u11')).toBe('-0.00942085');
    expect(await text(page, 'net-grad-w11')).toBe('0.0069796');
    expect(await text(page, 'net-loss')).toBe('0.403992');
    expect(await text(page, 'net-check')).toContain('∂L/∂u₁₁ = δ₁ h₁');
    expect(await page.locator('[data-testid="net-edge-u11"]').textContent()).toContain('u₁₁ = 0.7');
    expect(await page.locator('[data-testid="net-svg"] line.net-edge').count()).toBe(14);   // 6 w, 6 u, 2 into L
    await network.screenshot({ path: join(SCREENSHOTS, 'demo-network-graph.png') });

    // Editing x1 recomputes everything; every evaluation frees its tensors (tidy), so edits leave no live blocks behind.
    const blocks = await liveBlocks();
    expect(blocks).toBeGreaterThan(0);
    for (const x1 of ['2', '-1.5', '0.25', '2']) await page.fill('[data-testid="net-input-x1"]', x1);
    const edited = seedNetworkByHand([2, 0.9], [1, 0]);
    expectRelativelyClose(await value('net-grad-u11'), edited.u11, '∂L/∂u_11 at x1 = 2');
    expectRelativelyClose(await value('net-grad-w11'), edited.w11, '∂L/∂w_11 at x1 = 2');
    expectRelativelyClose(await value('net-loss'), edited.loss, 'L at x1 = 2');
    expect(Math.abs(await value('net-grad-w11') - seed.w11)).toBeGreaterThan(1e-4);
    expect(await value('net-value-x1')).toBe(2);
    expect(await liveBlocks()).toBe(blocks);
    // t2 edits too; a blank input is refused with a message and the step is disabled until it is fixed.
    await page.fill('[data-testid="net-input-t2"]', '0.5');
    expectRelativelyClose(await value('net-loss'), seedNetworkByHand([2, 0.9], [1, 0.5]).loss, 'L at t2 = 0.5');
    await page.fill('[data-testid="net-input-t2"]', '');
    expect(await text(page, 'net-message')).toContain('Enter a number');
    expect(await page.locator('[data-testid="net-step"]').isDisabled()).toBe(true);
    await page.fill('[data-testid="net-input-t2"]', '0');
    await page.fill('[data-testid="net-input-x1"]', '0.5');
    expect(await text(page, 'net-message')).toBe('');
    expect(await value('net-loss')).toBeCloseTo(seed.loss, 6);

    // One SGD step (η = 0.5): every weight moves by −η ∂L/∂w (stored as float32), and the loss drops.
    const before = { loss: await value('net-loss'), u11: await edge('u11'), w11: await edge('w11'), w23: await edge('w23') };
    await page.click('[data-testid="net-step"]');
    const after = { loss: await value('net-loss'), u11: await edge('u11'), w11: await edge('w11'), w23: await edge('w23') };
    expect(after.loss).toBeLessThan(before.loss);
    for (const name of ['u11', 'w11', 'w23'] as const) {
      expect(after[name].weight, `${name} after one step`).toBe(Math.fround(before[name].weight - Math.fround(0.5 * before[name].grad)));
    }
    expect(await text(page, 'net-steps')).toBe('1');
    expect(await text(page, 'net-status')).toMatch(/^Step 1: L 0\.403992 → 0\.\d+ \(down /);
    // Further steps keep lowering it; Reset brings back the seed's weights.
    let previous = after.loss;
    for (let i = 0; i < 4; i++) {
      await page.click('[data-testid="net-step"]');
      const loss = await value('net-loss');
      expect(loss).toBeLessThan(previous);
      previous = loss;
    }
    expect(await text(page, 'net-steps')).toBe('5');
    expect(await liveBlocks()).toBe(blocks);
    await page.click('[data-testid="net-reset"]');
    expect(await text(page, 'net-steps')).toBe('0');
    expectRelativelyClose(await value('net-grad-u11'), seed.u11, '∂L/∂u_11 after reset');
    expectRelativelyClose(await value('net-grad-w11'), seed.w11, '∂L/∂w_11 after reset');
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
      expect(isolatedServer.requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/build/wasmgrad-threads-relaxed.wasm', '/build/threads/worker.js']));
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
