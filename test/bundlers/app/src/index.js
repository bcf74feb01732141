// webpack 5 and Vite: no options. Each bundles the .wasm and the thread-pool
// worker it finds as `new URL('…', import.meta.url)` in wasmgrad.
import { trainXor } from './xor.js';

const threads = Number(new URLSearchParams(location.search).get('threads') ?? 1);
void trainXor({ threads }); // it reports its own errors on the page
