/**
 * wasmgrad bundled by Vite: examples/vite/ imports 'wasmgrad' as a package;
 * `vite build` (run here through Vite's build() API) must emit wasmgrad.wasm
 * as an asset and rewrite `new URL('../wasmgrad.wasm', import.meta.url)` to
 * it, so that the built app, served from its dist/, finds the module.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import { ROOT, launchBrowser, startServer, text, waitForDone, withPage, type StaticServer } from './helpers.js';

const OUT_DIR = join(ROOT, 'test-results', 'vite-dist');
let browser: Browser;
let server: StaticServer;
let isolatedServer: StaticServer;
let assets: string[];

beforeAll(async () => {
  rmSync(OUT_DIR, { recursive: true, force: true });
  const [launched] = await Promise.all([
    launchBrowser(),
    build({
      configFile: join(ROOT, 'examples', 'vite', 'vite.config.js'),
      build: { outDir: OUT_DIR, emptyOutDir: true },
      logLevel: 'error',
    }),
  ]);
  browser = launched;
  assets = readdirSync(join(OUT_DIR, 'assets'));
  [server, isolatedServer] = await Promise.all([startServer({ root: OUT_DIR }), startServer({ root: OUT_DIR, isolate: true })]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await isolatedServer?.close();
});

describe('a Vite app (vite build) importing wasmgrad', () => {
  it('emits wasmgrad.wasm as a hashed asset', () => {
    // Each build and its relaxed-SIMD twin (wasmgrad-relaxed-*.wasm, wasmgrad-threads-relaxed-*.wasm).
    expect(assets.filter((name) => /^wasmgrad-(?!threads-)[\w-]+\.wasm$/.test(name))).toHaveLength(2);
    expect(assets.filter((name) => /^wasmgrad-threads-[\w-]+\.wasm$/.test(name))).toHaveLength(2);
    expect(assets.some((name) => name.endsWith('.js'))).toBe(true);
  });

  it('serves from dist/, fetches the emitted asset and trains XOR to a low loss', async () => {
    await withPage(browser, 'vite-xor', async (watched) => {
      const { page } = watched;
      await page.goto(`${server.url}/`);
      await waitForDone(watched);
      expect(Number(await text(page, 'loss'))).toBeLessThan(0.05);
      const predictions = await page.locator('[data-testid="predictions"] tr td:last-child').allTextContents();
      expect(predictions.map((p) => Math.round(Number(p)))).toEqual([0, 1, 1, 0]);
      const wasm = server.requests.filter((r) => r.path.endsWith('.wasm'));
      expect(wasm).toHaveLength(1);
      expect(wasm[0]).toMatchObject({ status: 200, type: 'application/wasm' });
      expect(wasm[0].path).toMatch(/^\/assets\/wasmgrad-(?!threads-)[\w-]+\.wasm$/);
      expect(await text(page, 'wasm-url')).toBe(wasm[0].path);
    });
  });

  it('starts the bundled worker pool with ?threads=2 on a cross-origin isolated server', async () => {
    await withPage(browser, 'vite-xor-threads', async (watched) => {
      const { page } = watched;
      await page.goto(`${isolatedServer.url}/?threads=2`);
      await waitForDone(watched);
      expect(await text(page, 'threads')).toBe('2');
      expect(Number(await text(page, 'loss'))).toBeLessThan(0.05);
      const paths = isolatedServer.requests.map((r) => r.path);
      expect(paths.filter((p) => /^\/assets\/wasmgrad-threads-[\w-]+\.wasm$/.test(p))).toHaveLength(1);
      expect(paths.filter((p) => /^\/assets\/worker-[\w-]+\.js$/.test(p))).toHaveLength(1);
    });
  });
});
