/**
 * The shared linear memory of the threads build. A shared memory must declare
 * its maximum, and the engine reserves that much address space when it is
 * made. 64-bit desktop engines reserve 4 GiB without trouble; some cannot
 * (iOS Safari refuses even 2 GiB with "RangeError: Out of memory"), so the
 * maximum is the largest of a few that the engine accepts.
 */
import { codedError } from '../errors.js';
import { WASM32_MAXIMUM_PAGES } from '../heap.js';

/**
 * Maxima tried, largest first, in 64 KiB pages: 4 GiB (the most a 32-bit
 * memory can address, and what the threads build declares), then 2 GiB,
 * 1 GiB, 512 MiB, 256 MiB. A memory with a smaller maximum than the module's
 * import declares still links.
 */
export const SHARED_MAXIMUM_PAGES_TRIED: readonly number[] = [WASM32_MAXIMUM_PAGES, 32768, 16384, 8192, 4096];

/** Pages the memory starts with (1 MiB); it grows as the heap needs. */
const INITIAL_PAGES = 16;

export type MemoryMaker = (descriptor: WebAssembly.MemoryDescriptor) => WebAssembly.Memory;

/** A shared memory with the largest maximum the engine can reserve, and that maximum in pages. */
export function createSharedMemory(make: MemoryMaker = (descriptor) => new WebAssembly.Memory(descriptor)): {
  memory: WebAssembly.Memory; maximumPages: number;
} {
  let failure: unknown;
  for (const maximum of SHARED_MAXIMUM_PAGES_TRIED) {
    try {
      return { memory: make({ initial: INITIAL_PAGES, maximum, shared: true }), maximumPages: maximum };
    } catch (error) {
      failure = error;
    }
  }
  const smallest = SHARED_MAXIMUM_PAGES_TRIED[SHARED_MAXIMUM_PAGES_TRIED.length - 1];
  throw codedError('WASMGRAD_OUT_OF_MEMORY', `init: this engine cannot reserve a shared memory of even ${smallest / 16} MiB ` +
    `for the threads build (${String((failure as Error)?.message ?? failure)}); use threads: 1 and the single-thread build`, 'RangeError', { cause: failure });
}
