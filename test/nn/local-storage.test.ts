/**
 * save/load with localstorage:// (src/nn/local-storage.ts) against an
 * in-memory localStorage with a quota: round trips on both backends, the
 * quota error with nothing half-written, damaged entries refused whole, and
 * the errors where there is no localStorage. Chromium's real one:
 * test/browser/persistence.test.ts.
 */
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { listModels, load, removeModel, save, toBytes } from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';
import { defineGlobal, FakeLocalStorage, installGlobal, STORE_T as t, STORE_X as x, storeNet as build } from './fake-browser-storage.js';

beforeAll(initFromBuild);

function useStorage(quota?: number): FakeLocalStorage {
  const storage = new FakeLocalStorage(quota);
  installGlobal('localStorage', storage);
  return storage;
}


/** Base64 by Node's Buffer: an independent encoder. */
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

describe('localstorage://', () => {
  it.each(['wasm', 'js'] as const)('round-trips a trained model as base64 under wasmgrad_models/<name> (%s backend)', async (backend) => {
    const storage = useStorage();
    const net = build(3, 5, backend);
    net.fitSync(x, t, { epochs: 4, batchSize: 2 });
    await save(net, 'localstorage://my model/v1');
    expect([...storage.items.keys()]).toEqual(['wasmgrad_models/my model/v1']);
    expect(storage.getItem('wasmgrad_models/my model/v1')).toBe(base64(toBytes(net)));
    const copy = await load('localstorage://my model/v1', { backend });
    expect(copy.backend).toBe(backend);
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.fitSync(x, t, { epochs: 2, batchSize: 1, shuffle: false });
    copy.fitSync(x, t, { epochs: 2, batchSize: 1, shuffle: false });
    expect(copy.getWeights()).toEqual(net.getWeights()); // the optimizer state came along
    net.dispose();
    copy.dispose();
  });

  it('past the quota: WASMGRAD_QUOTA suggesting indexeddb://, and the model saved before is kept', async () => {
    // Room for the small model (about 1,000 characters) but not for the large one (6,002 weights, 3 copies with Adam: about 96,000).
    const storage = useStorage(10_000);
    const small = build(1);
    await save(small, 'localstorage://m');
    const before = storage.getItem('wasmgrad_models/m');
    const large = build(2, 1000);
    const error = await save(large, 'localstorage://m').then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WASMGRAD_QUOTA',
      name: 'Error',
      message: expect.stringMatching(/^save: localstorage:\/\/m does not fit: the browser's storage quota is exceeded by this model \(0\.0[7-9]\d MB, 0\.1 million characters as base64\)\. Nothing was written; a model saved there before is kept\. localStorage holds about 5 MB per site; save to indexeddb:\/\/m instead/),
    });
    expect((error as { cause?: { name?: string } }).cause?.name).toBe('QuotaExceededError');
    expect(storage.getItem('wasmgrad_models/m')).toBe(before);
    const back = await load('localstorage://m');
    expect(back.predict(x)).toEqual(small.predict(x));
    for (const n of [small, large, back]) n.dispose();
  });

  it('refuses a damaged entry whole, naming it, and takes no memory', async () => {
    const storage = useStorage();
    const net = build();
    const bytes = toBytes(net);
    net.dispose();
    const flipped = bytes.slice();
    flipped[flipped.length - 1] ^= 0x10; // inside the last section: only its CRC-32 sees it
    storage.setItem('wasmgrad_models/flipped', base64(flipped));
    storage.setItem('wasmgrad_models/truncated', base64(bytes.subarray(0, bytes.length - 8)));
    storage.setItem('wasmgrad_models/garbage', 'not base64 at all!');
    const live = runtime().heap.liveBytes;
    const refused = (pattern: RegExp) => expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(pattern) });
    await expect(load('localstorage://flipped')).rejects.toThrow(refused(/CRC.*\(in localstorage:\/\/flipped\)$/i));
    await expect(load('localstorage://truncated')).rejects.toThrow(refused(/\(in localstorage:\/\/truncated\)$/));
    await expect(load('localstorage://garbage')).rejects.toThrow(refused(/^load: the entry at localstorage:\/\/garbage is not valid base64/));
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('a name with nothing saved is WASMGRAD_IO; listModels and removeModel', async () => {
    const storage = useStorage();
    storage.setItem('someone-else', 'x');
    await expect(load('localstorage://none')).rejects.toMatchObject({ code: 'WASMGRAD_IO', message: 'load: no model is saved at localstorage://none (listModels() lists the saved ones)' });
    const net = build();
    await save(net, 'localstorage://a');
    await save(net, 'LocalStorage://b'); // the scheme's case does not matter
    const size = toBytes(net).length;
    net.dispose();
    expect(await listModels()).toEqual({ 'localstorage://a': { bytes: size }, 'localstorage://b': { bytes: size } });
    await removeModel('localstorage://a');
    expect(await listModels()).toEqual({ 'localstorage://b': { bytes: size } });
    await expect(removeModel('localstorage://a')).rejects.toMatchObject({ code: 'WASMGRAD_IO' });
    expect(storage.getItem('someone-else')).toBe('x');
  });

  it('a setItem failure other than the quota is WASMGRAD_IO with the cause', async () => {
    const storage = useStorage();
    const cause = new DOMException('The operation is insecure.', 'SecurityError');
    storage.setItem = () => { throw cause; };
    const net = build();
    await expect(save(net, 'localstorage://m')).rejects.toMatchObject({
      code: 'WASMGRAD_IO', cause, message: 'save: cannot write localstorage://m: SecurityError: The operation is insecure.',
    });
    net.dispose();
  });
});

