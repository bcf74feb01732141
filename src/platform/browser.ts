/**
 * The platform of the default entry (package.json exports "browser" and
 * "default"): browsers, Web Workers and every bundle made for them. It must
 * never import a `node:` module, not even dynamically: webpack stops on one
 * (UnhandledSchemeError) and esbuild too (`Could not resolve "node:…"`), and
 * test/bundlers/ checks that each bundle builds and trains.
 */
import { unsupportedError } from '../errors.js';
import type { Platform, WorkerEndpoint } from './platform.js';
import type { WorkerStart } from '../threads/worker.js';

const workerFailed = (detail: string) => unsupportedError(`wasmgrad worker: ${detail}`);

/**
 * A module Web Worker running build/threads/worker.js. The default is written
 * as `new Worker(new URL('literal', import.meta.url), { type: 'module' })`,
 * the one form webpack 5 and Vite recognise: they bundle the worker and
 * rewrite the URL. esbuild and Rollup leave it as it is, so their users pass
 * init({ workerUrl }) to where they serve the file.
 */
function startWorker(start: WorkerStart, workerUrl?: URL): WorkerEndpoint {
  const worker = workerUrl === undefined
    ? new Worker(new URL('../threads/worker.js', import.meta.url), { type: 'module' })
    : new Worker(workerUrl, { type: 'module' });
  worker.postMessage(start);
  let lost = () => {};
  return {
    onReady(resolve, reject) {
      worker.onmessage = (event) => (event.data === 'ready' ? resolve() : reject(workerFailed(JSON.stringify(event.data))));
      worker.onerror = (event) => {
        reject(workerFailed(event.message || `could not load the worker module${workerUrl ? ` ${workerUrl.href}` : ''}`));
        lost();
      };
    },
    onLost(callback) {
      lost = callback;
    },
    terminate: () => worker.terminate(),
  };
}

export const browserPlatform: Platform = {
  name: 'browser',
  files: null,
  threadsAvailable: () => typeof SharedArrayBuffer !== 'undefined' && typeof Worker !== 'undefined'
    && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  availableCores: () => (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1,
  startWorker,
};
