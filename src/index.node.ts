/**
 * wasmgrad's Node entry (package.json exports "node"; also Bun and Deno):
 * the same API as ./index.ts, with Node's platform installed first, so that
 * init() reads the .wasm from disk, save/load and saveTfjs/loadTfjs use the
 * file system, and the thread pool runs on worker_threads. The default entry
 * (./index.ts) imports no `node:` module, so bundles for browsers build.
 */
import { installPlatform } from './platform/platform.js';
import { nodePlatform } from './platform/node.js';

installPlatform(nodePlatform);

export * from './index.js';
