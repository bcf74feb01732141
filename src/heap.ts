/**
 * The heap: hands out aligned blocks of the one linear memory that the wasm
 * kernels and the pure-TS kernels both work on, and takes them back.
 *
 * The wasm module never allocates; everything above its static data belongs
 * to this allocator. Freed blocks coalesce with their neighbours, so a
 * network built and disposed many times reuses the same bytes and the
 * memory stops growing after the first few.
 */

import { codedError, internalError } from './errors.js';

/**
 * The part of `WebAssembly.Memory` the heap needs. `grow` may add more pages
 * than asked (the pure-TS memory grows geometrically); the heap reads the new
 * size from `buffer`.
 */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** Bytes in one page of linear memory (WebAssembly's unit of growth). */
export const PAGE_BYTES = 65536;

/**
 * Pages a 32-bit linear memory can ever have: 65536 × 64 KiB = 4 GiB. Every
 * pointer in wasmgrad (kernel arguments, the i32 network descriptor) is an
 * unsigned 32-bit byte offset, so no memory, wasm or pure-TS, goes past this.
 */
export const WASM32_MAXIMUM_PAGES = 65536;
/** Every block starts on a cache line, which also satisfies any v128 access. */
export const BLOCK_ALIGN = 64;

interface Span {
  ptr: number;
  bytes: number;
}

/** Typed-array views over linear memory, re-derived whenever `memory.grow` replaced the buffer. */
export class MemoryViews {
  private buffer: ArrayBuffer | null = null;
  private f32View!: Float32Array;
  private f64View!: Float64Array;
  private i32View!: Int32Array;
  private u8View!: Uint8Array;

  constructor(readonly memory: LinearMemory) {}

  private refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.f32View = new Float32Array(buffer);
    this.f64View = new Float64Array(buffer);
    this.i32View = new Int32Array(buffer);
    this.u8View = new Uint8Array(buffer);
  }

  get f32(): Float32Array { this.refresh(); return this.f32View; }
  get f64(): Float64Array { this.refresh(); return this.f64View; }
  get i32(): Int32Array { this.refresh(); return this.i32View; }
  get u8(): Uint8Array { this.refresh(); return this.u8View; }
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/** A first-fit allocator over linear memory with coalescing free spans. */
export class Heap {
  readonly views: MemoryViews;
  /** Free spans, sorted by address, never adjacent (they are merged). */
  private readonly freeSpans: Span[] = [];
  private readonly live = new Map<number, number>();
  private top: number;

  /**
   * @param base first byte the heap may use (the wasm module's `heapBase()`).
   * @param maximumBytes the most bytes `memory` may reach: the build's limit
   *   (its declared maximum, at most 4 GiB), reported by out-of-memory errors.
   */
  constructor(readonly memory: LinearMemory, base: number, readonly maximumBytes: number = WASM32_MAXIMUM_PAGES * PAGE_BYTES) {
    this.views = new MemoryViews(memory);
    this.top = alignUp(base, BLOCK_ALIGN);
    const end = memory.buffer.byteLength;
    if (end > this.top) this.freeSpans.push({ ptr: this.top, bytes: end - this.top });
    this.top = Math.max(this.top, end);
  }

  /** Allocates `bytes` (rounded up to 64) and returns the block's address. Contents are unspecified. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `heap.alloc: bytes must be a non-negative integer, got ${bytes}`, 'RangeError');
    }
    const size = Math.max(BLOCK_ALIGN, alignUp(bytes, BLOCK_ALIGN));
    let index = this.freeSpans.findIndex((span) => span.bytes >= size);
    if (index < 0) index = this.grow(size);
    const span = this.freeSpans[index];
    const ptr = span.ptr;
    if (span.bytes === size) this.freeSpans.splice(index, 1);
    else {
      span.ptr += size;
      span.bytes -= size;
    }
    this.live.set(ptr, size);
    return ptr;
  }

  /** Returns a block from `alloc` to the heap. */
  free(ptr: number): void {
    const bytes = this.live.get(ptr);
    if (bytes === undefined) throw internalError(`heap.free: ${ptr} is not a live block`);
    this.live.delete(ptr);
    let index = 0;
    while (index < this.freeSpans.length && this.freeSpans[index].ptr < ptr) index++;
    const span: Span = { ptr, bytes };
    this.freeSpans.splice(index, 0, span);
    const next = this.freeSpans[index + 1];
    if (next && span.ptr + span.bytes === next.ptr) {
      span.bytes += next.bytes;
      this.freeSpans.splice(index + 1, 1);
    }
    const prev = this.freeSpans[index - 1];
    if (prev && prev.ptr + prev.bytes === span.ptr) {
      prev.bytes += span.bytes;
      this.freeSpans.splice(index, 1);
    }
  }

  /** Bytes of linear memory, free or not. */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes held by live blocks. */
  get liveBytes(): number {
    let total = 0;
    for (const bytes of this.live.values()) total += bytes;
    return total;
  }

  get liveBlocks(): number {
    return this.live.size;
  }

  /**
   * Grows memory so that a free span of at least `size` bytes ends at the top; returns its index.
   * Nothing changes when it cannot: the caller's earlier blocks stay as they were, for it to free.
   */
  private grow(size: number): number {
    const last = this.freeSpans[this.freeSpans.length - 1];
    const tailFree = last && last.ptr + last.bytes === this.top ? last.bytes : 0;
    const pages = Math.ceil((size - tailFree) / PAGE_BYTES);
    // Past the limit (at most 4 GiB, where pointers stop fitting in 32 bits) refuse without asking the memory.
    const cause = this.top + pages * PAGE_BYTES > this.maximumBytes ? null : this.tryGrow(pages);
    if (cause !== undefined) throw this.outOfMemory(size, cause);
    // Read the size back: the memory may have grown by more than asked.
    const added = this.memory.buffer.byteLength - this.top;
    if (added < pages * PAGE_BYTES) throw internalError(`heap.alloc: memory.grow(${pages}) added only ${added} bytes`);
    if (tailFree > 0) last.bytes += added;
    else this.freeSpans.push({ ptr: this.top, bytes: added });
    this.top += added;
    return this.freeSpans.length - 1;
  }

  /** memory.grow(pages): undefined when it worked, else what it threw. */
  private tryGrow(pages: number): unknown {
    try {
      this.memory.grow(pages);
      return undefined;
    } catch (error) {
      return error ?? null;
    }
  }

  private outOfMemory(size: number, cause: unknown) {
    const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    return codedError('WASMGRAD_OUT_OF_MEMORY',
      `wasmgrad: out of memory: cannot grow linear memory for a block of ${size} bytes (${mib(size)}); ` +
      `${mib(this.liveBytes)} in use in ${this.live.size} blocks, ${mib(this.memoryBytes)} of linear memory, ` +
      `this build's limit is ${mib(this.maximumBytes)}${cause === null ? '' : ' (the engine refused to grow it)'}. ` +
      'Dispose networks and tensors no longer needed, or make them smaller',
      'RangeError', cause === null ? undefined : { cause });
  }
}
