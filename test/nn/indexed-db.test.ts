/**
 * save/load with indexeddb:// (src/nn/indexed-db.ts) against an in-memory
 * indexedDB whose transactions commit whole or abort: round trips on both
 * backends, the quota and other aborts keeping the old record, damaged and
 * foreign records refused whole, and the errors where there is no IndexedDB.
 * Chromium's real one: test/browser/persistence.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { listModels, load, removeModel, save, toBytes } from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';
import { FakeIndexedDB, installGlobal, STORE_T as t, STORE_X as x, storeNet as build } from './fake-browser-storage.js';

beforeAll(initFromBuild);

function useIndexedDB(quota?: number): FakeIndexedDB {
  const db = new FakeIndexedDB(quota);
  installGlobal('indexedDB', db);
  return db;
}

/** The records of wasmgrad's store, as the fake keeps them. */
const records = (db: FakeIndexedDB) => db.databases.get('wasmgrad')?.get('models') as Map<string, { bytes: Uint8Array }>;


describe('indexeddb://', () => {
  it.each(['wasm', 'js'] as const)('round-trips a trained model as one record { bytes } in database wasmgrad, store models (%s backend)', async (backend) => {
    const db = useIndexedDB();
    const net = build(3, 5, backend);
    net.fitSync(x, t, { epochs: 4, batchSize: 2 });
    await save(net, 'indexeddb://my-model');
    expect([...records(db).keys()]).toEqual(['my-model']);
    expect(records(db).get('my-model')).toEqual({ bytes: toBytes(net) });
    const copy = await load('indexeddb://my-model', { backend });
    expect(copy.backend).toBe(backend);
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.fitSync(x, t, { epochs: 2, batchSize: 1, shuffle: false });
    copy.fitSync(x, t, { epochs: 2, batchSize: 1, shuffle: false });
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.dispose();
    copy.dispose();
  });

  it('a full store: WASMGRAD_QUOTA, and the record saved before is kept (the transaction aborts whole)', async () => {
    const db = useIndexedDB(20_000);
    const small = build(1);
    await save(small, 'indexeddb://m');
    const before = records(db).get('m');
    const large = build(2, 1000); // 6,002 weights, three copies with Adam: 72 KB
    const error = await save(large, 'indexeddb://m').then(() => undefined, (e: unknown) => e);
    expect(error).toMatchObject({
      code: 'WASMGRAD_QUOTA',
      message: expect.stringMatching(/^save: indexeddb:\/\/m does not fit: the browser's storage quota is exceeded by this model \(0\.0[7-9]\d MB\)\. Nothing was written; a model saved there before is kept\. Free room .*removeModel/),
    });
    expect((error as { cause?: { name?: string } }).cause?.name).toBe('QuotaExceededError');
    expect(records(db).get('m')).toBe(before);
    const back = await load('indexeddb://m');
    expect(back.predict(x)).toEqual(small.predict(x));
    for (const n of [small, large, back]) n.dispose();
  });

  it('any other abort is WASMGRAD_IO with the cause, the old record kept', async () => {
    const db = useIndexedDB();
    const net = build();
    await save(net, 'indexeddb://m');
    const before = records(db).get('m');
    const cause = new DOMException('The transaction was aborted.', 'AbortError');
    db.failNextTransaction = cause;
    await expect(save(build(9), 'indexeddb://m')).rejects.toMatchObject({
      code: 'WASMGRAD_IO', cause, message: 'save: cannot write indexeddb://m: AbortError: The transaction was aborted.',
    });
    expect(records(db).get('m')).toBe(before);
    net.dispose();
  });

  it('refuses a damaged or foreign record whole, naming it, and takes no memory', async () => {
    const db = useIndexedDB();
    const net = build();
    await save(net, 'indexeddb://good');
    const bytes = toBytes(net);
    net.dispose();
    const flipped = bytes.slice();
    flipped[flipped.length - 1] ^= 0x10; // inside the last section: only its CRC-32 sees it
    records(db).set('flipped', { bytes: flipped });
    records(db).set('truncated', { bytes: bytes.slice(0, 40) });
    records(db).set('foreign', 'a string' as unknown as { bytes: Uint8Array });
    const live = runtime().heap.liveBytes;
    const refused = (pattern: RegExp) => expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(pattern) });
    await expect(load('indexeddb://flipped')).rejects.toThrow(refused(/CRC.*\(in indexeddb:\/\/flipped\)$/i));
    await expect(load('indexeddb://truncated')).rejects.toThrow(refused(/\(in indexeddb:\/\/truncated\)$/));
    await expect(load('indexeddb://foreign')).rejects.toThrow(refused(/^load: the entry at indexeddb:\/\/foreign is not a wasmgrad model/));
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('a name with nothing saved is WASMGRAD_IO; listModels and removeModel', async () => {
    useIndexedDB();
    await expect(load('indexeddb://none')).rejects.toMatchObject({ code: 'WASMGRAD_IO', message: 'load: no model is saved at indexeddb://none (listModels() lists the saved ones)' });
    const net = build();
    await save(net, 'indexeddb://b');
    await save(net, 'indexeddb://a');
    const size = toBytes(net).length;
    net.dispose();
    expect(await listModels()).toEqual({ 'indexeddb://a': { bytes: size }, 'indexeddb://b': { bytes: size } });
    await removeModel('indexeddb://a');
    expect(await listModels()).toEqual({ 'indexeddb://b': { bytes: size } });
    await expect(removeModel('indexeddb://a')).rejects.toMatchObject({ code: 'WASMGRAD_IO', message: expect.stringMatching(/^removeModel: no model is saved at indexeddb:\/\/a/) });
  });

  it('without IndexedDB (Node): WASMGRAD_UNSUPPORTED saying it needs a browser; listModels lists nothing', async () => {
    installGlobal('indexedDB', undefined);
    const net = build();
    const needsBrowser = (where: string) => expect.objectContaining({
      code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(new RegExp(`^${where}: indexeddb://m needs IndexedDB, which this runtime does not have: the browser stores work in browsers`)),
    });
    await expect(save(net, 'indexeddb://m')).rejects.toThrow(needsBrowser('save'));
    await expect(load('indexeddb://m')).rejects.toThrow(needsBrowser('load'));
    await expect(removeModel('indexeddb://m')).rejects.toThrow(needsBrowser('removeModel'));
    expect(await listModels()).toEqual({});
    net.dispose();
  });
});
