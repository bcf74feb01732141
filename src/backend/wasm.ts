import { KERNEL_NAMES, type Backend, type Kernels } from './backend.js';

/** The wasm backend: the module's exported kernels, picked by name from the registry. */
export function createWasmBackend(exports: WebAssembly.Exports): Backend {
  const kernels: Partial<Kernels> = {};
  for (const name of KERNEL_NAMES) {
    const kernel = exports[name];
    if (typeof kernel !== 'function') throw new Error(`wasmgrad.wasm does not export the kernel "${name}": rebuild it`);
    (kernels as Record<string, unknown>)[name] = kernel;
  }
  return { name: 'wasm', ...(kernels as Kernels) };
}