describe('localstorage:// without a usable localStorage', () => {
  const net = () => build();
  const needsBrowser = expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/^(save|load): localstorage:\/\/m needs localStorage.*In Node, save to a file path/) });

  it('Node (no global): WASMGRAD_UNSUPPORTED saying it needs a browser', async () => {
    installGlobal('localStorage', undefined);
    const n = net();
    await expect(save(n, 'localstorage://m')).rejects.toThrow(needsBrowser);
    await expect(load('localstorage://m')).rejects.toThrow(needsBrowser);
    expect(await listModels()).toEqual({});
    n.dispose();
  });

  it('a global without the methods (Node 25+ without --localstorage-file) is no localStorage', async () => {
    installGlobal('localStorage', {});
    const n = net();
    await expect(save(n, 'localstorage://m')).rejects.toThrow(needsBrowser);
    n.dispose();
  });

  it('Node 25+ without --localstorage-file: its getter is never read (reading it prints an ExperimentalWarning), unless the flag or Deno is there', async () => {
    const execArgv = process.execArgv;
    const fake = new FakeLocalStorage();
    let reads = 0;
    // As Node defines it: an accessor on globalThis (here Node 20 runs the test, so process.versions.node is set).
    defineGlobal('localStorage', { get: () => { reads++; return fake; } });
    onTestFinished(() => {
      process.execArgv = execArgv;
      delete (globalThis as { Deno?: unknown }).Deno;
    });
    const n = net();
    await expect(save(n, 'localstorage://m')).rejects.toThrow(needsBrowser);
    await expect(load('localstorage://m')).rejects.toThrow(/needs localStorage \(Node 25\+ has one only when run with --localstorage-file\)/);
    expect(await listModels()).toEqual({});
    expect(reads).toBe(0);
    // Run with the flag, Node's getter gives a working Storage: it is used.
    process.execArgv = [...execArgv, '--localstorage-file=/tmp/x.db'];
    await save(n, 'localstorage://m');
    expect(reads).toBeGreaterThan(0);
    expect([...fake.items.keys()]).toEqual(['wasmgrad_models/m']);
    // Deno (which has a process global too) has a real localStorage behind a getter.
    process.execArgv = execArgv;
    (globalThis as { Deno?: unknown }).Deno = {};
    reads = 0;
    expect(Object.keys(await listModels())).toEqual(['localstorage://m']);
    expect(reads).toBeGreaterThan(0);
    n.dispose();
  });

  it('a blocked one (its getter throws SecurityError) says so', async () => {
    defineGlobal('localStorage', { get: () => { throw new DOMException('Access is denied', 'SecurityError'); } });
    // A page's (a sandboxed iframe's): a window, so not taken for Node's getter.
    defineGlobal('window', { value: globalThis, writable: true });
    const n = net();
    await expect(save(n, 'localstorage://m')).rejects.toMatchObject({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/^save: localstorage:\/\/m needs a usable localStorage \(here reading it throws SecurityError\)/) });
    n.dispose();
  });
});
