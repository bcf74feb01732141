/** The heap: aligned blocks, reuse after free, coalescing, growth, and views that survive growth. */
import { describe, expect, it } from 'vitest';
import { Heap, BLOCK_ALIGN, PAGE_BYTES, type LinearMemory } from '../src/heap.js';
import { ArrayBufferMemory, JS_MAXIMUM_PAGES } from '../src/js-memory.js';

const newHeap = (pages = 1, base = 1000) => new Heap(new WebAssembly.Memory({ initial: pages, maximum: 1000 }), base);

describe('Heap', () => {
  it('hands out 64-byte aligned, non-overlapping blocks above the base', () => {
    const heap = newHeap();
    const blocks = [1, 100, 64, 3000, 7].map((bytes) => ({ ptr: heap.alloc(bytes), bytes }));
    for (const { ptr } of blocks) {
      expect(ptr % BLOCK_ALIGN).toBe(0);
      expect(ptr).toBeGreaterThanOrEqual(1000);
    }
    const sorted = [...blocks].sort((a, b) => a.ptr - b.ptr);
    sorted.slice(1).forEach((block, i) => expect(block.ptr).toBeGreaterThanOrEqual(sorted[i].ptr + sorted[i].bytes));
  });

  it('reuses freed memory and coalesces neighbours', () => {
    const heap = newHeap();
    const a = heap.alloc(1024), b = heap.alloc(1024), c = heap.alloc(1024);
    heap.free(a);
    heap.free(c);
    heap.free(b);
    expect(heap.liveBlocks).toBe(0);
    // a, b and c merged back into one span: a block of all three fits where a was.
    expect(heap.alloc(3072)).toBe(a);
  });

  it('grows linear memory when needed, and the views follow the new buffer', () => {
    const heap = newHeap(1);
    const small = heap.alloc(16);
    heap.views.f32[small >> 2] = 1.5;
    const before = heap.views.f32;
    const big = heap.alloc(5 * 65536);
    expect(heap.memoryBytes).toBeGreaterThanOrEqual(6 * 65536);
    expect(before.length).toBe(0); // the old view is detached by memory.grow
    expect(heap.views.f32[small >> 2]).toBe(1.5);
    heap.views.f32[(big >> 2) + 5 * 16384 - 1] = 2.5;
    expect(heap.views.f32[(big >> 2) + 5 * 16384 - 1]).toBe(2.5);
  });

  it('stays the same size over many alloc/free cycles', () => {
    const heap = newHeap(1);
    for (let i = 0; i < 10; i++) heap.free(heap.alloc(200_000));
    const size = heap.memoryBytes;
    for (let i = 0; i < 10_000; i++) heap.free(heap.alloc(1000 + (i % 7) * 30_000));
    expect(heap.memoryBytes).toBe(size);
    expect(heap.liveBytes).toBe(0);
  });

  it('refuses double frees and bad sizes', () => {
    const heap = newHeap();
    const a = heap.alloc(10);
    heap.free(a);
    expect(() => heap.free(a)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INTERNAL', message: expect.stringMatching(/not a live block/) }));
    expect(() => heap.alloc(-1)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/bytes must be a non-negative integer/) }));
  });

  it('reports a memory limit clearly', () => {
    const heap = new Heap(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
    expect(() => heap.alloc(10 * 65536)).toThrow(/cannot grow linear memory/);
  });

  it('out of memory: a coded RangeError with the request, the use and the limit; the heap is as it was', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const refusing: LinearMemory = { get buffer() { return memory.buffer; }, grow() { throw new RangeError('engine says no'); } };
    const heap = new Heap(refusing, 0, 100 * PAGE_BYTES);
    const kept = [heap.alloc(1000), heap.alloc(2000)];
    let error: unknown;
    try { heap.alloc(5 * PAGE_BYTES); } catch (caught) { error = caught; }
    expect(error).toBeInstanceOf(RangeError);
    expect(error).toMatchObject({
      code: 'WASMGRAD_OUT_OF_MEMORY',
      message: expect.stringMatching(/block of 327680 bytes \(0\.3 MiB\); 0\.0 MiB in use in 2 blocks, 0\.1 MiB of linear memory, this build's limit is 6\.3 MiB \(the engine refused/),
      cause: expect.objectContaining({ message: 'engine says no' }),
    });
    expect(heap.liveBlocks).toBe(2);
    // The free space was not touched: every byte left is still usable, and the kept blocks free normally.
    const rest = heap.alloc(PAGE_BYTES - 3072);
    kept.concat(rest).forEach((ptr) => heap.free(ptr));
    expect(heap.liveBlocks).toBe(0);
    expect(heap.alloc(PAGE_BYTES)).toBe(0);
  });

  it('refuses past its limit without asking the memory to grow', () => {
    let asked = 0;
    const memory = new WebAssembly.Memory({ initial: 1 });
    const counting: LinearMemory = { get buffer() { return memory.buffer; }, grow(pages) { asked++; return memory.grow(pages); } };
    const heap = new Heap(counting, 0, 4 * PAGE_BYTES);
    heap.alloc(3 * PAGE_BYTES);
    expect(asked).toBe(1);
    expect(() => heap.alloc(2 * PAGE_BYTES)).toThrow(expect.objectContaining({ code: 'WASMGRAD_OUT_OF_MEMORY' }));
    expect(asked).toBe(1);
    expect(heap.memoryBytes).toBe(3 * PAGE_BYTES);
    expect(() => heap.alloc(2 ** 40)).toThrow(expect.objectContaining({ code: 'WASMGRAD_OUT_OF_MEMORY' }));
  });

  it('uses all of the memory when it grows by more than asked', () => {
    const memory = new ArrayBufferMemory();
    const heap = new Heap(memory, 0);
    const start = memory.buffer.byteLength;
    const a = heap.alloc(start + 10);
    expect(heap.memoryBytes).toBe(2 * start); // doubled, not start + one page
    expect(heap.alloc(start - 128)).toBe(a + start + 64); // the extra pages are free space, not lost
    expect(heap.memoryBytes).toBe(2 * start);
  });
});

