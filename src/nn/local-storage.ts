/**
 * Models in localStorage (`localstorage://name`): the model file as base64
 * text under one key, `wasmgrad_models/<name>`. One key per model keeps a
 * save atomic: setItem either stores the whole new value or throws and keeps
 * the old one (the spec says so for QuotaExceededError), so no reader can
 * see half a model. A temporary key and a swap would need room for two
 * copies, which is what a full store lacks.
 */
import { base64Length, base64ToBytes, bytesToBase64, MAX_STRING_LENGTH } from './base64.js';
import { isQuotaError, megabytes, noStoreError, notFoundError, quotaError, storeError } from './store-errors.js';

/** The prefix of wasmgrad's keys in localStorage (TF.js uses `tensorflowjs_models/`). */
export const LOCAL_STORAGE_PREFIX = 'wasmgrad_models/';

const keyOf = (name: string) => `${LOCAL_STORAGE_PREFIX}${name}`;

interface NodeProcess {
  versions?: { node?: string };
  execArgv?: readonly string[];
  env?: Record<string, string | undefined>;
}

/**
 * True in Node 25+ run without --localstorage-file: its localStorage global is
 * a getter that prints an ExperimentalWarning at each read (and gives undefined
 * or an object without methods), so it must not be read at all (listModels()
 * reads it in any Node). Told by the getter and the flag, not the version: a
 * test's stand-in (a plain value), Deno's and a page's (a window) are read.
 */
function nodeWithoutStorageFile(): boolean {
  const proc = (globalThis as { process?: NodeProcess }).process;
  if (typeof proc?.versions?.node !== 'string' || 'Deno' in globalThis || 'window' in globalThis) return false;
  if (typeof Object.getOwnPropertyDescriptor(globalThis, 'localStorage')?.get !== 'function') return false;
  return ![...(proc.execArgv ?? []), proc.env?.NODE_OPTIONS ?? ''].some((flag) => flag.includes('--localstorage-file'));
}

/** The realm's localStorage, or WASMGRAD_UNSUPPORTED where there is none (Node, Web Workers) or the page may not use it. */
function storage(where: string, url: string): Storage {
  if (nodeWithoutStorageFile()) throw noStoreError(where, url, 'localStorage (Node 25+ has one only when run with --localstorage-file)');
  let found: unknown;
  try {
    found = (globalThis as { localStorage?: unknown }).localStorage;
  } catch (cause) {
    // A sandboxed iframe or storage turned off for the site (a SecurityError), or a runtime whose global is a stub: the getter itself throws.
    throw noStoreError(where, url, `a usable localStorage (here reading it throws ${(cause as { name?: unknown })?.name ?? 'an error'})`, cause);
  }
  // A global without the methods (what Node 25.0-25.1 gave without the flag, a runtime's stub) is no localStorage: check the methods, not the name.
  if (found === null || typeof found !== 'object' || typeof (found as Storage).getItem !== 'function') {
    throw noStoreError(where, url, 'localStorage');
  }
  return found as Storage;
}

/**
 * Stores the model file `bytes` as `url` (`localstorage://name`): whole, or,
 * past the quota (about 5 MB per site, as UTF-16 text), not at all, with
 * WASMGRAD_QUOTA suggesting indexeddb://; a model saved under the name
 * before is then kept.
 */
export function saveLocal(where: string, url: string, name: string, bytes: Uint8Array): void {
  const store = storage(where, url);
  const characters = base64Length(bytes.length / 4);
  const size = `${megabytes(bytes.length)}, ${(characters / 1e6).toFixed(1)} million characters as base64`;
  const advice = `localStorage holds about 5 MB per site; save to indexeddb://${name} instead, which holds far more.`;
  // Past the longest string there is, no browser can store it: say so before building the text.
  if (characters > MAX_STRING_LENGTH) throw quotaError(where, url, size, advice);
  const text = bytesToBase64(bytes);
  try {
    store.setItem(keyOf(name), text);
  } catch (cause) {
    if (isQuotaError(cause)) throw quotaError(where, url, size, advice, cause);
    throw storeError(where, 'write', url, cause);
  }
}

/** The model file saved as `url`, checked to be base64 (the caller checks the file). WASMGRAD_IO when there is none. */
export function loadLocal(where: string, url: string, name: string): Uint8Array {
  const store = storage(where, url);
  let text: string | null;
  try {
    text = store.getItem(keyOf(name));
  } catch (cause) {
    throw storeError(where, 'read', url, cause);
  }
  if (text === null) throw notFoundError(where, url);
  return base64ToBytes(where, `the entry at ${url}`, text);
}

/** The models in localStorage: `{ 'localstorage://name': { bytes } }`, sizes from the text's length (nothing is decoded). */
export function listLocal(): Record<string, { bytes: number }> {
  let store: Storage;
  try {
    store = storage('listModels', 'localstorage://');
  } catch {
    return {}; // no localStorage here: nothing saved in it either
  }
  const out: Record<string, { bytes: number }> = {};
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i);
    if (key === null || !key.startsWith(LOCAL_STORAGE_PREFIX)) continue;
    const text = store.getItem(key) ?? '';
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    out[`localstorage://${key.slice(LOCAL_STORAGE_PREFIX.length)}`] = { bytes: (text.length / 4) * 3 - padding };
  }
  return out;
}

/** Deletes the model saved as `url`; WASMGRAD_IO when there is none. */
export function removeLocal(where: string, url: string, name: string): void {
  const store = storage(where, url);
  if (store.getItem(keyOf(name)) === null) throw notFoundError(where, url);
  store.removeItem(keyOf(name));
}
