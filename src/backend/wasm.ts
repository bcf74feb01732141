import { codedError } from '../errors.js';
import { KERNEL_NAMES, type Backend, type Kernels } from './backend.js';

/** The wasm backend: the module's exported kernels, picked by name from the registry. */
export function createWasmBackend(exports: WebAssembly.Exports): Backend {
  const kernels: Partial<Kernels> = {};
  for (const name of KERNEL_NAMES) {
    const kernel = exports[name];
    if (typeof kernel !== 'function') {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `wasmgrad.wasm does not export the kernel "${name}": it is not this version's module (rebuild it)`);
    }
    (kernels as Record<string, unknown>)[name] = kernel;
  }
  // Pointers come back from wasm as signed i32: past 2 GiB they would be negative. Unsigned, as everywhere in JS.
  const forward = kernels.mlpForward!;
  kernels.mlpForward = (desc, x, rows) => forward(desc, x, rows) >>> 0;
  const panelBytes = kernels.mlpPanelBytes!;
  kernels.mlpPanelBytes = (desc, layer) => panelBytes(desc, layer) >>> 0;
  return { name: 'wasm', ...(kernels as Kernels) };
}
