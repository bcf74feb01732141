/**
 * The worker pool of the threads build: one worker per extra thread, each
 * running the module's workerLoop on the shared memory. Nothing is posted
 * per job: jobs go through the board in shared memory (assembly/parallel.ts).
 */
import type { WorkerStart } from './worker.js';

export interface ThreadPool {
  /** Worker threads (the calling thread is one more). */
  readonly workers: number;
  /** Ends every worker. */
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
  terminate(): Promise<unknown> | void;
}

async function startNodeWorker(start: WorkerStart): Promise<Endpoint> {
  const { Worker } = await import(/* @vite-ignore */ 'node:worker_threads');
  const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: start });
  worker.unref(); // a pool must not keep the process alive
  return {
    onReady(resolve, reject) {
      worker.once('message', (message) => (message === 'ready' ? resolve() : reject(new Error(`wasmgrad worker: ${JSON.stringify(message)}`))));
      worker.once('error', reject);
    },
    terminate: () => worker.terminate(),
  };
}

function startBrowserWorker(start: WorkerStart): Endpoint {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.postMessage(start);
  return {
    onReady(resolve, reject) {
      worker.onmessage = (event) => (event.data === 'ready' ? resolve() : reject(new Error(`wasmgrad worker: ${JSON.stringify(event.data)}`)));
      worker.onerror = (event) => reject(new Error(`wasmgrad worker: ${event.message}`));
    },
    terminate: () => worker.terminate(),
  };
}

/**
 * Starts `workers` threads on `module` (the threads build) over `memory`, and
 * resolves once every one is inside workerLoop's wait.
 */
export async function startPool(module: WebAssembly.Module, memory: WebAssembly.Memory, board: number, workers: number,
  quit: () => void): Promise<ThreadPool> {
  const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  const endpoints: Endpoint[] = [];
  for (let i = 1; i <= workers; i++) {
    const start: WorkerStart = { module, memory, board, workerIndex: i };
    endpoints.push(isNode ? await startNodeWorker(start) : startBrowserWorker(start));
  }
  try {
    await Promise.all(endpoints.map((endpoint) => new Promise<void>((resolve, reject) => endpoint.onReady(resolve, reject))));
  } catch (error) {
    await Promise.all(endpoints.map((endpoint) => endpoint.terminate()));
    throw error;
  }
  return {
    workers,
    async terminate() {
      quit();
      await Promise.all(endpoints.map((endpoint) => endpoint.terminate()));
    },
  };
}
