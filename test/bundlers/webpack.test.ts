/**
 * webpack 5 at its default production configuration (no config file:
 * `webpack --mode production`, entry src/index.js, output dist/main.js)
 * bundles an app that imports 'wasmgrad'. Its "browser" export condition
 * picks build/index.js, which names no `node:` module (webpack stops on one
 * with UnhandledSchemeError); webpack emits both .wasm files and the
 * thread-pool worker from their `new URL('…', import.meta.url)`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, startServer, type StaticServer } from '../browser/helpers.js';
import { expectXor, makeApp, nodeSpecifiers, run, served, writePage } from './helpers.js';

const app = makeApp('webpack');
let browser: Browser;
let server: StaticServer;
let isolated: StaticServer;

beforeAll(async () => {
  [browser] = await Promise.all([launchBrowser(), run(app.dir, 'webpack', ['--mode', 'production'])]);
  writePage(app.dist, '<script src="main.js"></script>');
  [server, isolated] = await Promise.all([startServer({ root: app.dist }), startServer({ root: app.dist, isolate: true })]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await isolated?.close();
  app.remove();
});

describe('webpack 5 (default production config) bundling an app that imports wasmgrad', () => {
  it('builds: no node: module in the bundle, both .wasm builds emitted', () => {
    const files = readdirSync(app.dist);
    const code = files.filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(app.dist, name), 'utf8')).join('\n');
    expect(nodeSpecifiers(code)).toEqual([]);
    expect(files.filter((name) => name.endsWith('.wasm'))).toHaveLength(2);
  });

  it('trains XOR in Chromium with init(), fetching the .wasm webpack emitted', async () => {
    await expectXor(browser, server, 'bundlers-webpack');
    expect(served(server, '.wasm')).toHaveLength(1);
  });

  it('starts the worker pool webpack bundled with init({ threads: 2 }) on a cross-origin isolated page', async () => {
    await expectXor(browser, isolated, 'bundlers-webpack-threads', 2);
    expect(served(isolated, '.wasm')).toHaveLength(1);
    expect(served(isolated, '.js').length).toBeGreaterThanOrEqual(2); // main.js and the worker's chunk
  });
});
