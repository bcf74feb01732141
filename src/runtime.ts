/**
 * The module instance: one wasm instance, its linear memory, the heap over it,
 * the two backends and, in the threads build, the worker pool. `init()`
 * creates it once; everything else asks `runtime()` for it.
 */
import { Heap, PAGE_BYTES, WASM32_MAXIMUM_PAGES } from './heap.js';
import { KERNEL_NAMES, type Backend, type BackendName } from './backend/backend.js';
import { createWasmBackend } from './backend/wasm.js';
import { createJsBackend } from './backend/js/index.js';
import { codedError, unsupportedError } from './errors.js';
import { ArrayBufferMemory, JS_MAXIMUM_PAGES } from './js-memory.js';
import { assertWasmSupport, defaultWasmUrl, loadModule, relaxedSimdSupported, type WasmSource } from './wasm/load.js';
import { relaxedSimdPreferred } from './wasm/relaxed-choice.js';
import { availableCores, startPool, threadsAvailable, type ThreadPool } from './threads/pool.js';
import { createSharedMemory, SHARED_MAXIMUM_PAGES_TRIED } from './threads/shared-memory.js';
import { threadsSafeHere } from './threads/liftoff.js';
import { runtimeInfo, type RuntimeFeatures, type RuntimeInfo } from './runtime-info.js';

export type { RuntimeFeatures, RuntimeInfo };

export interface Runtime {
  readonly exports: WebAssembly.Exports;
  readonly memory: WebAssembly.Memory;
  readonly heap: Heap;
  readonly backends: Readonly<Record<BackendName, Backend>>;
  /** GEMM packing workspace of the calling thread (single-threaded JS, so never in use twice). */
  readonly gemmWork: number;
  /** Threads that share large matrix products (1: no worker pool, or the pool has ended). */
  readonly threads: number;
  /** The worker pool, when threads > 1. */
  readonly pool: ThreadPool | null;
  /** The backend networks and tensors use when none is named: 'wasm', or 'js' after init({ backend: 'js' }). */
  readonly defaultBackend: BackendName;
  /** Which build was loaded (all false on the pure-TypeScript backend). */
  readonly features: RuntimeFeatures;
}

export interface InitOptions {
  /**
   * Where to load the module from: bytes, a URL, a Response or a compiled
   * module. Default: next to the package (wasmgrad.wasm, or
   * wasmgrad-threads.wasm when threads > 1). For more than one thread it must
   * be the threads build (`wasmgrad/wasmgrad-threads.wasm`); the threads build
   * also runs on one thread where shared memory exists. Anything else is
   * refused with WASMGRAD_INVALID_ARGUMENT naming what was expected.
   */
  wasm?: WasmSource;
  /**
   * Threads for large matrix products: 1 (default), a number, or 'auto' (every
   * core). More than one needs shared memory (Node, or a cross-origin isolated
   * page); where it is missing wasmgrad runs on one thread, with the same results.
   * So it does on Node 20 (V8 11.3, whose baseline compiler computes the pool's
   * workers wrongly) unless Node was started with `--no-liftoff`: with one
   * warning, code WASMGRAD_THREADS_ENGINE (src/threads/liftoff.ts).
   */
  threads?: number | 'auto';
  /**
   * 'js' runs everything on the pure-TypeScript backend, without WebAssembly
   * (for engines that lack it or its SIMD); networks and tensors then default
   * to it and asking for 'wasm' throws. Default 'wasm'.
   */
  backend?: BackendName;
  /**
   * Where the thread pool's worker module is served, in browsers: a URL
   * (string or URL; a relative one is resolved against the page). Only needed
   * where the bundler leaves `new URL('…', import.meta.url)` alone (esbuild,
   * Rollup without a plugin): serve `wasmgrad/threads/worker.js` from the
   * package yourself and pass its URL here, with the threads build as
   * `wasm`. webpack 5 and Vite bundle the worker, and without a bundler it is
   * found next to the package. Node ignores it.
   */
  workerUrl?: string | URL;
  /**
   * Whether to load the relaxed-SIMD build (wasmgrad-relaxed.wasm, or
   * wasmgrad-threads-relaxed.wasm with threads), whose kernels multiply-add
   * in one fused instruction (`f32x4.relaxed_madd`): faster matrix products
   * where the engine has relaxed SIMD (Node 22 and later, Chromium 114 and
   * later; Node 20 only with `--experimental-wasm-relaxed-simd`). Its results
   * may differ from the baseline build's in the last bits (README,
   * "Reproducibility"). Default: the relaxed build where the engine has
   * relaxed SIMD (feature detection) and runs that build faster, which this
   * project measured on V8 13.6 and later (Node 24 and later, Chromium 136
   * and later, Deno); elsewhere the baseline (on Node 22 and 23 the relaxed
   * build runs matrix products at a quarter to a half of the baseline's
   * speed, on Bun at about 0.6×). `false` always
   * loads the baseline build; `true` rejects with WASMGRAD_UNSUPPORTED where
   * the engine lacks relaxed SIMD. With `wasm`, the module given is loaded
   * as it is, and a `relaxedSimd` that contradicts it is refused with
   * WASMGRAD_INVALID_ARGUMENT. Ignored with `backend: 'js'`.
   */
  relaxedSimd?: boolean;
}

