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
import { describe, expect, it } from 'vitest';
import { expectXor, nodeSpecifiers, run, served, useBundledApp } from './helpers.js';

const built = { log: '' };
const ctx = useBundledApp('rollup', async (app) => {
  built.log = await run(app.dir, 'rollup', ['-c']);
  await run(app.dir, 'node', ['copy-wasmgrad.mjs']);
}, '<script type="module" src="served.js"></script>');

describe('Rollup with @rollup/plugin-node-resolve (default options) bundling an app that imports wasmgrad', () => {
  it('builds: every import resolved (none left external), no node: module in the bundle', () => {
    expect(built.log).not.toMatch(/Unresolved dependencies|treating it as an external dependency/);
    expect(nodeSpecifiers(readFileSync(join(ctx.app.dist, 'served.js'), 'utf8'))).toEqual([]);
  });

  it('trains XOR in Chromium with init({ wasm }) and the copied wasmgrad.wasm', async () => {
    await expectXor(ctx.browser, ctx.server, 'bundlers-rollup');
    expect(served(ctx.server, '.wasm')).toEqual(['/wasmgrad/wasmgrad.wasm']);
  });

  it('starts the worker pool with init({ threads: 2, wasm, workerUrl }) and the copied threads build and worker', async () => {
    await expectXor(ctx.browser, ctx.isolated, 'bundlers-rollup-threads', 2);
    expect(served(ctx.isolated, '.wasm')).toEqual(['/wasmgrad/wasmgrad-threads.wasm']);
    expect(served(ctx.isolated, '.js')).toEqual(['/served.js', '/wasmgrad/worker.js']);
  });
});
