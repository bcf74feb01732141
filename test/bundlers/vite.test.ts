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
import { describe, expect, it } from 'vitest';
import { expectXor, nodeSpecifiers, run, served, useBundledApp } from './helpers.js';

const ctx = useBundledApp('vite', (app) => {
  // Vite's entry is index.html itself.
  const page = join(app.dir, 'index.html');
  writeFileSync(page, readFileSync(page, 'utf8').replace('<!-- SCRIPT -->', '<script type="module" src="./src/index.js"></script>'));
  return run(app.dir, 'vite', ['build', '--logLevel', 'warn']);
});

describe('Vite (vite build, no config) bundling an app that imports wasmgrad', () => {
  it('builds: no node: module in the bundle, both .wasm builds and the worker emitted', () => {
    const assets = readdirSync(join(ctx.app.dist, 'assets'));
    const code = assets.filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(ctx.app.dist, 'assets', name), 'utf8')).join('\n');
    expect(nodeSpecifiers(code)).toEqual([]);
    expect(assets.filter((name) => name.endsWith('.wasm'))).toHaveLength(4); // both builds and their relaxed-SIMD twins
    expect(assets.filter((name) => /^worker-[\w-]+\.js$/.test(name))).toHaveLength(1);
  });

  it('trains XOR in Chromium with init(), fetching the .wasm Vite emitted', async () => {
    await expectXor(ctx.browser, ctx.server, 'bundlers-vite');
    expect(served(ctx.server, '.wasm')).toEqual([expect.stringMatching(/^\/assets\/wasmgrad-(?!threads-)[\w-]+\.wasm$/)]);
  });

  it('starts the worker pool Vite bundled with init({ threads: 2 }) on a cross-origin isolated page', async () => {
    await expectXor(ctx.browser, ctx.isolated, 'bundlers-vite-threads', 2);
    expect(served(ctx.isolated, '.wasm')).toEqual([expect.stringMatching(/^\/assets\/wasmgrad-threads-[\w-]+\.wasm$/)]);
    expect(served(ctx.isolated, '.js')).toContainEqual(expect.stringMatching(/^\/assets\/worker-[\w-]+\.js$/));
  });
});