/**
 * Linear memory limit of the threads build, in 64 KiB pages: 65536 = 4 GiB, the
 * most a 32-bit memory can address, as for the single-thread build (whose
 * memory declares no maximum, so 4 GiB is its engine limit too). A shared
 * memory must declare its maximum, and the engine reserves that much address
 * space when it is made (not memory: pages are committed as they are used), so
 * 4 GiB costs nothing on 64-bit engines; Node 20 makes and grows such memories
 * (test/reliability/memory-threads.test.ts starts a 2-thread runtime
 * repeatedly in one process). Engines that cannot reserve it get the largest
 * of 2 GiB, 1 GiB, 512 MiB, 256 MiB they can (src/threads/shared-memory.ts):
 * `runtime().heap.maximumBytes` says which. Must equal `maximumMemory` of the
 * threads target in asconfig.json: a memory may not declare more than the
 * module's import does.
 */
export const SHARED_MAXIMUM_PAGES = SHARED_MAXIMUM_PAGES_TRIED[0];

let current: Runtime | null = null;
let currentInfo: RuntimeInfo | null = null;
let pending: Promise<RuntimeInfo> | null = null;

/**
 * Loads and instantiates wasmgrad's module. Call once before building
 * networks; later calls return the same runtime (idempotent, also when
 * concurrent); the first call's options decide.
 *
 * Without `options.wasm` it loads the relaxed-SIMD build where the engine
 * has relaxed SIMD and runs it faster (V8 13.6 and later: Node 24 and later,
 * Chromium 136 and later), unless `relaxedSimd: false`; `relaxedSimd: true`
 * loads it wherever relaxed SIMD validates (RuntimeInfo.features says which
 * build runs).
 *
 * Rejects with WASMGRAD_INVALID_ARGUMENT for bad options, or for an
 * `options.wasm` that is not the build the options need (a threads build,
 * wasmgrad-threads.wasm or wasmgrad-threads-relaxed.wasm, for `threads` > 1;
 * any build for one thread; a baseline or relaxed one as `relaxedSimd` says
 * when it is given), WASMGRAD_UNSUPPORTED where the engine lacks WebAssembly
 * SIMD, shared memory, or (with `relaxedSimd: true`) relaxed SIMD, and
 * WASMGRAD_IO where the module's file cannot be read.
 */
export function init(options: InitOptions = {}): Promise<RuntimeInfo> {
  if (currentInfo) return Promise.resolve(currentInfo);
  if (options === null || typeof options !== 'object') {
    return Promise.reject(codedError('WASMGRAD_INVALID_ARGUMENT', `init: options must be an object, got ${options === null ? 'null' : typeof options}`, 'TypeError'));
  }
  const { threads = 1 } = options;
  if (threads !== 'auto' && (typeof threads !== 'number' || !Number.isInteger(threads) || threads < 1 || threads > 64)) {
    return Promise.reject(codedError('WASMGRAD_INVALID_ARGUMENT', `init: options.threads must be an integer from 1 to 64 or 'auto', got ${String(threads)}`, 'RangeError'));
  }
  const { backend = 'wasm' } = options;
  if (backend !== 'wasm' && backend !== 'js') {
    return Promise.reject(codedError('WASMGRAD_INVALID_ARGUMENT', `init: options.backend must be "wasm" or "js", got ${JSON.stringify(backend)}`, 'TypeError'));
  }
  const { relaxedSimd } = options;
  if (relaxedSimd !== undefined && typeof relaxedSimd !== 'boolean') {
    return Promise.reject(codedError('WASMGRAD_INVALID_ARGUMENT', `init: options.relaxedSimd must be true or false (or left out: feature detection), got ${
      typeof relaxedSimd === 'string' ? JSON.stringify(relaxedSimd) : String(relaxedSimd)}`, 'TypeError'));
  }
  let workerUrl: URL | undefined;
  try {
    workerUrl = checkWorkerUrl(options.workerUrl);
  } catch (error) {
    return Promise.reject(error);
  }
  pending ??= (backend === 'js' ? Promise.resolve().then(createJsRuntime) : createRuntime(options.wasm, threads, workerUrl, relaxedSimd)).then(
    (created) => {
      current = created;
      return (currentInfo = runtimeInfo(created));
    },
    (error) => {
      pending = null;
      throw error;
    },
  );
  return pending;
}

