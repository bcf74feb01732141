/**
 * The platform of the Node entry (package.json exports "node": Node, Bun,
 * Deno): files through node:fs, worker_threads for the pool, V8 flags. Only
 * src/index.node.ts imports this module, so no browser bundle contains it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { unsupportedError } from '../errors.js';
import type { Platform, WorkerEndpoint } from './platform.js';
import type { WorkerStart } from '../threads/worker.js';

const workerFailed = (detail: string, cause?: unknown) => unsupportedError(`wasmgrad worker: ${detail}`, cause === undefined ? undefined : { cause });

/** A worker_threads Worker running build/threads/worker-node.js (the browser's worker.js has no worker_threads). */
function startWorker(start: WorkerStart): WorkerEndpoint {
  const worker = new Worker(new URL('../threads/worker-node.js', import.meta.url), { workerData: start });
  worker.unref(); // a pool must not keep the process alive
  return {
    onReady(resolve, reject) {
      worker.once('message', (message) => (message === 'ready' ? resolve() : reject(workerFailed(JSON.stringify(message)))));
      worker.once('error', (error) => reject(workerFailed(String(error), error)));
    },
    onLost(lost) {
      worker.once('exit', lost);
      worker.on('error', lost);
    },
    terminate: () => worker.terminate(),
  };
}

export const nodePlatform: Platform = {
  name: 'node',
  files: { fs, path },
  threadsAvailable: () => typeof SharedArrayBuffer !== 'undefined',
  availableCores: () => os.availableParallelism?.() ?? os.cpus().length,
  startWorker,
};
