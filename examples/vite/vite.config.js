// Builds examples/vite/ into examples/vite/dist/ (npm run example:vite, or npm run demo:build).
// The app imports 'wasmgrad' as a package; the alias points it at this repository's
// build/index.js, as an installed package's "exports" would. Vite sees
// `new URL('../wasmgrad.wasm', import.meta.url)` in build/wasm/load.js and emits the
// module into dist/assets/ with a hashed name, rewriting the URL to match.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',                     // relative asset URLs: dist/ can be served from any path
  logLevel: 'warn',
  resolve: {
    alias: { wasmgrad: fileURLToPath(new URL('../../build/index.js', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
