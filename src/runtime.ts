/**
 * The module instance: one wasm instance, its linear memory, the heap over it
 * and the two backends. `init()` creates it once; everything else asks
 * `runtime()` for it.
 */
import { Heap } from './heap.js';
import type { Backend, BackendName } from './backend/backend.js';
import { createWasmBackend } from './backend/wasm.js';
import { createJsBackend } from './backend/js/index.js';
import { instantiate, type WasmSource } from './wasm/load.js';

export interface Runtime {
  readonly exports: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;
  readonly heap: Heap;
  readonly backends: Readonly<Record<BackendName, Backend>>;
  /** GEMM packing workspace shared by every network (single-threaded, so never in use twice). */
  readonly gemmWork: number;
}

export interface InitOptions {
  /** Where to load wasmgrad.wasm from: bytes, a URL, a Response or a compiled module. Default: next to the package. */
  wasm?: WasmSource;
}

let current: Runtime | null = null;
let pending: Promise<Runtime> | null = null;

/**
 * Loads and instantiates wasmgrad.wasm. Call once before building networks;
 * later calls return the same runtime (idempotent, also when concurrent).
 */
export function init(options: InitOptions = {}): Promise<Runtime> {
  if (current) return Promise.resolve(current);
  if (options === null || typeof options !== 'object') {
    return Promise.reject(new TypeError(`init: options must be an object, got ${options === null ? 'null' : typeof options}`));
  }
  pending ??= instantiate(options.wasm).then(
    (instance) => (current = createRuntime(instance)),
    (error) => {
      pending = null;
      throw error;
    },
  );
  return pending;
}

function createRuntime(instance: WebAssembly.Instance): Runtime {
  const exports = instance.exports;
  const memory = exports.memory as WebAssembly.Memory;
  const heap = new Heap(memory, (exports.heapBase as () => number)());
  const gemmWork = heap.alloc((exports.gemmWorkBytes as () => number)());
  const backends = { wasm: createWasmBackend(exports), js: createJsBackend(heap.views) };
  return { exports, memory, heap, backends, gemmWork };
}

/** The initialised runtime; throws a clear error if `init()` has not finished. */
export function runtime(): Runtime {
  if (!current) throw new Error('wasmgrad is not initialised: call `await init()` first');
  return current;
}

/** True once `init()` has resolved. */
export function isInitialized(): boolean {
  return current !== null;
}
