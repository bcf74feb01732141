// esbuild and Rollup leave `new URL('…', import.meta.url)` alone: the app
// serves wasmgrad's files itself (copy-wasmgrad.mjs copies them into
// dist/wasmgrad/) and tells init where they are.
import { trainXor } from './xor.js';

const threads = Number(new URLSearchParams(location.search).get('threads') ?? 1);
void trainXor(threads > 1
  ? { threads, wasm: '/wasmgrad/wasmgrad-threads.wasm', workerUrl: '/wasmgrad/worker.js' }
  : { wasm: '/wasmgrad/wasmgrad.wasm' });
