/**
 * Issue 10 item 4 on the pure-TS runtime (init({ backend: 'js' }), its own
 * file because init's first call decides the runtime): addresses past 2 GiB in
 * an ArrayBuffer memory that grows by copying, and its 4 GiB limit.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { init, dense, sequential } from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { expectSameBitsAboveTwoGiB } from './high-address.js';

beforeAll(async () => {
  await init({ backend: 'js' });
});

let dummy = 0;
afterEach(() => {
  if (dummy) runtime().heap.free(dummy);
  dummy = 0;
});

describe('the pure-TS runtime past 2 GiB', () => {
  it('networks and tensors above 2^31 (and straddling it) give the same bits as at a low address', () => {
    const heap = runtime().heap;
    expectSameBitsAboveTwoGiB(heap, 'js', (actual, expected) => expect(actual).toEqual(expected));
    // Grown by doubling, capped at the limit: 4 GiB, where 32-bit pointers end.
    expect(heap.memoryBytes).toBeLessThanOrEqual(2 ** 32);
    expect(heap.maximumBytes).toBe(2 ** 32);
  }, 60_000);


  it('past 4 GiB: WASMGRAD_OUT_OF_MEMORY naming the limit; nothing kept, the memory not grown', () => {
    const heap = runtime().heap;
    const blocks = heap.liveBlocks, memory = heap.memoryBytes;
    expect(() => sequential({ inputSize: 1, layers: [dense(300e6)], seed: 1 })).toThrow(expect.objectContaining({
      code: 'WASMGRAD_OUT_OF_MEMORY', name: 'RangeError', message: expect.stringMatching(/this build's limit is 4096\.0 MiB/),
    }));
    expect(heap.liveBlocks).toBe(blocks);
    expect(heap.memoryBytes).toBe(memory);
  });
});
