/**
 * The errors of the browser model stores (localstorage://, indexeddb://,
 * downloads://), shared by src/nn/local-storage.ts and src/nn/indexed-db.ts.
 */
import { codedError, unsupportedError, type WasmgradError } from '../errors.js';

/**
 * True for a storage quota error: the spec's QuotaExceededError DOMException
 * (legacy code 22), and Firefox's older NS_ERROR_DOM_QUOTA_REACHED (code 1014).
 */
export function isQuotaError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { name, code } = error as { name?: unknown; code?: unknown };
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || code === 22 || code === 1014;
}

function detail(cause: unknown): string {
  if (cause === null || cause === undefined) return 'the browser gave no reason';
  if (typeof cause === 'object' && 'message' in cause && typeof cause.message === 'string' && cause.message !== '') {
    const name = 'name' in cause && typeof cause.name === 'string' ? `${cause.name}: ` : '';
    return `${name}${cause.message}`;
  }
  return String(cause);
}

/** WASMGRAD_IO: `where: cannot <operation> <url>: <the browser's reason>`, the browser's error as `cause`. */
export function storeError(where: string, operation: string, url: string, cause: unknown): WasmgradError {
  return codedError('WASMGRAD_IO', `${where}: cannot ${operation} ${url}: ${detail(cause)}`, 'Error', { cause });
}

/** WASMGRAD_IO: nothing is saved under `url`. */
export function notFoundError(where: string, url: string): WasmgradError {
  return codedError('WASMGRAD_IO', `${where}: no model is saved at ${url} (listModels() lists the saved ones)`);
}

/** WASMGRAD_QUOTA: the store is full; `advice` says what to do instead. */
export function quotaError(where: string, url: string, size: string, advice: string, cause?: unknown): WasmgradError {
  return codedError('WASMGRAD_QUOTA', `${where}: ${url} does not fit: the browser's storage quota is exceeded by this model (${size}). `
    + `Nothing was written; a model saved there before is kept. ${advice}`, 'Error', cause === undefined ? undefined : { cause });
}

/** WASMGRAD_UNSUPPORTED: the runtime lacks the store `what` (Node, Bun, a Web Worker for localStorage or downloads). */
export function noStoreError(where: string, url: string, what: string, cause?: unknown): WasmgradError {
  return unsupportedError(`${where}: ${url} needs ${what}, which this runtime does not have: the browser stores work in browsers `
    + '(or wherever a global of that name exists). In Node, save to a file path, or use toBytes() and fromBytes().', cause === undefined ? undefined : { cause });
}

/** "1.2 MB", for messages. */
export function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(bytes < 1e5 ? 3 : 1)} MB`;
}
