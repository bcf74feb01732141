/**
 * Rollup with @rollup/plugin-node-resolve at its default options (no
 * `browser: true`, so the package's "browser" export condition is not used:
 * "default" must be browser-safe, and is build/index.js) bundles an app that
 * imports 'wasmgrad' (app/rollup.config.mjs, `rollup -c`). Rollup leaves
 * `new URL('…', import.meta.url)` alone, so the app serves wasmgrad's files
 * itself, as for esbuild: copy-wasmgrad.mjs, and init({ wasm, workerUrl }).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startServer, type StaticServer } from '../browser/helpers.js';
import { expectXor, makeApp, nodeSpecifiers, run, served, writePage } from './helpers.js';

const app = makeApp('rollup');
let browser: Browser;
let server: StaticServer;
let isolated: StaticServer;
let log: string;

beforeAll(async () => {
  const build = async () => {
    log = await run(app.dir, 'rollup', ['-c']);
    await run(app.dir, 'node', ['copy-wasmgrad.mjs']);
  };
  [browser] = await Promise.all([launchBrowser(), build()]);
  writePage(app.dist, '<script type="module" src="served.js"></script>');
  [server, isolated] = await Promise.all([startServer({ root: app.dist }), startServer({ root: app.dist, isolate: true })]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await isolated?.close();
  app.remove();
});

describe('Rollup with @rollup/plugin-node-resolve (default options) bundling an app that imports wasmgrad', () => {
  it('builds: every import resolved (none left external), no node: module in the bundle', () => {
    expect(log).not.toMatch(/Unresolved dependencies|treating it as an external dependency/);
    expect(nodeSpecifiers(readFileSync(join(app.dist, 'served.js'), 'utf8'))).toEqual([]);
  });

  it('trains XOR in Chromium with init({ wasm }) and the copied wasmgrad.wasm', async () => {
    await expectXor(browser, server, 'bundlers-rollup');
    expect(served(server, '.wasm')).toEqual(['/wasmgrad/wasmgrad.wasm']);
  });

  it('starts the worker pool with init({ threads: 2, wasm, workerUrl }) and the copied threads build and worker', async () => {
    await expectXor(browser, isolated, 'bundlers-rollup-threads', 2);
    expect(served(isolated, '.wasm')).toEqual(['/wasmgrad/wasmgrad-threads.wasm']);
    expect(served(isolated, '.js')).toEqual(['/served.js', '/wasmgrad/worker.js']);
  });
});
