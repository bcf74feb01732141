/** Loading the module: the built package's default path, and every custom source init() accepts. */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const wasmUrl = new URL('../../build/wasmgrad.wasm', import.meta.url);

describe('init (the built package)', () => {
  it('finds build/wasmgrad.wasm by itself, is idempotent, and trains', async () => {
    const pkg = await import('../../build/index.node.js');
    const [a, b] = await Promise.all([pkg.init(), pkg.init()]);
    expect(a).toBe(b);
    expect(await pkg.init()).toBe(a);
    const net = pkg.sequential({ inputSize: 1, layers: [pkg.dense(1)], optimizer: pkg.sgd({ learningRate: 0.1 }), seed: 1 });
    const history = net.fitSync([[1], [2]], [[2], [4]], { epochs: 50 });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]);
    net.dispose();
  });
});

describe('loadModule (each kind of source)', () => {
  it.each([
    ['bytes (Uint8Array)', () => new Uint8Array(readFileSync(wasmUrl))],
    ['an ArrayBuffer', () => { const b = readFileSync(wasmUrl); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); }],
    ['a file URL', () => wasmUrl],
    ['a file URL string', () => wasmUrl.href],
    ['a compiled module', () => new WebAssembly.Module(readFileSync(wasmUrl))],
    ['a Response with application/wasm', () => new Response(readFileSync(wasmUrl), { headers: { 'content-type': 'application/wasm' } })],
    ['a Response with the wrong MIME type', () => new Response(readFileSync(wasmUrl), { headers: { 'content-type': 'application/octet-stream' } })],
  ])('%s', async (_, source) => {
    const { loadModule } = await import('../../src/wasm/load.js');
    const module = await loadModule(source() as never);
    expect(WebAssembly.Module.exports(module).map((e) => e.name)).toContain('gemm');
  });

  it('reports a failed fetch with its status', async () => {
    const { loadModule } = await import('../../src/wasm/load.js');
    await expect(loadModule(new Response('missing', { status: 404 }))).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_IO', message: expect.stringMatching(/HTTP 404/) }));
  });

  it('refuses a source it does not understand', async () => {
    const { loadModule } = await import('../../src/wasm/load.js');
    await expect(loadModule({} as never)).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', name: 'TypeError', message: expect.stringMatching(/options.wasm must be/) }));
  });

  it('reports a Response whose body is not WebAssembly (an HTML error page sent as application/wasm) as the wrong module', async () => {
    const { loadModule } = await import('../../src/wasm/load.js');
    const page = new Response('<!doctype html>', { headers: { 'content-type': 'application/wasm' } });
    await expect(loadModule(page)).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/options\.wasm is not a WebAssembly module/) }));
  });
});

describe('before init', () => {
  it('sequential() says to call init() first', async () => {
    const { sequential, dense } = await import('../../src/index.js');
    expect(() => sequential({ inputSize: 1, layers: [dense(1)] })).toThrow(expect.objectContaining({ code: 'WASMGRAD_NOT_INITIALIZED', message: expect.stringMatching(/call `await init\(\)` first/) }));
  });
});

describe('package exports', () => {
  it('export both builds and the worker script the threads pool loads, and every target exists after the build', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.exports).toMatchObject({
      './wasmgrad.wasm': './build/wasmgrad.wasm',
      './wasmgrad-threads.wasm': './build/wasmgrad-threads.wasm',
      './threads/worker.js': './build/threads/worker.js',
    });
    const targets = Object.values(pkg.exports).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target as object)));
    for (const target of targets) expect(existsSync(new URL(`../../${target}`, import.meta.url)), target).toBe(true);
    // The browser's pool loads build/threads/worker.js: the exported worker is the one it starts.
    expect(readFileSync(new URL('../../src/platform/browser.ts', import.meta.url), 'utf8')).toContain("new URL('../threads/worker.js', import.meta.url)");
  });
});
