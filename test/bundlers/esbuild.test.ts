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
import { describe, expect, it } from 'vitest';
import { expectXor, nodeSpecifiers, run, served, useBundledApp } from './helpers.js';

const ctx = useBundledApp('esbuild', async (app) => {
  await run(app.dir, 'esbuild', ['src/served.js', '--bundle', '--platform=browser', '--format=esm', '--outfile=dist/app.js']);
  await run(app.dir, 'node', ['copy-wasmgrad.mjs']);
}, '<script type="module" src="app.js"></script>');

describe('esbuild (--bundle --platform=browser --format=esm) bundling an app that imports wasmgrad', () => {
  it('builds: no node: module in the bundle', () => {
    expect(nodeSpecifiers(readFileSync(join(ctx.app.dist, 'app.js'), 'utf8'))).toEqual([]);
  });

  it('trains XOR in Chromium with init({ wasm }) and the copied wasmgrad.wasm', async () => {
    await expectXor(ctx.browser, ctx.server, 'bundlers-esbuild');
    expect(served(ctx.server, '.wasm')).toEqual(['/wasmgrad/wasmgrad.wasm']);
  });

  it('starts the worker pool with init({ threads: 2, wasm, workerUrl }) and the copied threads build and worker', async () => {
    await expectXor(ctx.browser, ctx.isolated, 'bundlers-esbuild-threads', 2);
    expect(served(ctx.isolated, '.wasm')).toEqual(['/wasmgrad/wasmgrad-threads.wasm']);
    expect(served(ctx.isolated, '.js')).toEqual(['/app.js', '/wasmgrad/worker.js']);
  });
});
