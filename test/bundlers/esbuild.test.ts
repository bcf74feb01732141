/**
 * esbuild (`--bundle --platform=browser --format=esm`) bundles an app that
 * imports 'wasmgrad'. Its "browser" export condition picks build/index.js,
 * which names no `node:` module (esbuild stops on one: `Could not resolve
 * "node:v8"`). esbuild leaves `new URL('…', import.meta.url)` alone, so the
 * app serves wasmgrad's files itself, as the README says: copy-wasmgrad.mjs
 * copies wasmgrad/wasmgrad.wasm, wasmgrad/wasmgrad-threads.wasm and
 * wasmgrad/threads/worker.js into dist/wasmgrad/, and src/served.js passes
 * init({ wasm, workerUrl }).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startServer, type StaticServer } from '../browser/helpers.js';
import { expectXor, makeApp, nodeSpecifiers, run, served, writePage } from './helpers.js';

const app = makeApp('esbuild');
let browser: Browser;
let server: StaticServer;
let isolated: StaticServer;

beforeAll(async () => {
  const build = async () => {
    await run(app.dir, 'esbuild', ['src/served.js', '--bundle', '--platform=browser', '--format=esm', '--outfile=dist/app.js']);
    await run(app.dir, 'node', ['copy-wasmgrad.mjs']);
  };
  [browser] = await Promise.all([launchBrowser(), build()]);
  writePage(app.dist, '<script type="module" src="app.js"></script>');
  [server, isolated] = await Promise.all([startServer({ root: app.dist }), startServer({ root: app.dist, isolate: true })]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await isolated?.close();
  app.remove();
});

describe('esbuild (--bundle --platform=browser --format=esm) bundling an app that imports wasmgrad', () => {
  it('builds: no node: module in the bundle', () => {
    expect(nodeSpecifiers(readFileSync(join(app.dist, 'app.js'), 'utf8'))).toEqual([]);
  });

  it('trains XOR in Chromium with init({ wasm }) and the copied wasmgrad.wasm', async () => {
    await expectXor(browser, server, 'bundlers-esbuild');
    expect(served(server, '.wasm')).toEqual(['/wasmgrad/wasmgrad.wasm']);
  });

  it('starts the worker pool with init({ threads: 2, wasm, workerUrl }) and the copied threads build and worker', async () => {
    await expectXor(browser, isolated, 'bundlers-esbuild-threads', 2);
    expect(served(isolated, '.wasm')).toEqual(['/wasmgrad/wasmgrad-threads.wasm']);
    expect(served(isolated, '.js')).toEqual(['/app.js', '/wasmgrad/worker.js']);
  });
});
