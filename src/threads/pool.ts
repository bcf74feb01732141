/**
 * The worker pool of the threads build: one worker per extra thread, each
 * running the module's workerLoop on the shared memory. Nothing is posted
 * per job: jobs go through the board in shared memory (assembly/parallel.ts).
 */
import { unsupportedError } from '../errors.js';
import type { WorkerStart } from './worker.js';

export interface ThreadPool {
  /** Worker threads (the calling thread is one more). */
  readonly workers: number;
  /**
   * False once the pool has ended: after terminate(), or when a worker died
   * (between jobs). From then on every product runs on the calling thread,
   * with the same results: nothing waits for workers that are gone.
   */
  readonly running: boolean;
  /** Ends every worker; later products run on one thread. */
  terminate(): Promise<void>;
}

/** True where shared memory and workers are available (Node, or a cross-origin isolated page). */
export function threadsAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (typeof process !== 'undefined' && typeof process.versions?.node === 'string') return true;
  return typeof Worker !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** Threads to use for `threads: 'auto'`: every logical core. */
export async function availableCores(): Promise<number> {
  if (typeof process !== 'undefined' && typeof process.versions?.node === 'string') {
    const os = await import(/* @vite-ignore */ 'node:os');
    return os.availableParallelism?.() ?? os.cpus().length;
  }
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

interface Endpoint {
  onReady(resolve: () => void, reject: (error: Error) => void): void;
  /** Calls `lost` once if the worker ends or fails other than by terminate(). */
  onLost(lost: () => void): void;
  terminate(): Promise<unknown> | void;
}

const workerFailed = (detail: string, cause?: unknown) => unsupportedError(`wasmgrad worker: ${detail}`, cause === undefined ? undefined : { cause });

async function startNodeWorker(start: WorkerStart): Promise<Endpoint> {
  const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: start });
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

function startBrowserWorker(start: WorkerStart): Endpoint {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.postMessage(start);
  let lost = () => {};
  return {
    onReady(resolve, reject) {
      worker.onmessage = (event) => (event.data === 'ready' ? resolve() : reject(workerFailed(JSON.stringify(event.data))));
      worker.onerror = (event) => {
        reject(workerFailed(event.message));
        lost();
      };
    },
    onLost(callback) {
      lost = callback;
    },
    terminate: () => worker.terminate(),
  };
}

/**
 * Starts `workers` threads on `module` (the threads build) over `memory`, and
 * resolves once every one is inside workerLoop's wait. `quit` must detach the
 * pool from the module (so products stop posting jobs) and tell the workers
 * to return; it runs once, on terminate() or when a worker is lost.
 */
export async function startPool(module: WebAssembly.Module, memory: WebAssembly.Memory, board: number, workers: number,
  quit: () => void): Promise<ThreadPool> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  const endpoints: Endpoint[] = [];
  const ready: Promise<void>[] = [];
  let running = true;
  const end = () => {
    if (!running) return false;
    running = false;
    quit();
    return true;
  };
  // A worker that dies (an error, or ended from outside) would leave the next product waiting for its slice forever.
  const lost = (endpoint: Endpoint) => {
    if (!end()) return;
    for (const other of endpoints) if (other !== endpoint) void other.terminate();
  };
  // Each worker is listened to as soon as it exists: its 'ready' (or its end) may come before the next one starts.
  for (let i = 1; i <= workers; i++) {
    const start: WorkerStart = { module, memory, board, workerIndex: i };
    const endpoint = isNode ? await startNodeWorker(start) : startBrowserWorker(start);
    endpoints.push(endpoint);
    const started = new Promise<void>((resolve, reject) => endpoint.onReady(resolve, reject));
    started.catch(() => {}); // handled by Promise.all below; not an unhandled rejection while later workers start
    ready.push(started);
    endpoint.onLost(() => lost(endpoint));
  }
  try {
    await Promise.all(ready);
    if (!running) throw workerFailed('a worker ended while the pool was starting');
  } catch (error) {
    end();
    await Promise.all(endpoints.map((endpoint) => endpoint.terminate()));
    throw error;
  }
  return {
    workers,
    get running() { return running; },
    async terminate() {
      end();
      await Promise.all(endpoints.map((endpoint) => endpoint.terminate()));
    },
  };
}
