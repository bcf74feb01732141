/** The threads build's shared memory: the largest maximum the engine can reserve, 4 GiB where it can. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSharedMemory, SHARED_MAXIMUM_PAGES_TRIED } from '../../src/threads/shared-memory.js';

describe('createSharedMemory', () => {
  it('reserves 4 GiB on Node', () => {
    const { memory, maximumPages } = createSharedMemory();
    expect(maximumPages).toBe(65536);
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('falls back to the largest maximum an engine accepts (iOS Safari refuses 2 GiB)', () => {
    const asked: number[] = [];
    const { maximumPages } = createSharedMemory((descriptor) => {
      asked.push(descriptor.maximum!);
      if (descriptor.maximum! > 16384) throw new RangeError('Out of memory');
      return new WebAssembly.Memory(descriptor);
    });
    expect(maximumPages).toBe(16384);
    expect(asked).toEqual([65536, 32768, 16384]);
  });

  it('says so, with the engine\'s error as cause, where even the smallest cannot be reserved', () => {
    const refusal = new RangeError('Out of memory');
    expect(() => createSharedMemory(() => { throw refusal; })).toThrow(expect.objectContaining({
      code: 'WASMGRAD_OUT_OF_MEMORY', cause: refusal, message: expect.stringMatching(/cannot reserve a shared memory of even 256 MiB/),
    }));
  });

  it('every maximum tried links with the threads build (a memory may declare less than the import does)', () => {
    const module = new WebAssembly.Module(readFileSync(new URL('../../build/wasmgrad-threads.wasm', import.meta.url)));
    for (const maximum of SHARED_MAXIMUM_PAGES_TRIED) {
      const memory = new WebAssembly.Memory({ initial: 16, maximum, shared: true });
      expect(() => new WebAssembly.Instance(module, { env: { memory } })).not.toThrow();
    }
  });
});
