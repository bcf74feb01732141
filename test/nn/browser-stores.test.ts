/**
 * src/nn/browser-stores.ts: which paths are browser store URLs, load(File or
 * Blob), downloads:// (against a stand-in document; Chromium's real download:
 * test/browser/persistence.test.ts), and the argument errors.
 */
import { resolveObjectURL } from 'node:buffer';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dense, load, removeModel, save, sequential, toBytes } from '../../src/index.js';
import { downloadFileName, parseStoreUrl } from '../../src/nn/browser-stores.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const build = (seed = 3) => sequential({ inputSize: 3, layers: [dense(4, { activation: 'tanh' }), dense(2)], seed });
const x = [[0.1, 0.2, 0.3], [1, -1, 0.5]];
/** toBytes's array, typed as a Blob part (its buffer is a plain ArrayBuffer). */
const part = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

describe('store URLs', () => {
  it('names the three schemes, in any case; everything else is a file path', () => {
    expect(parseStoreUrl('save', 'indexeddb://a/b')).toEqual({ scheme: 'indexeddb', name: 'a/b', url: 'indexeddb://a/b' });
    expect(parseStoreUrl('save', 'LocalStorage://m')).toEqual({ scheme: 'localstorage', name: 'm', url: 'LocalStorage://m' });
    expect(parseStoreUrl('save', 'downloads://')).toEqual({ scheme: 'downloads', name: '', url: 'downloads://' });
    for (const path of ['model.wgm', '/tmp/indexeddb://x', 'indexeddb:/x', 'file:///tmp/m.wgm', 'C:\\models\\m.wgm']) {
      expect(parseStoreUrl('save', path), path).toBeNull();
    }
  });

  it('refuses a store URL without a name, before anything is written', async () => {
    const net = build();
    await expect(save(net, 'indexeddb://')).rejects.toMatchObject({
      code: 'WASMGRAD_INVALID_ARGUMENT', message: 'save: path must be indexeddb://name, with a name after indexeddb://, got "indexeddb://"',
    });
    await expect(load('localstorage://')).rejects.toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT' });
    net.dispose();
  });

  it('load(downloads://) and removeModel of anything but the two stores are argument errors that say what to do', async () => {
    await expect(load('downloads://m')).rejects.toMatchObject({
      code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/^load: path must be .*downloads:\/\/ is for save only: to load a downloaded model, pass the File/),
    });
    await expect(removeModel('downloads://m')).rejects.toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/^removeModel: url must be indexeddb:\/\/name or localstorage:\/\/name/) });
    await expect(removeModel('model.wgm')).rejects.toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT' });
    await expect(load(42 as unknown as string)).rejects.toMatchObject({
      code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/^load: path must be a file path \(Node\), or indexeddb:\/\/name, localstorage:\/\/name or downloads:\/\/name \(browsers\), or a File or Blob, got 42/),
    });
  });

  it('download file names: .wgm added unless the name has an extension; model.wgm for none', () => {
    expect(downloadFileName('my-model')).toBe('my-model.wgm');
    expect(downloadFileName('iris.v2')).toBe('iris.v2');
    expect(downloadFileName('weights.bin')).toBe('weights.bin');
    expect(downloadFileName('')).toBe('model.wgm');
  });
});

describe('load(File or Blob)', () => {
  it.each(['wasm', 'js'] as const)('reads the model file from a File or a Blob (%s backend)', async (backend) => {
    const net = build();
    const bytes = toBytes(net);
    for (const source of [new File([part(bytes)], 'model.wgm'), new Blob([part(bytes)])]) {
      const copy = await load(source, { backend });
      expect(copy.backend).toBe(backend);
      expect(copy.getWeights()).toEqual(net.getWeights());
      copy.dispose();
    }
    net.dispose();
  });

  it('refuses a damaged file whole, naming it, and takes no memory', async () => {
    const net = build();
    const bytes = toBytes(net);
    net.dispose();
    bytes[bytes.length - 2] ^= 1;
    const live = runtime().heap.liveBytes;
    await expect(load(new File([part(bytes)], 'picked.wgm'))).rejects.toMatchObject({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(/CRC.*\(in the file picked\.wgm\)$/i) });
    await expect(load(new Blob([part(bytes.subarray(0, 30))]))).rejects.toMatchObject({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(/\(in the Blob\)$/) });
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('a file the browser can no longer read is WASMGRAD_IO with the cause', async () => {
    const cause = new DOMException('A requested file could not be read.', 'NotReadableError');
    const file = new File([new Uint8Array(8)], 'gone.wgm');
    file.arrayBuffer = () => Promise.reject(cause);
    await expect(load(file)).rejects.toMatchObject({ code: 'WASMGRAD_IO', cause, message: 'load: cannot read the file gone.wgm: NotReadableError: A requested file could not be read.' });
  });
});

describe('downloads://', () => {
  const realDocument = Object.getOwnPropertyDescriptor(globalThis, 'document');
  afterEach(() => {
    if (realDocument) Object.defineProperty(globalThis, 'document', realDocument);
    else delete (globalThis as { document?: unknown }).document;
    vi.useRealTimers();
  });

  it('clicks an attached <a download="name.wgm"> whose Blob URL holds the model file, and revokes the URL later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const clicks: { href: string; download: string; attached: boolean }[] = [];
    const body = { children: new Set<unknown>(), appendChild(node: unknown) { this.children.add(node); } };
    const link = {
      href: '', download: '', style: {} as Record<string, string>,
      click() { clicks.push({ href: this.href, download: this.download, attached: body.children.has(this) }); },
      remove() { body.children.delete(this); },
    };
    Object.defineProperty(globalThis, 'document', { configurable: true, value: { body, documentElement: body, createElement: (tag: string) => (tag === 'a' ? link : null) } });
    const net = build();
    await save(net, 'downloads://my-model');
    expect(clicks).toHaveLength(1);
    expect(clicks[0]).toMatchObject({ download: 'my-model.wgm', attached: true });
    expect(body.children.size).toBe(0); // removed after the click
    const blob = resolveObjectURL(clicks[0].href);
    expect(blob).toBeDefined();
    expect(new Uint8Array(await (blob as Blob).arrayBuffer())).toEqual(toBytes(net));
    vi.runAllTimers();
    expect(resolveObjectURL(clicks[0].href)).toBeUndefined(); // revoked
    net.dispose();
  });

  it('without a document (Node, a Web Worker): WASMGRAD_UNSUPPORTED', async () => {
    const net = build();
    await expect(save(net, 'downloads://m')).rejects.toMatchObject({
      code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/^save: downloads:\/\/m needs a page to download from \(a document; a Web Worker has none\)/),
    });
    expect(net.predict(x)).toHaveLength(2);
    net.dispose();
  });
});
