/**
 * A worker of the pool in Node (worker_threads), started by
 * src/platform/node.ts: the same as the browser's ./worker.ts, with
 * parentPort for messages. Kept apart so that no browser bundle that follows
 * the browser worker meets a `node:` import.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerStart } from './worker.js';

async function run(start: WorkerStart, post: (message: unknown) => void): Promise<void> {
  const instance = await WebAssembly.instantiate(start.module, { env: { memory: start.memory } });
  post('ready');
  (instance.exports.workerLoop as (board: number, index: number, seen: number) => void)(start.board, start.workerIndex, 0);
}

run(workerData as WorkerStart, (message) => parentPort!.postMessage(message)).catch((error) => parentPort!.postMessage({ error: String(error) }));