/** options.workerUrl as a URL (relative ones against the page), or undefined; throws WASMGRAD_INVALID_ARGUMENT for anything else. */
function checkWorkerUrl(value: unknown): URL | undefined {
  if (value === undefined) return undefined;
  if (value instanceof URL) return value;
  if (typeof value === 'string' && value !== '') {
    try {
      return new URL(value, typeof location !== 'undefined' ? location.href : undefined);
    } catch {
      // Reported below, with what was expected.
    }
  }
  throw codedError('WASMGRAD_INVALID_ARGUMENT', `init: options.workerUrl must be a URL (a URL object, or a string such as '/assets/worker.js') ` +
    `where wasmgrad/threads/worker.js is served, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`, 'TypeError');
}

async function createRuntime(source: WasmSource | undefined, requested: number | 'auto', workerUrl: URL | undefined,
  relaxedSimd: boolean | undefined): Promise<Runtime> {
  assertWasmSupport();
  const relaxedHere = relaxedSimdSupported();
  if (relaxedSimd === true && !relaxedHere) {
    throw unsupportedError('init: relaxedSimd: true, but this engine\'s WebAssembly lacks relaxed SIMD (Node 22 and later and ' +
      'Chromium 114 and later have it; Node 20 only with --experimental-wasm-relaxed-simd): leave relaxedSimd out to pick the build ' +
      'by feature detection, or pass relaxedSimd: false');
  }
  // Left out: the relaxed build only where it is also the faster one (src/wasm/relaxed-choice.ts).
  const relaxed = relaxedSimd ?? (relaxedHere && relaxedSimdPreferred());
  const wanted = requested === 'auto' ? await availableCores() : requested;
  const threads = wanted > 1 && threadsAvailable() ? wanted : 1;
  const given = source !== undefined;
  const variant = threads > 1 ? 'threads' : 'single';
  const module = await loadModule(source, variant, relaxed);
  const what = given ? 'options.wasm' : `the default module (${defaultWasmUrl(variant, relaxed).href})`;
  if (moduleBuild(module, what) === 'single') {
    // Refused rather than run on one thread: threads were asked for, and a silent fallback would hide the wrong file.
    if (threads > 1) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `init: ${what} is the single-thread build (wasmgrad.wasm), but threads: ${String(requested)} ` +
        'needs the threads build: pass wasmgrad-threads.wasm as options.wasm, or threads: 1');
    }
    const instance = await instantiate(module, {}, what);
    const features = { simd: true, relaxedSimd: checkRelaxed(instance, relaxedSimd, what), threads: false };
    return assemble(instance, instance.exports.memory as WebAssembly.Memory, WASM32_MAXIMUM_PAGES, null, features);
  }
  if (typeof SharedArrayBuffer === 'undefined') {
    throw unsupportedError(`init: ${what} is the threads build (wasmgrad-threads.wasm), which needs shared memory, and this ` +
      'engine or page has none (a browser page must be cross-origin isolated): pass the single-thread build, wasmgrad.wasm');
  }
  // The threads build on one thread (shared memory, no pool) gives the same results as the single-thread build.
  const { memory, maximumPages } = createSharedMemory();
  const instance = await instantiate(module, { env: { memory } }, what);
  const features = { simd: true, relaxedSimd: checkRelaxed(instance, relaxedSimd, what), threads: true };
  // Node 20's V8 computes the pool's workers wrongly unless started with --no-liftoff (src/threads/liftoff.ts): one thread there, with a warning.
  if (threads === 1 || !threadsSafeHere(requested)) return assemble(instance, memory, maximumPages, null, features);
  const exports = instance.exports as Record<string, CallableFunction>;
  const heap = new Heap(memory, (exports.heapBase as () => number)(), maximumPages * PAGE_BYTES);
  const workers = threads - 1;
  // The board is the heap's first block (test/reliability/threads-script.mjs finds it there).
  const board = heap.alloc((exports.BOARD_BYTES as unknown as WebAssembly.Global).value as number);
  const workBase = heap.alloc((exports.gemmWorkBytes() as number) * workers);
  exports.boardInit(board, workers, workBase);
  // Detaching first: once the workers are gone, the next large product must run on this thread, not wait for them.
  const pool = await startPool(module, memory, board, workers, () => {
    exports.threadsAttach(0);
    exports.boardQuit(board);
  }, workerUrl);
  exports.threadsAttach(board);
  return assemble(instance, memory, maximumPages, pool, features, heap);
}

