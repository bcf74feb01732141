/**
 * Shared set-up of the bundler tests: a copy of the small app in app/ in a
 * temporary folder whose node_modules/wasmgrad links to this repository, so
 * the bundler resolves 'wasmgrad' through package.json "exports" as it would
 * for an installed package; the bundler run as its users run it (its CLI, in
 * the app's folder, with no wasmgrad-specific configuration); then the built
 * app served and run in Chromium, where it must train XOR.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchBrowser, ROOT, startServer, text, waitForDone, withPage, type StaticServer } from '../browser/helpers.js';

export { ROOT };

const APP = fileURLToPath(new URL('./app', import.meta.url));

/**
 * A fresh copy of app/ in a temporary folder, with node_modules/wasmgrad
 * linking to this repository (its package.json and build/), and
 * node_modules/@rollup to the repository's (for rollup.config.mjs). Removed
 * by the returned `remove`.
 */
export function makeApp(name: string): { dir: string; dist: string; remove(): void } {
  const base = mkdtempSync(join(tmpdir(), `wasmgrad-${name}-`));
  const dir = join(base, 'app');
  cpSync(APP, dir, { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'wasmgrad'), 'dir');
  symlinkSync(join(ROOT, 'node_modules', '@rollup'), join(dir, 'node_modules', '@rollup'), 'dir');
  return { dir, dist: join(dir, 'dist'), remove: () => rmSync(base, { recursive: true, force: true }) };
}

/** Runs `command` (a bin of the repository's node_modules, or node) in `dir`; rejects with its output when it fails. */
export function run(dir: string, command: string, args: string[]): Promise<string> {
  const file = command === 'node' ? process.execPath : join(ROOT, 'node_modules', '.bin', command);
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd: dir, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${dir}:\n${stdout}\n${stderr}`, { cause: error }));
      else resolve(`${stdout}${stderr}`);
    });
  });
}

/** Writes dist/index.html: app/index.html with `script` (the bundle's script tag) in place. */
export function writePage(dist: string, script: string): void {
  const page = readFileSync(join(APP, 'index.html'), 'utf8').replace('<!-- SCRIPT -->', script);
  writeFileSync(join(dist, 'index.html'), page);
}

/** Every `node:` specifier a bundle still names (none, for a bundle made for browsers). */
export function nodeSpecifiers(code: string): string[] {
  // Comments may sit between `import(` and the string (`/* @vite-ignore */`).
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*(?:\/\*[\s\S]*?\*\/\s*)*|\brequire\s*\(\s*)["'](node:[\w/]+)["']/g)].map((match) => match[1]);
}

/**
 * Opens `server`'s page (with `?threads=N` for more than one thread), waits
 * for the app to finish, and checks it learned XOR on that many threads.
 */
export async function expectXor(browser: Browser, server: StaticServer, name: string, threads = 1): Promise<void> {
  await withPage(browser, name, async (watched) => {
    const { page } = watched;
    await page.goto(`${server.url}/${threads > 1 ? `?threads=${threads}` : ''}`);
    await waitForDone(watched);
    expect(await text(page, 'threads')).toBe(String(threads));
    expect(Number(await text(page, 'loss'))).toBeLessThan(0.05);
    const predictions = JSON.parse(await text(page, 'predictions')) as number[];
    expect(predictions.map(Math.round)).toEqual([0, 1, 1, 0]);
  });
}

/** The paths of `server`'s .wasm and .js requests that were answered 200, in order. */
export function served(server: StaticServer, extension: '.wasm' | '.js'): string[] {
  return server.requests.filter((r) => r.status === 200 && r.path.split('?')[0].endsWith(extension)).map((r) => r.path);
}

/** An app built by one bundler, with Chromium and two servers of its dist/ (one cross-origin isolated, for threads). */
export interface BundledApp {
  readonly app: ReturnType<typeof makeApp>;
  browser: Browser;
  server: StaticServer;
  isolated: StaticServer;
}

/**
 * Registers the suite's beforeAll (build the app with `build` while Chromium
 * starts, write the page around `script` unless the bundler wrote its own,
 * start the servers) and afterAll (close and remove everything).
 */
export function useBundledApp(name: string, build: (app: BundledApp['app']) => Promise<unknown>, script?: string): BundledApp {
  const bundled = { app: makeApp(name) } as BundledApp;
  beforeAll(async () => {
    [bundled.browser] = await Promise.all([launchBrowser(), build(bundled.app)]);
    if (script !== undefined) writePage(bundled.app.dist, script);
    [bundled.server, bundled.isolated] = await Promise.all([
      startServer({ root: bundled.app.dist }), startServer({ root: bundled.app.dist, isolate: true })]);
  }, 60_000);
  afterAll(async () => {
    await bundled.browser?.close();
    await bundled.server?.close();
    await bundled.isolated?.close();
    bundled.app.remove();
  });
  return bundled;
}
