// Copies wasmgrad's two .wasm builds and its thread-pool worker, as the
// package exports them, into dist/wasmgrad/, for bundlers that do not emit
// them (esbuild, Rollup). Run after the bundler: node copy-wasmgrad.mjs
import { cpSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

for (const file of ['wasmgrad.wasm', 'wasmgrad-threads.wasm', 'threads/worker.js']) {
  cpSync(fileURLToPath(import.meta.resolve(`wasmgrad/${file}`)), `dist/wasmgrad/${file.split('/').pop()}`);
}
