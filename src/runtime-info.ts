/**
 * What `init()` resolves to: facts about the runtime (threads, backend,
 * memory in use and its limit), read-only. The runtime's internals (the heap,
 * the linear memory, the raw kernels) are not part of it: with them a caller
 * could write anywhere in the memory every network and tensor shares. Earlier
 * releases exposed them on this object; they still work for one release, with
 * a one-time deprecation warning.
 */
import type { BackendName } from './backend/backend.js';
import type { Runtime } from './runtime.js';

/** Which build of wasmgrad's module runs (see `init`'s options). */
export interface RuntimeFeatures {
  /** A WebAssembly SIMD build runs (every wasm build); false on the pure-TypeScript backend. */
  readonly simd: boolean;
  /**
   * A relaxed-SIMD build runs (wasmgrad-relaxed.wasm or wasmgrad-threads-relaxed.wasm):
   * matrix products multiply-add with `f32x4.relaxed_madd`, fused where the CPU can, so
   * results may differ in the last bits from the baseline build's (README, "Reproducibility").
   */
  readonly relaxedSimd: boolean;
  /**
   * A threads build runs (shared memory; wasmgrad-threads.wasm or wasmgrad-threads-relaxed.wasm).
   * `RuntimeInfo.threads` says how many threads share the products.
   */
  readonly threads: boolean;
}

/** The runtime as `init()` reports it. */
export interface RuntimeInfo {
  /** Threads that share large matrix products (1 without a worker pool, or once the pool has ended). */
  readonly threads: number;
  /** The backend networks and tensors use when none is named: 'wasm', or 'js' after init({ backend: 'js' }). */
  readonly defaultBackend: BackendName;
  /** Which build was loaded: `{ simd, relaxedSimd, threads }` (all false on the pure-TypeScript backend). Frozen. */
  readonly features: RuntimeFeatures;
  /** Bytes of linear memory, free or not. It grows as needed and never shrinks. */
  readonly memoryBytes: number;
  /** The most linear memory this build can have (4 GiB, or less for a shared memory the engine limits). */
  readonly maximumBytes: number;
  /** Bytes held by live networks, tensors and the runtime itself. */
  readonly liveBytes: number;
  /** Blocks of linear memory held: one per live network or tensor, plus the runtime's own. */
  readonly liveBlocks: number;
  /** @deprecated Internal; removed in 0.3. Writing through it can corrupt any network. */
  readonly heap: Runtime['heap'];
  /** @deprecated Internal; removed in 0.3. Writing through it can corrupt any network. */
  readonly memory: Runtime['memory'];
  /** @deprecated Internal; removed in 0.3. */
  readonly exports: Runtime['exports'];
  /** @deprecated Internal; removed in 0.3. */
  readonly backends: Runtime['backends'];
  /** @deprecated Internal; removed in 0.3. */
  readonly gemmWork: number;
  /** @deprecated Internal; removed in 0.3. */
  readonly pool: Runtime['pool'];
}

const INTERNALS = ['heap', 'memory', 'exports', 'backends', 'gemmWork', 'pool'] as const;
let warned = false;

/** Node's DeprecationWarning where there is one (so --no-deprecation silences it), else console.warn. */
function warnDeprecated(name: string): void {
  if (warned) return;
  warned = true;
  const message = `wasmgrad: the runtime object's "${name}" (and heap, memory, exports, backends, gemmWork, pool) is internal and `
    + 'deprecated: it will be removed in 0.3. Use threads, defaultBackend, memoryBytes, maximumBytes, liveBytes and liveBlocks.';
  if (typeof process !== 'undefined' && typeof process.emitWarning === 'function') {
    process.emitWarning(message, { type: 'DeprecationWarning', code: 'WASMGRAD_DEP_RUNTIME_INTERNALS' });
  } else {
    console.warn(message);
  }
}

/** The read-only face of `runtime` (live: each read reports the current value). */
export function runtimeInfo(runtime: Runtime): RuntimeInfo {
  const info = {
    get threads() { return runtime.threads; },
    get defaultBackend() { return runtime.defaultBackend; },
    get features() { return runtime.features; },
    get memoryBytes() { return runtime.heap.memoryBytes; },
    get maximumBytes() { return runtime.heap.maximumBytes; },
    get liveBytes() { return runtime.heap.liveBytes; },
    get liveBlocks() { return runtime.heap.liveBlocks; },
  };
  for (const name of INTERNALS) {
    Object.defineProperty(info, name, {
      enumerable: false,
      get() {
        warnDeprecated(name);
        return runtime[name];
      },
    });
  }
  return Object.freeze(info) as RuntimeInfo;
}
