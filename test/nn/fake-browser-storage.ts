/**
 * Small in-memory stand-ins for a browser's localStorage and indexedDB, as
 * far as src/nn/local-storage.ts and src/nn/indexed-db.ts use them, with
 * quotas, so the error paths (quota, damaged entries, the old entry kept)
 * run in Node. test/browser/persistence.test.ts checks the real ones.
 */
import { onTestFinished } from 'vitest';
import { adam, dense, sequential } from '../../src/index.js';

/** localStorage: strings under keys; a setItem past `quota` characters (keys and values, as browsers count) throws QuotaExceededError and changes nothing. */
export class FakeLocalStorage {
  readonly items = new Map<string, string>();
  constructor(readonly quota = 5_000_000) {}
  get length(): number {
    return this.items.size;
  }
  key(i: number): string | null {
    return [...this.items.keys()][i] ?? null;
  }
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    const others = [...this.items].filter(([k]) => k !== key).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
    if (others + key.length + value.length > this.quota) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

type Handler = (() => void) | null;

interface FakeRequest {
  result: unknown;
  error: unknown;
  onsuccess: Handler;
  onerror: Handler;
}

/**
 * indexedDB: databases of object stores with out-of-line keys. A transaction
 * runs its requests in order on a copy and commits the copy at its end, or
 * aborts (QuotaExceededError past `quota` bytes of Uint8Array values, or the
 * error in `failNextTransaction`) and keeps what was there.
 */
export class FakeIndexedDB {
  readonly databases = new Map<string, Map<string, Map<string, unknown>>>();
  failNextTransaction: unknown = undefined;
  constructor(readonly quota = Number.POSITIVE_INFINITY) {}

  open(name: string, version: number) {
    const request = { result: undefined as unknown, error: null as unknown, onsuccess: null as Handler, onerror: null as Handler,
      onupgradeneeded: null as Handler, onblocked: null as Handler };
    setTimeout(() => {
      const isNew = !this.databases.has(name);
      if (isNew) this.databases.set(name, new Map());
      request.result = this.connection(this.databases.get(name) as Map<string, Map<string, unknown>>, version);
      if (isNew) request.onupgradeneeded?.();
      request.onsuccess?.();
    });
    return request;
  }

  private connection(stores: Map<string, Map<string, unknown>>, version: number) {
    const fake = this;
    return {
      version,
      onversionchange: null as Handler,
      objectStoreNames: { contains: (store: string) => stores.has(store) },
      createObjectStore: (store: string) => stores.set(store, new Map()),
      close: () => {},
      transaction(storeName: string, mode: string) {
        return fake.transaction(stores, storeName, mode);
      },
    };
  }

  private transaction(stores: Map<string, Map<string, unknown>>, storeName: string, mode: string) {
    const target = stores.get(storeName);
    if (!target) throw new DOMException(`No objectStore named ${storeName}`, 'NotFoundError');
    const copy = new Map(target);
    const queue: (() => void)[] = [];
    const tx = { error: null as unknown, oncomplete: null as Handler, onabort: null as Handler, onerror: null as Handler, objectStore: () => store };
    const request = (run: () => unknown): FakeRequest => {
      const r: FakeRequest = { result: undefined, error: null, onsuccess: null, onerror: null };
      queue.push(() => {
        r.result = run();
        r.onsuccess?.();
      });
      return r;
    };
    const writable = () => {
      if (mode !== 'readwrite') throw new DOMException('The transaction is read-only.', 'ReadOnlyError');
    };
    const store = {
      put(value: unknown, key: string) {
        writable();
        const cloned = structuredClone(value);
        return request(() => copy.set(key, cloned) && key);
      },
      get: (key: string) => request(() => structuredClone(copy.get(key))),
      count: (key: string) => request(() => (copy.has(key) ? 1 : 0)),
      delete(key: string) {
        writable();
        return request(() => copy.delete(key) && undefined);
      },
      openCursor() {
        const keys = [...copy.keys()].sort();
        let at = 0;
        const r: FakeRequest = { result: null, error: null, onsuccess: null, onerror: null };
        const step = () => {
          const key = keys[at++];
          r.result = key === undefined ? null : { key, value: structuredClone(copy.get(key)), continue: () => queue.push(step) };
          r.onsuccess?.();
        };
        queue.push(step);
        return r;
      },
    };
    const finish = () => {
      while (queue.length > 0) (queue.shift() as () => void)();
      const failure = this.failNextTransaction ?? (mode === 'readwrite' && this.bytes(stores, storeName, copy) > this.quota
        ? new DOMException('The quota has been exceeded.', 'QuotaExceededError') : undefined);
      this.failNextTransaction = undefined;
      if (failure !== undefined) {
        tx.error = failure;
        tx.onabort?.();
        return;
      }
      target.clear();
      for (const [k, v] of copy) target.set(k, v);
      tx.oncomplete?.();
    };
    setTimeout(finish);
    return tx;
  }

  /** Bytes of the Uint8Array values in every store, with `storeName` as `replaced`. */
  private bytes(stores: Map<string, Map<string, unknown>>, storeName: string, replaced: Map<string, unknown>): number {
    let total = 0;
    for (const [name, records] of stores) {
      for (const value of (name === storeName ? replaced : records).values()) {
        const bytes = (value as { bytes?: unknown })?.bytes;
        if (bytes instanceof Uint8Array) total += bytes.length;
      }
    }
    return total;
  }
}

/**
 * Defines globalThis[name] for the running test and puts the old one back
 * when it finishes (onTestFinished), whatever the test does.
 */
export function defineGlobal(name: string, descriptor: PropertyDescriptor): void {
  const before = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, { configurable: true, ...descriptor });
  onTestFinished(() => {
    if (before) Object.defineProperty(globalThis, name, before);
    else delete (globalThis as Record<string, unknown>)[name];
  });
}

/** Installs `value` as globalThis[name] for the running test (a store, or undefined for a runtime without one). */
export function installGlobal(name: 'localStorage' | 'indexedDB', value: unknown): void {
  defineGlobal(name, { value, writable: true });
}

/** The network the store tests save, load and train further, and samples to train and predict on. */
export const storeNet = (seed = 3, hidden = 5, backend: 'wasm' | 'js' = 'wasm') => sequential({ inputSize: 3,
  layers: [dense(hidden, { activation: 'relu' }), dense(2, { activation: 'softmax' })], loss: 'categoricalCrossentropy', optimizer: adam(), seed, backend });
export const STORE_X = [[0.1, 0.2, 0.3], [1, -1, 0.5]];
export const STORE_T = [[1, 0], [0, 1]];
