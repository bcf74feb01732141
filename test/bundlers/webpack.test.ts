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
import { describe, expect, it } from 'vitest';
import { expectXor, nodeSpecifiers, run, served, useBundledApp } from './helpers.js';

const ctx = useBundledApp('webpack', (app) => run(app.dir, 'webpack', ['--mode', 'production']), '<script src="main.js"></script>');

describe('webpack 5 (default production config) bundling an app that imports wasmgrad', () => {
  it('builds: no node: module in the bundle, both .wasm builds emitted', () => {
    const files = readdirSync(ctx.app.dist);
    const code = files.filter((name) => name.endsWith('.js')).map((name) => readFileSync(join(ctx.app.dist, name), 'utf8')).join('\n');
    expect(nodeSpecifiers(code)).toEqual([]);
    expect(files.filter((name) => name.endsWith('.wasm'))).toHaveLength(4); // both builds and their relaxed-SIMD twins
  });

  it('trains XOR in Chromium with init(), fetching the .wasm webpack emitted', async () => {
    await expectXor(ctx.browser, ctx.server, 'bundlers-webpack');
    expect(served(ctx.server, '.wasm')).toHaveLength(1);
  });

  it('starts the worker pool webpack bundled with init({ threads: 2 }) on a cross-origin isolated page', async () => {
    await expectXor(ctx.browser, ctx.isolated, 'bundlers-webpack-threads', 2);
    expect(served(ctx.isolated, '.wasm')).toHaveLength(1);
    expect(served(ctx.isolated, '.js').length).toBeGreaterThanOrEqual(2); // main.js and the worker's chunk
  });
});
