/**
 * Models in IndexedDB (`indexeddb://name`): database `wasmgrad`, object
 * store `models`, one record per model, `{ bytes }` (the model file) under
 * the key `name`. A save is one put in one readwrite transaction, which
 * IndexedDB commits whole or not at all: a failed save (the quota, a closed
 * tab) keeps the model saved before. The connection is closed after each
 * call, so a page never holds the database open.
 */
import { badModelError } from '../errors.js';
import { isQuotaError, megabytes, noStoreError, notFoundError, quotaError, storeError } from './store-errors.js';

/** The database and object store wasmgrad uses (TF.js uses `tensorflowjs`). */
export const INDEXED_DB_NAME = 'wasmgrad';
export const INDEXED_DB_STORE = 'models';
const VERSION = 1;

function factory(where: string, url: string): IDBFactory {
  let found: unknown;
  try {
    found = (globalThis as { indexedDB?: unknown }).indexedDB;
  } catch (cause) {
    throw noStoreError(where, url, `a usable IndexedDB (here reading it throws ${(cause as { name?: unknown })?.name ?? 'an error'})`, cause);
  }
  if (found === null || typeof found !== 'object' || typeof (found as IDBFactory).open !== 'function') throw noStoreError(where, url, 'IndexedDB');
  return found as IDBFactory;
}

function open(where: string, url: string): Promise<IDBDatabase> {
  const indexedDB = factory(where, url);
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.open(INDEXED_DB_NAME, VERSION);
    } catch (cause) {
      reject(storeError(where, 'open the IndexedDB database for', url, cause));
      return;
    }
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(INDEXED_DB_STORE)) db.createObjectStore(INDEXED_DB_STORE);
    };
    request.onsuccess = () => {
      const db = request.result;
      // A later version of wasmgrad (another tab) upgrading the database must not wait for this connection.
      db.onversionchange = () => db.close();
      resolve(db);
    };
    request.onerror = () => reject(storeError(where, 'open the IndexedDB database for', url, request.error));
    request.onblocked = () => reject(storeError(where, 'open the IndexedDB database for', url, 'another tab holds an older version of it open'));
  });
}

/**
 * Runs `body` in one transaction on the models store and resolves with what
 * it `set`s once the transaction has committed (for writes: is on disk, as
 * far as the browser promises), rejecting if it aborts.
 */
async function transaction<T>(where: string, url: string, mode: IDBTransactionMode, operation: string,
  body: (store: IDBObjectStore, set: (value: T) => void) => void, failed: (cause: unknown) => Error = (cause) => storeError(where, operation, url, cause)): Promise<T> {
  const db = await open(where, url);
  try {
    return await new Promise<T>((resolve, reject) => {
      let result: T;
      let settled = false;
      const fail = (cause: unknown) => {
        if (!settled) reject(failed(cause));
        settled = true;
      };
      try {
        const tx = db.transaction(INDEXED_DB_STORE, mode);
        tx.oncomplete = () => {
          if (!settled) resolve(result);
          settled = true;
        };
        tx.onabort = () => fail(tx.error);
        tx.onerror = () => fail(tx.error);
        body(tx.objectStore(INDEXED_DB_STORE), (value) => {
          result = value;
        });
      } catch (cause) {
        // DataCloneError, InvalidStateError and the like, thrown synchronously: the transaction aborts on its own.
        fail(cause);
      }
    });
  } finally {
    db.close();
  }
}

/**
 * Stores the model file `bytes` as `url` (`indexeddb://name`) in one put;
 * WASMGRAD_QUOTA if the site's storage is full (the old entry is kept).
 */
export async function saveIndexedDB(where: string, url: string, name: string, bytes: Uint8Array): Promise<void> {
  // The record holds exactly the file: a view into a larger buffer would store (and clone) all of that buffer.
  const exact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  const advice = 'Free room by removing models you no longer need (removeModel), or offer the model as a download (downloads://).';
  await transaction<void>(where, url, 'readwrite', 'write', (store) => {
    store.put({ bytes: exact }, name);
  }, (cause) => (isQuotaError(cause) ? quotaError(where, url, megabytes(bytes.length), advice, cause) : storeError(where, 'write', url, cause)));
}

/** The model file saved as `url`; WASMGRAD_IO when there is none, WASMGRAD_BAD_MODEL_FILE when the record is not one wasmgrad wrote. */
export async function loadIndexedDB(where: string, url: string, name: string): Promise<Uint8Array> {
  const record = await transaction<unknown>(where, url, 'readonly', 'read', (store, set) => {
    const request = store.get(name);
    request.onsuccess = () => set(request.result);
  });
  if (record === undefined) throw notFoundError(where, url);
  const bytes = (record as { bytes?: unknown } | null)?.bytes;
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  throw badModelError(`${where}: the entry at ${url} is not a wasmgrad model (expected a record { bytes: Uint8Array })`, 'TypeError');
}

/** The models in IndexedDB: `{ 'indexeddb://name': { bytes } }`; empty where there is no IndexedDB. */
export async function listIndexedDB(): Promise<Record<string, { bytes: number }>> {
  try {
    factory('listModels', 'indexeddb://');
  } catch {
    return {};
  }
  return transaction<Record<string, { bytes: number }>>('listModels', 'indexeddb://', 'readonly', 'list the models in', (store, set) => {
    const out: Record<string, { bytes: number }> = {};
    set(out);
    // A cursor reads one record at a time; getAll() would hold every model in memory at once.
    const request = store.openCursor();
    request.onsuccess = () => {
      const cursor = request.result;
      if (!cursor) return;
      const bytes = (cursor.value as { bytes?: { byteLength?: unknown } } | null)?.bytes?.byteLength;
      out[`indexeddb://${String(cursor.key)}`] = { bytes: typeof bytes === 'number' ? bytes : 0 };
      cursor.continue();
    };
  });
}

/** Deletes the model saved as `url`, in one transaction with the check that it is there; WASMGRAD_IO when it is not. */
export async function removeIndexedDB(where: string, url: string, name: string): Promise<void> {
  const found = await transaction<boolean>(where, url, 'readwrite', 'delete', (store, set) => {
    const request = store.count(name);
    request.onsuccess = () => {
      set(request.result > 0);
      if (request.result > 0) store.delete(name);
    };
  });
  if (!found) throw notFoundError(where, url);
}