/**
 * Whether `instance` is a relaxed-SIMD build (its RELAXED_SIMD global), refusing one that
 * contradicts an explicit options.relaxedSimd (possible only with options.wasm).
 */
function checkRelaxed(instance: WebAssembly.Instance, wanted: boolean | undefined, what: string): boolean {
  const flag = instance.exports.RELAXED_SIMD as WebAssembly.Global | undefined;
  const relaxed = flag !== undefined && flag.value === 1;
  if (wanted !== undefined && wanted !== relaxed) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `init: options.relaxedSimd is ${String(wanted)}, but ${what} is ${relaxed
      ? 'a relaxed-SIMD build (wasmgrad-relaxed.wasm or wasmgrad-threads-relaxed.wasm)'
      : 'a baseline build (wasmgrad.wasm or wasmgrad-threads.wasm)'}: pass the other file, or leave relaxedSimd out`);
  }
  return relaxed;
}

/** 'single' or 'threads': which wasmgrad build `module` is, told by its imports and exports; throws if neither. */
function moduleBuild(module: WebAssembly.Module, what: string): 'single' | 'threads' {
  const exported = new Set(WebAssembly.Module.exports(module).map((entry) => entry.name));
  const missing = ['heapBase', 'gemmWorkBytes', ...KERNEL_NAMES].filter((name) => !exported.has(name));
  if (missing.length > 0) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `init: ${what} is not a wasmgrad module of this version: it lacks the exports ` +
      `${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}; expected build/wasmgrad.wasm (or wasmgrad-threads.wasm) from this package`);
  }
  const importsMemory = WebAssembly.Module.imports(module).some((entry) => entry.kind === 'memory');
  return importsMemory ? 'threads' : 'single';
}

/** WebAssembly.instantiate, with a LinkError (or any other) reported as the wrong module, the original as `cause`. */
async function instantiate(module: WebAssembly.Module, imports: WebAssembly.Imports, what: string): Promise<WebAssembly.Instance> {
  try {
    return await WebAssembly.instantiate(module, imports);
  } catch (cause) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `init: ${what} could not be instantiated ` +
      `(${String((cause as Error)?.message ?? cause)}); expected wasmgrad.wasm or wasmgrad-threads.wasm from this version of the package`,
      'Error', { cause });
  }
}

function assemble(instance: WebAssembly.Instance, memory: WebAssembly.Memory, maximumPages: number, pool: ThreadPool | null,
  features: RuntimeFeatures, heap = new Heap(memory, (instance.exports.heapBase as () => number)(), maximumPages * PAGE_BYTES)): Runtime {
  const exports = instance.exports;
  const gemmWork = heap.alloc((exports.gemmWorkBytes as () => number)());
  const backends = { wasm: createWasmBackend(exports), js: createJsBackend(heap.views) };
  return {
    exports, memory, heap, backends, gemmWork, pool, defaultBackend: 'wasm', features: Object.freeze(features),
    // One thread again once the pool has ended (terminate(), or a worker that died): see src/threads/pool.ts.
    get threads() { return pool?.running ? pool.workers + 1 : 1; },
  };
}

/** The pure-TypeScript runtime: the js backend over an ArrayBuffer; the wasm backend throws when used. */
function createJsRuntime(): Runtime {
  const memory = new ArrayBufferMemory();
  const heap = new Heap(memory, 64, JS_MAXIMUM_PAGES * PAGE_BYTES);
  const missing = () => {
    throw unsupportedError("wasmgrad: the wasm backend is not loaded (init({ backend: 'js' }) runs without WebAssembly); use backend: 'js'");
  };
  const wasm = Object.fromEntries(KERNEL_NAMES.map((name) => [name, missing])) as unknown as Backend;
  return {
    exports: {}, memory: memory as unknown as WebAssembly.Memory, heap, gemmWork: 0, threads: 1, pool: null, defaultBackend: 'js',
    features: Object.freeze({ simd: false, relaxedSimd: false, threads: false }),
    backends: { wasm: { ...wasm, name: 'wasm' }, js: createJsBackend(heap.views) },
  };
}

/** The initialised runtime; throws a clear error if `init()` has not finished. */
export function runtime(): Runtime {
  if (!current) throw codedError('WASMGRAD_NOT_INITIALIZED', 'wasmgrad is not initialised: call `await init()` first');
  return current;
}

/** True once `init()` has resolved. */
export function isInitialized(): boolean {
  return current !== null;
}

/**
 * The one place that says which backend networks and tensors use when none is
 * named: 'js' after init({ backend: 'js' }) (no WebAssembly loaded), else
 * 'wasm' (also before init, so a definition can be checked early; building
 * anything still needs init).
 */
export function defaultBackend(): BackendName {
  return current === null ? 'wasm' : current.defaultBackend;
}
