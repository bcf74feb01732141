/**
 * Vite (`vite build`, no config file) bundles an app that imports
 * 'wasmgrad' through node_modules, as an installed package resolves: its
 * "browser" export condition picks build/index.js, and Vite emits both .wasm
 * files and the thread-pool worker from their `new URL('…', import.meta.url)`.
 * (test/browser/vite.test.ts builds examples/vite/, which aliases 'wasmgrad'
 * to this repository's build.)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startServer, type StaticServer } from '../browser/helpers.js';
import { expectXor, makeApp, nodeSpecifiers, run, served } from './helpers.js';

const app = makeApp('vite');
let browser: Browser;
let server: StaticServer;
let isolated: StaticServer;

beforeAll(async () => {
  // Vite's entry is index.html itself.
  const page = join(app.dir, 'index.html');
  writeFileSync(page, readFileSync(page, 'utf8').replace('<!-- SCRIPT -->', '<script type="module" src="./src/index.js"></script>'));
  [browser] = await Promise.all([launchBrowser(), run(app.dir, 'vite', ['build', '--logLevel', 'warn'])]);
  [server, isolated] = await Promise.all([startServer({ root: app.dist }), startServer({ root: app.dist, isolate: true })]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await isolated?.close();
  app.remove();
});

describe('Vite (vite build, no config) bundling an app that imports wasmgrad', () => {
  it('builds: no node: module in the bundle, both .wasm builds and the worker emitted', () => {
    const assets = readdirSync(join(app.dist, 'assets'));
    const code = assets.filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(app.dist, 'assets', name), 'utf8')).join('\n');
    expect(nodeSpecifiers(code)).toEqual([]);
    expect(assets.filter((name) => name.endsWith('.wasm'))).toHaveLength(2);
    expect(assets.filter((name) => /^worker-[\w-]+\.js$/.test(name))).toHaveLength(1);
  });

  it('trains XOR in Chromium with init(), fetching the .wasm Vite emitted', async () => {
    await expectXor(browser, server, 'bundlers-vite');
    expect(served(server, '.wasm')).toEqual([expect.stringMatching(/^\/assets\/wasmgrad-(?!threads-)[\w-]+\.wasm$/)]);
  });

  it('starts the worker pool Vite bundled with init({ threads: 2 }) on a cross-origin isolated page', async () => {
    await expectXor(browser, isolated, 'bundlers-vite-threads', 2);
    expect(served(isolated, '.wasm')).toEqual([expect.stringMatching(/^\/assets\/wasmgrad-threads-[\w-]+\.wasm$/)]);
    expect(served(isolated, '.js')).toContainEqual(expect.stringMatching(/^\/assets\/worker-[\w-]+\.js$/));
  });
});
