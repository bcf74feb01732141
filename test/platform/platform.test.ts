/**
 * The two platforms behind package.json's export conditions: the default
 * (browser) entry, build/index.js, reaches no `node:` module and reads no
 * files; the "node" entry, build/index.node.js, installs Node's platform, and
 * is what `import 'wasmgrad'` and `require('wasmgrad')` resolve to in Node.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { THREADS_EXEC_ARGV } from '../threads/engine.js';
import { installPlatform, platform } from '../../src/platform/platform.js';
import { browserPlatform } from '../../src/platform/browser.js';
import { nodePlatform } from '../../src/platform/node.js';
import { initFromBuild } from '../helpers.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BUILD = join(ROOT, 'build');

/** Every module build/`entry` reaches by its static and dynamic imports, with the specifiers each names. */
function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    // Statements at the start of a line (as tsc writes them) and import() calls: not `from "x"` inside a message.
    const specifiers = [
      ...code.matchAll(/^(?:import|export)\b[^'"`;]*?\bfrom\s*["']([^"']+)["']|^import\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)/gm),
    ].map((match) => match[1] ?? match[2] ?? match[3]);
    graph.set(file, specifiers);
    for (const specifier of specifiers) if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier));
  };
  visit(join(BUILD, entry));
  return graph;
}

describe('the default (browser) entry', () => {
  it.each(['index.js', 'threads/worker.js'])('build/%s reaches no node: module (webpack and esbuild stop on one)', (entry) => {
    const graph = moduleGraph(entry);
    expect(graph.size).toBeGreaterThan(entry === 'index.js' ? 50 : 0);
    const named = [...graph].flatMap(([file, specifiers]) => specifiers.filter((s) => !s.startsWith('.')).map((s) => `${file}: ${s}`));
    expect(named).toEqual([]);
  });

  it('the Node entry adds Node\'s platform and nothing else', () => {
    expect(moduleGraph('index.node.js').get(join(BUILD, 'index.node.js'))).toEqual(['./platform/platform.js', './platform/node.js', './index.js']);
  });
});

describe('the browser platform (what a bundle for browsers runs)', () => {
  afterEach(() => installPlatform(nodePlatform));

  it('save, load, saveTfjs and loadTfjs throw WASMGRAD_UNSUPPORTED, pointing at the in-memory forms', async () => {
    const { sequential, dense, save, load, saveTfjs, loadTfjs } = await import('../../src/index.js');
    await initFromBuild();
    const net = sequential({ inputSize: 2, layers: [dense(1)], seed: 1 });
    installPlatform(browserPlatform);
    const unsupported = (message: RegExp) => expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(message) });
    await expect(save(net, 'model.wgm')).rejects.toThrow(unsupported(/^save: .*needs Node; in a browser use toBytes\(\) and fromBytes\(\), or save to indexeddb:\/\/name, localstorage:\/\/name or downloads:\/\/name/));
    await expect(load('model.wgm')).rejects.toThrow(unsupported(/^load: .*needs Node/));
    await expect(saveTfjs(net, 'dir')).rejects.toThrow(unsupported(/^saveTfjs .*needs Node; in a browser use toTfjs\(\) and fromTfjs\(\)/));
    await expect(loadTfjs('dir')).rejects.toThrow(unsupported(/^loadTfjs .*needs Node/));
    net.dispose();
  });

  it('reads no file: URL, and says to use the node entry or pass the bytes', async () => {
    const { loadModule } = await import('../../src/wasm/load.js');
    installPlatform(browserPlatform);
    await expect(loadModule(new URL('../../build/wasmgrad.wasm', import.meta.url))).rejects.toThrow(expect.objectContaining({
      code: 'WASMGRAD_IO', message: expect.stringMatching(/browser entry, which reads no files: in Node, import 'wasmgrad'.*or pass the module's bytes/),
    }));
  });

  it('has threads only on a cross-origin isolated page with Web Workers (none in Node)', () => {
    expect(browserPlatform.threadsAvailable()).toBe(false);
    expect(nodePlatform.threadsAvailable()).toBe(true);
    expect(platform()).toBe(nodePlatform); // the test set-up installs Node's, as the node entry does
  });

  it('is the realm\'s: a fresh instance of the module (vi.resetModules, ?instance=N imports) sees what was installed', async () => {
    vi.resetModules();
    const fresh = await import('../../src/platform/platform.js');
    expect(fresh.platform).not.toBe(platform);
    expect(fresh.platform()).toBe(nodePlatform);
  });
});

describe('init({ workerUrl })', () => {
  it.each([[42], [''], ['http://[not a url'], [{ href: '/worker.js' }]])('refuses %j with WASMGRAD_INVALID_ARGUMENT naming the option', async (workerUrl) => {
    vi.resetModules(); // a runtime that init() has not run in: options are checked only on the first call
    const { init } = await import('../../src/runtime.js');
    await expect(init({ workerUrl: workerUrl as never })).rejects.toThrow(expect.objectContaining({
      code: 'WASMGRAD_INVALID_ARGUMENT', name: 'TypeError', message: expect.stringMatching(/^init: options\.workerUrl must be a URL .*wasmgrad\/threads\/worker\.js/),
    }));
  });
});

describe('Node resolves the package to its node entry', () => {
  const base = mkdtempSync(join(tmpdir(), 'wasmgrad-node-entry-'));
  mkdirSync(join(base, 'node_modules'));
  symlinkSync(ROOT, join(base, 'node_modules', 'wasmgrad'), 'dir');
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  const node = (file: string, code: string) => {
    writeFileSync(join(base, file), code);
    // THREADS_EXEC_ARGV: --no-liftoff on Node 20, where wasmgrad otherwise runs one thread (src/threads/liftoff.ts).
    return new Promise<string>((done, fail) => execFile(process.execPath, [...THREADS_EXEC_ARGV, file], { cwd: base, timeout: 30_000 }, (error, stdout, stderr) => (
      error ? fail(new Error(`${file} failed: ${stderr}`, { cause: error })) : done(stdout))));
  };
  const train = `
    const net = sequential({ inputSize: 2, layers: [dense(8, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
      loss: 'binaryCrossentropy', optimizer: adam({ learningRate: 0.05 }), seed: 1 });
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    net.fitSync(x, [[0], [1], [1], [0]], { epochs: 300, batchSize: 4 });
    await save(net, 'xor.wgm');
    const again = await load('xor.wgm');
    console.log(JSON.stringify({ threads: rt.threads, same: JSON.stringify(again.predict(x)) === JSON.stringify(net.predict(x)),
      xor: net.predict(x).map(([y]) => Math.round(y)) }));`;

  it('import: init reads the .wasm from disk, save/load round-trip, and 2 threads start on worker_threads', async () => {
    const out = await node('esm.mjs', `import { init, sequential, dense, adam, save, load } from 'wasmgrad';
      const rt = await init({ threads: 2 });${train}`);
    expect(JSON.parse(out)).toEqual({ threads: 2, same: true, xor: [0, 1, 1, 0] });
  });

  const [major, minor] = process.versions.node.split('.').map(Number);
  it.runIf(major > 20 || (major === 20 && minor >= 19))('require (Node >= 20.19, require of ESM): the same', async () => {
    const out = await node('cjs.cjs', `const { init, sequential, dense, adam, save, load } = require('wasmgrad');
      (async () => { const rt = await init();${train} })();`);
    expect(JSON.parse(out)).toEqual({ threads: 1, same: true, xor: [0, 1, 1, 0] });
  });
});
