/**
 * wasmgrad in a browser without a bundler: examples/plain/index.html imports
 * build/index.js as an ES module, and init() fetches build/wasmgrad.wasm next
 * to it, streaming when the server says application/wasm and from bytes when
 * it says anything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, startServer, text, waitForDone, withPage, type StaticServer } from './helpers.js';

let browser: Browser;
let server: StaticServer;
let octetServer: StaticServer;

beforeAll(async () => {
  [browser, server, octetServer] = await Promise.all([
    launchBrowser(),
    startServer(),
    startServer({ wasmType: 'application/octet-stream' }),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await octetServer?.close();
});

/** Counts the page's calls of WebAssembly.compileStreaming and WebAssembly.compile (installed before any script runs). */
async function countCompiles(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const calls = { streaming: 0, bytes: 0 };
    (globalThis as unknown as { __compiles: typeof calls }).__compiles = calls;
    const { compile, compileStreaming } = WebAssembly;
    WebAssembly.compileStreaming = (source) => { calls.streaming++; return compileStreaming(source); };
    WebAssembly.compile = (bytes) => { calls.bytes++; return compile(bytes); };
  });
}

async function trainedXor(page: Page): Promise<{ loss: number; predictions: number[] }> {
  const loss = Number(await text(page, 'loss'));
  const predictions = await page.locator('[data-testid="predictions"] tr td:last-child').allTextContents();
  return { loss, predictions: predictions.map(Number) };
}

describe('no bundler: <script type="module"> importing build/index.js', () => {
  it('loads the module, streams the wasm (application/wasm) and trains XOR to a low loss', async () => {
    await withPage(browser, 'plain-xor', async (watched) => {
      const { page } = watched;
      await countCompiles(page);
      await page.goto(`${server.url}/examples/plain/`);
      await waitForDone(watched);
      const { loss, predictions } = await trainedXor(page);
      expect(loss).toBeLessThan(0.05);
      expect(predictions).toHaveLength(4);
      expect(predictions.map((p) => Math.round(p))).toEqual([0, 1, 1, 0]);
      expect(await text(page, 'backend')).toBe('wasm');
      const wasm = server.requests.filter((r) => r.path.endsWith('.wasm'));
      // Chromium (156 here, V8 15.6) has relaxed SIMD and runs it faster, so init() picks the relaxed-SIMD build (src/wasm/relaxed-choice.ts).
      expect(wasm).toEqual([{ method: 'GET', path: '/build/wasmgrad-relaxed.wasm', status: 200, type: 'application/wasm' }]);
      expect(await page.evaluate(() => (globalThis as unknown as { __compiles: unknown }).__compiles)).toEqual({ streaming: 1, bytes: 0 });
    });
  });

  it('falls back to compiling bytes when the server sends .wasm as application/octet-stream', async () => {
    await withPage(browser, 'plain-xor-octet-stream', async (watched) => {
      const { page } = watched;
      await countCompiles(page);
      await page.goto(`${octetServer.url}/examples/plain/`);
      await waitForDone(watched);
      const { loss, predictions } = await trainedXor(page);
      expect(loss).toBeLessThan(0.05);
      expect(predictions.map((p) => Math.round(p))).toEqual([0, 1, 1, 0]);
      const wasm = octetServer.requests.filter((r) => r.path.endsWith('.wasm'));
      expect(wasm).toEqual([{ method: 'GET', path: '/build/wasmgrad-relaxed.wasm', status: 200, type: 'application/octet-stream' }]);
      // compileStreaming would have rejected the MIME type: init() must not have tried it.
      expect(await page.evaluate(() => (globalThis as unknown as { __compiles: unknown }).__compiles)).toEqual({ streaming: 0, bytes: 1 });
    });
  });

  it('trains XOR on the pure-TypeScript backend without fetching any wasm (init({ backend: "js" }))', async () => {
    await withPage(browser, 'plain-xor-js-backend', async (watched) => {
      const { page } = watched;
      const before = server.requests.length;
      await page.goto(`${server.url}/examples/plain/?backend=js`);
      await waitForDone(watched);
      expect(await text(page, 'backend')).toBe('js');
      expect(Number(await text(page, 'loss'))).toBeLessThan(0.05);
      expect(server.requests.slice(before).filter((r) => r.path.endsWith('.wasm'))).toEqual([]);
    });
  });
});
