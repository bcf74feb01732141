/**
 * The browser's places for model files, named as TF.js names them:
 * `indexeddb://name`, `localstorage://name` and `downloads://name` (save
 * only), and a File or Blob for load (from an `<input type="file">`). save
 * and load (src/nn/files.ts) hand these here; every other path is a file.
 * Each store holds the same bytes as a model file, so a damaged entry is
 * refused whole with the same errors as a damaged file.
 *
 * The stores are the realm's `indexedDB`, `localStorage` and `document`
 * globals, found when called: a runtime that has one (Deno's localStorage,
 * Node with a fake) can use it; one that lacks it gets WASMGRAD_UNSUPPORTED
 * saying that the URL needs a browser.
 */
import { loadIndexedDB, listIndexedDB, removeIndexedDB, saveIndexedDB } from './indexed-db.js';
import { listLocal, loadLocal, removeLocal, saveLocal } from './local-storage.js';
import { noStoreError, storeError } from './store-errors.js';
import { argumentError } from './validate.js';

export type StoreScheme = 'indexeddb' | 'localstorage' | 'downloads';

/** A browser store URL, split. */
export interface StoreUrl {
  readonly scheme: StoreScheme;
  readonly name: string;
  /** As written by the caller, for messages. */
  readonly url: string;
}

const SCHEME = /^(indexeddb|localstorage|downloads):\/\/(.*)$/is;

/**
 * `path` split into scheme and name when it names a browser store, else null
 * (a file path). The scheme's case is ignored; a store URL without a name is
 * refused, except downloads://, whose file is then model.wgm.
 */
export function parseStoreUrl(where: string, path: string): StoreUrl | null {
  const match = SCHEME.exec(path);
  if (!match) return null;
  const scheme = match[1].toLowerCase() as StoreScheme;
  const name = match[2];
  if (name === '' && scheme !== 'downloads') throw argumentError(where, 'path', `${scheme}://name, with a name after ${scheme}://`, path);
  return { scheme, name, url: path };
}

/** Saves the model file `bytes` to the store `store` names (see save). */
export async function saveToStore(where: string, store: StoreUrl, bytes: Uint8Array): Promise<void> {
  if (store.scheme === 'localstorage') saveLocal(where, store.url, store.name, bytes);
  else if (store.scheme === 'indexeddb') await saveIndexedDB(where, store.url, store.name, bytes);
  else download(where, store, bytes);
}

/** Reads the model file saved in the store `store` names (not checked: the caller decodes it). */
export async function loadFromStore(where: string, store: StoreUrl): Promise<Uint8Array> {
  if (store.scheme === 'localstorage') return loadLocal(where, store.url, store.name);
  if (store.scheme === 'indexeddb') return loadIndexedDB(where, store.url, store.name);
  throw argumentError(where, 'path', 'a file path, indexeddb://name or localstorage://name (downloads:// is for save only: '
    + 'to load a downloaded model, pass the File the user picks in an <input type="file">)', store.url);
}

/** The file name for downloads://name: `name`, with .wgm added unless it has an extension. */
export function downloadFileName(name: string): string {
  if (name === '') return 'model.wgm';
  return /\.[^./\\]+$/.test(name) ? name : `${name}.wgm`;
}

/** How long a download's Blob URL lives: long enough for a slow browser to start reading it (FileSaver.js waits 40 s too). */
const REVOKE_AFTER_MS = 40_000;

/** Offers `bytes` as a download: a click on an `<a download>` whose href is a Blob URL. Needs a page (a document). */
function download(where: string, store: StoreUrl, bytes: Uint8Array): void {
  const doc = (globalThis as { document?: Document }).document;
  if (doc === undefined || typeof doc?.createElement !== 'function' || typeof URL.createObjectURL !== 'function') {
    throw noStoreError(where, store.url, 'a page to download from (a document; a Web Worker has none)');
  }
  let href: string | undefined;
  try {
    href = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const link = doc.createElement('a');
    link.href = href;
    link.download = downloadFileName(store.name);
    link.style.display = 'none';
    // In the document while clicked: Firefox ignores clicks on a detached link.
    (doc.body ?? doc.documentElement).appendChild(link);
    link.click();
    link.remove();
  } catch (cause) {
    if (href !== undefined) URL.revokeObjectURL(href);
    throw storeError(where, 'start the download of', store.url, cause);
  }
  const url = href;
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/** True for a Blob (a File is one), the other thing load accepts. */
export function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

/** A Blob's or File's bytes; WASMGRAD_IO if the browser cannot read it (the file changed or was removed since it was picked). */
export async function readBlob(where: string, blob: Blob): Promise<Uint8Array> {
  try {
    return new Uint8Array(await blob.arrayBuffer());
  } catch (cause) {
    throw storeError(where, 'read', blobName(blob), cause);
  }
}

/** How messages name a Blob: a File by its name. */
export function blobName(blob: Blob): string {
  const name = (blob as { name?: unknown }).name;
  return typeof name === 'string' && name !== '' ? `the file ${name}` : 'the Blob';
}

/** The saved models: their URLs, each with the size of its model file in bytes. */
export type ModelList = Record<string, { bytes: number }>;

/**
 * The models saved in this browser by `save(net, 'indexeddb://…')` and
 * `save(net, 'localstorage://…')`: `{ 'indexeddb://name': { bytes }, … }`,
 * as TF.js's listModels. A store this runtime lacks (Node, or localStorage in
 * a Web Worker) contributes nothing.
 */
export async function listModels(): Promise<ModelList> {
  return { ...(await listIndexedDB()), ...listLocal() };
}

/**
 * Deletes the model saved at `url` (`indexeddb://name` or
 * `localstorage://name`), as TF.js's removeModel. Throws WASMGRAD_IO if
 * nothing is saved there.
 */
export async function removeModel(url: string): Promise<void> {
  const store = typeof url === 'string' ? parseStoreUrl('removeModel', url) : null;
  if (store === null || store.scheme === 'downloads') {
    throw argumentError('removeModel', 'url', 'indexeddb://name or localstorage://name', url);
  }
  if (store.scheme === 'localstorage') removeLocal('removeModel', store.url, store.name);
  else await removeIndexedDB('removeModel', store.url, store.name);
}

/** For save's and load's messages: what `path` must be. */
export const PATH_EXPECTED = 'a file path (Node), or indexeddb://name, localstorage://name or downloads://name (browsers)';
