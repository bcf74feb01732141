/**
 * A worker thread of the pool (Node worker_threads or a browser Web Worker):
 * instantiates the threads build over the shared memory, says it is ready,
 * then lives inside the module's workerLoop until the board says quit.
 */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  board: number;
  workerIndex: number;
}

async function run(start: WorkerStart, post: (message: unknown) => void): Promise<void> {
  const instance = await WebAssembly.instantiate(start.module, { env: { memory: start.memory } });
  post('ready');
  (instance.exports.workerLoop as (board: number, index: number, seen: number) => void)(start.board, start.workerIndex, 0);
}

// No top-level await: bundlers build workers in formats (Vite's default 'iife') that cannot have it.
if (typeof process !== 'undefined' && typeof process.versions?.node === 'string') {
  import(/* @vite-ignore */ 'node:worker_threads').then(({ parentPort, workerData }) =>
    run(workerData as WorkerStart, (message) => parentPort!.postMessage(message)).catch((error) => parentPort!.postMessage({ error: String(error) })));
} else {
  const scope = globalThis as unknown as { onmessage: ((event: MessageEvent) => void) | null; postMessage(message: unknown): void };
  scope.onmessage = (event) => {
    scope.onmessage = null;
    run(event.data as WorkerStart, (message) => scope.postMessage(message)).catch((error) => scope.postMessage({ error: String(error) }));
  };
}
