/**
 * The module instance: one wasm instance, its linear memory, the heap over it,
 * the two backends and, in the threads build, the worker pool. `init()`
 * creates it once; everything else asks `runtime()` for it.
 */
import { Heap, type LinearMemory } from './heap.js';
import { KERNEL_NAMES, type Backend, type BackendName } from './backend/backend.js';
import { createWasmBackend } from './backend/wasm.js';
import { createJsBackend } from './backend/js/index.js';
import { loadModule, type WasmSource } from './wasm/load.js';
import { availableCores, startPool, threadsAvailable, type ThreadPool } from './threads/pool.js';

export interface Runtime {
  readonly exports: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;
  readonly heap: Heap;
  readonly backends: Readonly<Record<BackendName, Backend>>;
  /** GEMM packing workspace of the calling thread (single-threaded JS, so never in use twice). */
  readonly gemmWork: number;
  /** Threads that share large matrix products (1: no worker pool). */
  readonly threads: number;
  /** The worker pool, when threads > 1. */
  readonly pool: ThreadPool | null;
  /** The backend networks and tensors use when none is named: 'wasm', or 'js' after init({ backend: 'js' }). */
  readonly defaultBackend: BackendName;
}

export interface InitOptions {
  /**
   * Where to load the module from: bytes, a URL, a Response or a compiled
   * module. Default: next to the package (wasmgrad.wasm, or
   * wasmgrad-threads.wasm when threads > 1).
   */
  wasm?: WasmSource;
  /**
   * Threads for large matrix products: 1 (default), a number, or 'auto' (every
   * core). More than one needs shared memory (Node, or a cross-origin isolated
   * page); where it is missing wasmgrad runs on one thread, with the same results.
   */
  threads?: number | 'auto';
  /**
   * 'js' runs everything on the pure-TypeScript backend, without WebAssembly
   * (for engines that lack it or its SIMD); networks and tensors then default
   * to it and asking for 'wasm' throws. Default 'wasm'.
   */
  backend?: BackendName;
}

/** Linear memory limit of the threads build (pages of 64 KiB): 1 GiB. Shared memory must declare one. */
const SHARED_MAXIMUM_PAGES = 16384;

let current: Runtime | null = null;
let pending: Promise<Runtime> | null = null;

/**
 * Loads and instantiates wasmgrad's module. Call once before building
 * networks; later calls return the same runtime (idempotent, also when
 * concurrent); the first call's options decide.
 */
export function init(options: InitOptions = {}): Promise<Runtime> {
  if (current) return Promise.resolve(current);
  if (options === null || typeof options !== 'object') {
    return Promise.reject(new TypeError(`init: options must be an object, got ${options === null ? 'null' : typeof options}`));
  }
  const { threads = 1 } = options;
  if (threads !== 'auto' && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 64)) {
    return Promise.reject(new RangeError(`init: options.threads must be an integer from 1 to 64 or 'auto', got ${String(threads)}`));
  }
  const { backend = 'wasm' } = options;
  if (backend !== 'wasm' && backend !== 'js') {
    return Promise.reject(new TypeError(`init: options.backend must be "wasm" or "js", got ${JSON.stringify(backend)}`));
  }
  pending ??= (backend === 'js' ? Promise.resolve(createJsRuntime()) : createRuntime(options.wasm, threads)).then(
    (created) => (current = created),
    (error) => {
      pending = null;
      throw error;
    },
  );
  return pending;
}

async function createRuntime(source: WasmSource | undefined, requested: number | 'auto'): Promise<Runtime> {
  const wanted = requested === 'auto' ? await availableCores() : requested;
  const threads = wanted > 1 && threadsAvailable() ? wanted : 1;
  if (threads === 1) {
    const instance = await WebAssembly.instantiate(await loadModule(source, 'single'), {});
    return assemble(instance, instance.exports.memory as WebAssembly.Memory, 1, null);
  }
  await avoidLiftoffRace();
  const module = await loadModule(source, 'threads');
  const memory = new WebAssembly.Memory({ initial: 16, maximum: SHARED_MAXIMUM_PAGES, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const partial = assemble(instance, memory, threads, null);
  const exports = instance.exports as Record<string, CallableFunction>;
  const workers = threads - 1;
  const board = partial.heap.alloc((exports.BOARD_BYTES as unknown as WebAssembly.Global).value as number);
  const workBase = partial.heap.alloc((exports.gemmWorkBytes() as number) * workers);
  exports.boardInit(board, workers, workBase);
  const pool = await startPool(module, memory, board, workers, () => exports.boardQuit(board));
  exports.threadsAttach(board);
  return { ...partial, pool };
}

/**
 * Node 20's V8 baseline compiler (Liftoff) computes wrong GEMM results when two
 * threads run the same module's code at once (test/threads/pool.test.ts
 * caught it; optimized code is right, and one thread is right either way).
 * Compiling the threads build with the optimizing tier only avoids it. The
 * flag is process-wide but changes only compile time, never results.
 */
async function avoidLiftoffRace(): Promise<void> {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') return;
  const v8 = await import(/* @vite-ignore */ 'node:v8');
  v8.setFlagsFromString('--no-liftoff');
}

function assemble(instance: WebAssembly.Instance, memory: WebAssembly.Memory, threads: number, pool: ThreadPool | null): Runtime {
  const exports = instance.exports;
  const heap = new Heap(memory, (exports.heapBase as () => number)());
  const gemmWork = heap.alloc((exports.gemmWorkBytes as () => number)());
  const backends = { wasm: createWasmBackend(exports), js: createJsBackend(heap.views) };
  return { exports, memory, heap, backends, gemmWork, threads, pool, defaultBackend: 'wasm' };
}

/** Linear memory without WebAssembly: an ArrayBuffer that grows by copying (views are re-derived, as after memory.grow). */
class ArrayBufferMemory implements LinearMemory {
  buffer = new ArrayBuffer(16 * 65536);
  grow(pages: number): number {
    const previous = this.buffer.byteLength / 65536;
    const next = new ArrayBuffer(this.buffer.byteLength + pages * 65536);
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
    return previous;
  }
}

/** The pure-TypeScript runtime: the js backend over an ArrayBuffer; the wasm backend throws when used. */
function createJsRuntime(): Runtime {
  const memory = new ArrayBufferMemory();
  const heap = new Heap(memory, 64);
  const missing = (name: string) => () => {
    throw new Error(`wasmgrad: the wasm backend is not loaded (init({ backend: 'js' }) runs without WebAssembly); ${name} needs backend: 'js'`);
  };
  const wasm = Object.fromEntries(KERNEL_NAMES.map((name) => [name, missing(name)])) as unknown as Backend;
  return {
    exports: {}, memory: memory as unknown as WebAssembly.Memory, heap, gemmWork: 0, threads: 1, pool: null, defaultBackend: 'js',
    backends: { wasm: { ...wasm, name: 'wasm' }, js: createJsBackend(heap.views) },
  };
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
