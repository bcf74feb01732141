/**
 * Linear memory without WebAssembly, for init({ backend: 'js' }): an
 * ArrayBuffer that grows by copying into a larger one (the heap's views are
 * re-derived, as after memory.grow).
 */
import { codedError } from './errors.js';
import { PAGE_BYTES, WASM32_MAXIMUM_PAGES, type LinearMemory } from './heap.js';

/**
 * Limit of the pure-TS memory, in 64 KiB pages: 65536 = 4 GiB, the same as
 * the wasm builds, because the kernels and the network descriptor keep
 * pointers as unsigned 32-bit byte offsets. Node 20 (V8) allocates
 * ArrayBuffers of 4 GiB and more, and typed arrays over all of them, so the
 * pointers set the limit, not the engine. Growing copies: for a moment the old
 * and the new buffer both exist, so reaching the limit needs up to
 * 2 + 4 = 6 GiB of host memory (4 + 4 when growing from just under the limit).
 */
export const JS_MAXIMUM_PAGES = WASM32_MAXIMUM_PAGES;

/** The memory starts with 16 pages (1 MiB), as the wasm builds' runtime does. */
const INITIAL_PAGES = 16;

/**
 * An ArrayBuffer that grows like WebAssembly.Memory. Each copy costs the whole
 * size, so it grows to at least double (capped at the limit): n small grows
 * cost O(n) copying in all instead of O(n²). If the doubled buffer cannot be
 * allocated, it tries exactly what was asked for before giving up.
 */
export class ArrayBufferMemory implements LinearMemory {
  buffer = new ArrayBuffer(INITIAL_PAGES * PAGE_BYTES);

  constructor(readonly maximumPages: number = JS_MAXIMUM_PAGES) {}

  /** Adds at least `pages` pages (maybe more), keeping the contents; returns the previous size in pages, as memory.grow does. */
  grow(pages: number): number {
    const previous = this.buffer.byteLength / PAGE_BYTES;
    const needed = previous + pages;
    if (!Number.isInteger(pages) || pages < 0 || needed > this.maximumPages) {
      throw codedError('WASMGRAD_OUT_OF_MEMORY', `ArrayBufferMemory.grow: ${previous} + ${pages} pages exceeds the maximum of ${this.maximumPages}`, 'RangeError');
    }
    if (pages === 0) return previous;
    const doubled = Math.min(this.maximumPages, Math.max(needed, previous * 2));
    let next: ArrayBuffer;
    try {
      next = new ArrayBuffer(doubled * PAGE_BYTES);
    } catch {
      next = new ArrayBuffer(needed * PAGE_BYTES); // a RangeError from here reaches Heap.alloc, which reports it as out of memory
    }
    new Uint8Array(next).set(new Uint8Array(this.buffer));
    this.buffer = next;
    return previous;
  }
}
