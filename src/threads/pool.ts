/**
 * The worker pool of the threads build: one worker per extra thread, each
 * running the module's workerLoop on the shared memory. Nothing is posted
 * per job: jobs go through the board in shared memory (assembly/threads.ts).
 */
import { unsupportedError } from '../errors.js';
import type { WorkerStart } from './worker.js';
import { platform, type WorkerEndpoint } from '../platform/platform.js';

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
  return platform().threadsAvailable();
}

/** Threads to use for `threads: 'auto'`: every logical core. */
export function availableCores(): number {
  return platform().availableCores();
}

const workerFailed = (detail: string) => unsupportedError(`wasmgrad worker: ${detail}`);

/**
 * Starts `workers` threads on `module` (the threads build) over `memory`, and
 * resolves once every one is inside workerLoop's wait. `quit` must detach the
 * pool from the module (so products stop posting jobs) and tell the workers
 * to return; it runs once, on terminate() or when a worker is lost.
 * `workerUrl` (browsers) is where the worker module is served, when not at
 * its default place next to the package (init's workerUrl option).
 */
export async function startPool(module: WebAssembly.Module, memory: WebAssembly.Memory, board: number, workers: number,
  quit: () => void, workerUrl?: URL): Promise<ThreadPool> {
  const endpoints: WorkerEndpoint[] = [];
  const ready: Promise<void>[] = [];
  let running = true;
  const end = () => {
    if (!running) return false;
    running = false;
    quit();
    return true;
  };
  // A worker that dies (an error, or ended from outside) would leave the next product waiting for its slice forever.
  const lost = (endpoint: WorkerEndpoint) => {
    if (!end()) return;
    for (const other of endpoints) if (other !== endpoint) void other.terminate();
  };
  // Each worker is listened to as soon as it exists: its 'ready' (or its end) may come before the next one starts.
  for (let i = 1; i <= workers; i++) {
    const start: WorkerStart = { module, memory, board, workerIndex: i };
    const endpoint = platform().startWorker(start, workerUrl);
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
