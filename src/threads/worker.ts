/**
 * A worker of the pool in a browser (a module Web Worker): instantiates the
 * threads build over the shared memory, says it is ready, then lives inside
 * the module's workerLoop until the board says quit. Node's workers run
 * ./worker-node.ts instead.
 *
 * This file imports nothing, so it can be served as it is (the package
 * exports it as `wasmgrad/threads/worker.js`) for bundlers that do not bundle
 * workers (esbuild, Rollup): see init({ workerUrl }). No top-level await
 * either: bundlers build workers in formats (Vite's default 'iife') that
 * cannot have it.
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

const scope = globalThis as unknown as { onmessage: ((event: MessageEvent) => void) | null; postMessage(message: unknown): void };
scope.onmessage = (event) => {
  scope.onmessage = null;
  run(event.data as WorkerStart, (message) => scope.postMessage(message)).catch((error) => scope.postMessage({ error: String(error) }));
};
