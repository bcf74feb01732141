/** The heap: aligned blocks, reuse after free, coalescing, growth, and views that survive growth. */
import { describe, expect, it } from 'vitest';
import { Heap, BLOCK_ALIGN } from '../src/heap.js';

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
    expect(() => heap.free(a)).toThrow(/not a live block/);
    expect(() => heap.alloc(-1)).toThrow(/bytes must be a non-negative integer/);
  });

  it('reports a memory limit clearly', () => {
    const heap = new Heap(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
    expect(() => heap.alloc(10 * 65536)).toThrow(/cannot grow linear memory/);
  });
});
