/**
 * Finding, fetching and instantiating wasmgrad.wasm in Node and in browsers.
 */
import { codedError, unsupportedError } from '../errors.js';
import { platform } from '../platform/platform.js';

/** Where the module's bytes come from: bytes, a URL (string or URL), a fetch Response, or a compiled module. */
export type WasmSource = BufferSource | URL | string | Response | PromiseLike<Response> | WebAssembly.Module;

/** Which build: the default single-threaded one, or the one for shared memory and workers. */
export type WasmVariant = 'single' | 'threads';

/**
 * The built modules sit next to the compiled package entry: build/wasmgrad.wasm, build/wasmgrad-threads.wasm,
 * and their relaxed-SIMD twins build/wasmgrad-relaxed.wasm, build/wasmgrad-threads-relaxed.wasm.
 * Each URL is written as `new URL('literal', import.meta.url)`, the one form bundlers (Vite, webpack 5,
 * Parcel, esbuild plugins) recognise as an asset reference: they emit the file and rewrite the URL.
 * A computed first argument (a ternary) is left alone, and the built app then fetches a file that is not there.
 */
export function defaultWasmUrl(variant: WasmVariant = 'single', relaxed = false): URL {
  if (variant === 'threads') {
    return relaxed
      ? new URL('../wasmgrad-threads-relaxed.wasm', import.meta.url)
      : new URL('../wasmgrad-threads.wasm', import.meta.url);
  }
  return relaxed
    ? new URL('../wasmgrad-relaxed.wasm', import.meta.url)
    : new URL('../wasmgrad.wasm', import.meta.url);
}

/** The default module's file name, for messages. */
export function defaultWasmName(variant: WasmVariant = 'single', relaxed = false): string {
  return `wasmgrad${variant === 'threads' ? '-threads' : ''}${relaxed ? '-relaxed' : ''}.wasm`;
}

// The smallest module that uses a v128 instruction (from wasm-feature-detect).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);

/**
 * The smallest module that uses f32x4.relaxed_madd (opcode 0xfd 0x105): () -> v128 computing
 * relaxed_madd(splat 0, splat 0, splat 0). It validates only where the engine has relaxed SIMD.
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, // magic, version
  1, 5, 1, 96, 0, 1, 123, // type section: () -> v128
  3, 2, 1, 0, // function section: one function of type 0
  10, 19, 1, 17, 0, // code section: one body of 17 bytes, no locals
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, // three times i32.const 0, i8x16.splat
  253, 133, 2, // f32x4.relaxed_madd
  11, // end
]);

/**
 * Whether this engine's WebAssembly has relaxed SIMD (on by default in Node 22 and later and
 * Chromium 114 and later; Node 20 only with --experimental-wasm-relaxed-simd), so that the
 * relaxed-SIMD builds (wasmgrad-relaxed.wasm, wasmgrad-threads-relaxed.wasm) compile. Whether
 * init() also loads them by default is src/wasm/relaxed-choice.ts's call.
 */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** Throws a clear error where WebAssembly or its SIMD extension is missing. */
export function assertWasmSupport(): void {
  if (typeof WebAssembly !== 'object') {
    throw unsupportedError('wasmgrad: this JavaScript engine has no WebAssembly; use init({ backend: "js" }) for the pure-TypeScript backend');
  }
  if (!WebAssembly.validate(SIMD_PROBE)) {
    throw unsupportedError('wasmgrad: this engine\'s WebAssembly lacks SIMD (v128), which wasmgrad.wasm needs; use init({ backend: "js" }) for the pure-TypeScript backend');
  }
}

async function readLocalFile(readFile: (url: URL) => Promise<Uint8Array>, url: URL, what: string): Promise<Uint8Array> {
  try {
    return await readFile(url);
  } catch (cause) {
    throw codedError('WASMGRAD_IO', `init: cannot read ${what} at ${url.href}: ${String((cause as Error)?.message ?? cause)}`, 'Error', { cause });
  }
}

/** WebAssembly.compile(Streaming), with bytes that are not a module reported as such (the engine's error as `cause`). */
async function compile(what: string, compiling: () => Promise<WebAssembly.Module>): Promise<WebAssembly.Module> {
  try {
    return await compiling();
  } catch (cause) {
    // The relaxed-SIMD builds fail here on engines without relaxed SIMD: say which file to use instead.
    const hint = relaxedSimdSupported() ? '' : ' (this engine lacks relaxed SIMD, so wasmgrad-relaxed.wasm and wasmgrad-threads-relaxed.wasm do not compile here)';
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `init: ${what} is not a WebAssembly module this engine can compile ` +
      `(${String((cause as Error)?.message ?? cause)}); expected wasmgrad.wasm or wasmgrad-threads.wasm from this package${hint}`, 'Error', { cause });
  }
}

function isResponse(value: unknown): value is Response {
  return typeof Response !== 'undefined' && value instanceof Response;
}

async function compileResponse(response: Response, what: string): Promise<WebAssembly.Module> {
  if (!response.ok) throw codedError('WASMGRAD_IO', `wasmgrad: fetching ${response.url || what} failed with HTTP ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (type.startsWith('application/wasm') && typeof WebAssembly.compileStreaming === 'function') {
    return compile(what, () => WebAssembly.compileStreaming(response));
  }
  // Servers that send another MIME type make streaming compilation refuse: fall back to bytes.
  const bytes = await response.arrayBuffer();
  return compile(what, () => WebAssembly.compile(bytes));
}

/**
 * Compiles the module from `source`, or from its default location next to the package (the
 * relaxed-SIMD build of `variant` when `relaxed`).
 */
export async function loadModule(source?: WasmSource, variant: WasmVariant = 'single', relaxed = false): Promise<WebAssembly.Module> {
  assertWasmSupport();
  const what = source === undefined ? `the default module (${defaultWasmName(variant, relaxed)})` : 'options.wasm';
  const resolved = source ?? defaultWasmUrl(variant, relaxed);
  if (resolved instanceof WebAssembly.Module) return resolved;
  if (resolved instanceof ArrayBuffer || ArrayBuffer.isView(resolved)) return compile(what, () => WebAssembly.compile(resolved as BufferSource));
  if (typeof resolved === 'string' || resolved instanceof URL) {
    const url = new URL(resolved, typeof location !== 'undefined' ? location.href : import.meta.url);
    const { files } = platform();
    if (url.protocol === 'file:' && files) {
      const bytes = await readLocalFile(files.fs.promises.readFile, url, what);
      return compile(what, () => WebAssembly.compile(bytes as BufferSource));
    }
    let response: Response;
    try {
      response = await fetch(url);
    } catch (cause) {
      // A file: URL here means the browser entry runs where files are (Node, without the package's "node" export condition).
      const hint = url.protocol === 'file:'
        ? ' (this is wasmgrad\'s browser entry, which reads no files: in Node, import \'wasmgrad\' so that its "node" export condition applies, or pass the module\'s bytes as options.wasm)'
        : '';
      throw codedError('WASMGRAD_IO', `init: fetching ${what} from ${url.href} failed: ${String((cause as Error)?.message ?? cause)}${hint}`, 'Error', { cause });
    }
    return compileResponse(response, what);
  }
  const response = await resolved;
  if (isResponse(response)) return compileResponse(response, what);
  throw codedError('WASMGRAD_INVALID_ARGUMENT', 'init: options.wasm must be bytes (ArrayBuffer or a typed array), a URL, a Response or a WebAssembly.Module', 'TypeError');
}