describe('ArrayBufferMemory (the pure-TS runtime\'s linear memory)', () => {
  it('grows to at least double (so n grows copy O(n) bytes), keeps its contents, and returns the old size in pages', () => {
    const memory = new ArrayBufferMemory();
    const pages = memory.buffer.byteLength / PAGE_BYTES;
    new Float32Array(memory.buffer)[100] = 1.25;
    expect(memory.grow(1)).toBe(pages);
    expect(memory.buffer.byteLength).toBe(2 * pages * PAGE_BYTES);
    expect(new Float32Array(memory.buffer)[100]).toBe(1.25);
    expect(memory.grow(5 * pages)).toBe(2 * pages);
    expect(memory.buffer.byteLength).toBe(7 * pages * PAGE_BYTES); // more than double asked: exactly that
  });

  it('stops at its maximum (4 GiB by default: pointers are 32-bit) with WASMGRAD_OUT_OF_MEMORY; doubling is capped there', () => {
    expect(JS_MAXIMUM_PAGES * PAGE_BYTES).toBe(2 ** 32);
    const memory = new ArrayBufferMemory(40);
    memory.grow(20);
    expect(memory.buffer.byteLength).toBe(36 * PAGE_BYTES);
    memory.grow(1);
    expect(memory.buffer.byteLength).toBe(40 * PAGE_BYTES); // 72 capped at 40
    expect(() => memory.grow(1)).toThrow(expect.objectContaining({ code: 'WASMGRAD_OUT_OF_MEMORY', name: 'RangeError' }));
    const heap = new Heap(new ArrayBufferMemory(20), 0, 20 * PAGE_BYTES);
    heap.alloc(10 * PAGE_BYTES);
    expect(() => heap.alloc(15 * PAGE_BYTES)).toThrow(expect.objectContaining({ code: 'WASMGRAD_OUT_OF_MEMORY', message: expect.stringMatching(/limit is 1\.3 MiB/) }));
    expect(heap.liveBlocks).toBe(1);
  });
});
