/**
 * The heap: hands out aligned blocks of the one linear memory that the wasm
 * kernels and the pure-TS kernels both work on, and takes them back.
 *
 * The wasm module never allocates; everything above its static data belongs
 * to this allocator. Freed blocks coalesce with their neighbours, so a
 * network built and disposed many times reuses the same bytes and the
 * memory stops growing after the first few.
 */

/** The part of `WebAssembly.Memory` the heap needs. */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const PAGE_BYTES = 65536;
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

  /** @param base first byte the heap may use (the wasm module's `heapBase()`). */
  constructor(readonly memory: LinearMemory, base: number) {
    this.views = new MemoryViews(memory);
    this.top = alignUp(base, BLOCK_ALIGN);
    const end = memory.buffer.byteLength;
    if (end > this.top) this.freeSpans.push({ ptr: this.top, bytes: end - this.top });
    this.top = Math.max(this.top, end);
  }

  /** Allocates `bytes` (rounded up to 64) and returns the block's address. Contents are unspecified. */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new RangeError(`heap.alloc: bytes must be a non-negative integer, got ${bytes}`);
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
    if (bytes === undefined) throw new Error(`heap.free: ${ptr} is not a live block`);
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

  /** Grows memory so that a free span of at least `size` bytes ends at the top; returns its index. */
  private grow(size: number): number {
    const last = this.freeSpans[this.freeSpans.length - 1];
    const tailFree = last && last.ptr + last.bytes === this.top ? last.bytes : 0;
    const pages = Math.ceil((size - tailFree) / PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch (cause) {
      throw new RangeError(`heap.alloc: cannot grow linear memory by ${pages} pages for a ${size}-byte block`, { cause });
    }
    const added = pages * PAGE_BYTES;
    if (tailFree > 0) last.bytes += added;
    else this.freeSpans.push({ ptr: this.top, bytes: added });
    this.top += added;
    return this.freeSpans.length - 1;
  }
}
