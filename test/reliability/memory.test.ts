/**
 * Issue 10 items 4 and 12 (wasm runtime): addresses past 2 GiB, out-of-memory
 * errors that free what they took, the memory limits of each build.
 * The pure-TS runtime has its own file (memory-js.test.ts), and the threads
 * build runs in child processes (memory-threads.test.ts).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { initFromBuild } from '../helpers.js';
import { runtime } from '../../src/runtime.js';
import { dense, isWasmgradError, sequential, sgd } from '../../src/index.js';

const sequentialOfTheMainRuntime = sequential;
import { expectSameBitsAboveTwoGiB, fillBelow, TWO_GIB } from './high-address.js';

beforeAll(async () => {
  await initFromBuild();
});

let dummy = 0;
afterEach(() => {
  if (dummy) runtime().heap.free(dummy);
  dummy = 0;
});

describe('addresses past 2 GiB (wasm backend)', () => {
  it('networks and tensors above 2^31 (and straddling it) give the same bits as at a low address', () => {
    expectSameBitsAboveTwoGiB(runtime().heap, 'wasm', (actual, expected) => expect(actual).toEqual(expected));
  });

  it('kernels that return a pointer give it unsigned, as the pure-TS backend does (wasm returns a signed i32)', () => {
    const heap = runtime().heap;
    dummy = fillBelow(heap, TWO_GIB + 4096);
    const net = sequential({ inputSize: 3, layers: [dense(2)], seed: 1 }); // its block, with its descriptor, is the next one
    const { wasm, js } = runtime().backends;
    const output = wasm.mlpForward(TWO_GIB + 4096, TWO_GIB + 4096, 1);
    expect(output).toBeGreaterThan(TWO_GIB);
    expect(output).toBe(js.mlpForward(TWO_GIB + 4096, TWO_GIB + 4096, 1));
    net.dispose();
  });
});

const outOfMemory = (pattern: RegExp) => expect.objectContaining({ code: 'WASMGRAD_OUT_OF_MEMORY', name: 'RangeError', message: expect.stringMatching(pattern) });

describe('limits', () => {
  it('the single-thread build declares no maximum below 4 GiB: its memory grows to 65536 pages, and no further', async () => {
    const { instance } = await WebAssembly.instantiate(readFileSync(new URL('../../build/wasmgrad.wasm', import.meta.url)), {});
    const memory = instance.exports.memory as WebAssembly.Memory;
    memory.grow(65536 - memory.buffer.byteLength / 65536); // lazily zero-filled: address space, not RAM
    expect(memory.buffer.byteLength).toBe(2 ** 32);
    expect(() => memory.grow(1)).toThrow(RangeError);
    expect(runtime().heap.maximumBytes).toBe(2 ** 32);
  });
});

describe('out of memory (wasm backend)', () => {
  it('dense(140e6) on one input works or throws WASMGRAD_OUT_OF_MEMORY, and leaves nothing behind either way', () => {
    const heap = runtime().heap;
    const blocks = heap.liveBlocks, bytes = heap.liveBytes;
    let net: ReturnType<typeof sequential> | null = null;
    try {
      net = sequential({ inputSize: 1, layers: [dense(140e6)], seed: 1 });
    } catch (error) {
      expect(error).toEqual(outOfMemory(/out of memory/));
    }
    if (net) {
      // 280M parameters with their gradients and buffers fit in 4 GiB (3.9 GB); the training data's block does not.
      expect(net.parameterCount).toBe(280e6);
      const inUse = heap.liveBlocks;
      expect(() => net!.fitSync(new Float32Array([0.5]), new Float32Array(140e6), { epochs: 1 }))
        .toThrow(outOfMemory(/this build's limit is 4096\.0 MiB/));
      expect(heap.liveBlocks).toBe(inUse);
      net.dispose();
    }
    expect(heap.liveBlocks).toBe(blocks);
    expect(heap.liveBytes).toBe(bytes);
    const small = sequential({ inputSize: 2, layers: [dense(4, { activation: 'tanh' }), dense(1)], optimizer: sgd({ learningRate: 0.1 }), seed: 2 });
    const history = small.fitSync([[0, 1], [1, 0], [1, 1]], [[1], [1], [0]], { epochs: 20 });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]);
    small.dispose();
  }, 120_000);

  it('a network past 4 GiB: WASMGRAD_OUT_OF_MEMORY saying what was asked, what is in use and the limit; nothing kept, memory not grown', () => {
    const heap = runtime().heap;
    const blocks = heap.liveBlocks, memory = heap.memoryBytes;
    let error: unknown;
    try { sequential({ inputSize: 1, layers: [dense(300e6)], seed: 1 }); } catch (caught) { error = caught; }
    expect(error).toEqual(outOfMemory(/block of \d+ bytes \(\d+\.\d MiB\); \d+\.\d MiB in use in \d+ blocks, \d+\.\d MiB of linear memory, this build's limit is 4096\.0 MiB/));
    expect(isWasmgradError(error, 'WASMGRAD_OUT_OF_MEMORY')).toBe(true);
    expect(heap.liveBlocks).toBe(blocks);
    expect(heap.memoryBytes).toBe(memory);
  });
});

describe('init with a module that does not fit (fresh module instances, so each init starts from nothing)', () => {
  const single = readFileSync(new URL('../../build/wasmgrad.wasm', import.meta.url));
  const threads = readFileSync(new URL('../../build/wasmgrad-threads.wasm', import.meta.url));
  const fresh = async () => {
    vi.resetModules();
    return import('../../src/index.js');
  };
  const rejection = async (options: object) => {
    const { init } = await fresh();
    return init(options).then(() => { throw new Error('init resolved'); }, (error: unknown) => error);
  };

  it('the single-thread build with threads: 2 names options.wasm and the build it needs (was "memory access out of bounds")', async () => {
    const error = await rejection({ wasm: single, threads: 2 });
    expect(error).toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT',
      message: expect.stringMatching(/options\.wasm is the single-thread build \(wasmgrad\.wasm\), but threads: 2 needs the threads build: pass wasmgrad-threads\.wasm/) });
  });

  it('the threads build with threads: 1 runs on one thread, with the bits of the single-thread build', async () => {
    const { init, sequential, dense, sgd } = await fresh();
    const rt = await init({ wasm: threads, threads: 1 });
    expect(rt.threads).toBe(1);
    const { runtime } = await import('../../src/runtime.js'); // the instance fresh() loaded
    expect(runtime().pool).toBeNull();
    const train = (make: typeof sequential) => {
      const net = make({ inputSize: 30, layers: [dense(40, { activation: 'tanh' }), dense(3)], optimizer: sgd({ learningRate: 0.1 }), seed: 9 });
      const x = Array.from({ length: 20 }, (_, i) => Array.from({ length: 30 }, (_, j) => Math.sin(i + j * 0.3)));
      const loss = net.fitSync(x, x.map((row) => row.slice(0, 3)), { epochs: 3, batchSize: 5 }).loss;
      const out = { loss, weights: net.getWeights() };
      net.dispose();
      return out;
    };
    expect(train(sequential)).toEqual(train(sequentialOfTheMainRuntime));
  });

  it('bytes that are not WebAssembly: WASMGRAD_INVALID_ARGUMENT naming options.wasm, the CompileError as cause', async () => {
    const error = await rejection({ wasm: new TextEncoder().encode('<!doctype html><title>404</title>') });
    expect(error).toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/options\.wasm is not a WebAssembly module .*expected wasmgrad\.wasm/) });
    expect((error as Error).cause).toBeInstanceOf(WebAssembly.CompileError);
  });

  it('another WebAssembly module: WASMGRAD_INVALID_ARGUMENT saying what it lacks', async () => {
    const other = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 102, 0, 0, 10, 4, 1, 2, 0, 11]);
    expect(await rejection({ wasm: other })).toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT',
      message: expect.stringMatching(/options\.wasm is not a wasmgrad module of this version: it lacks the exports heapBase, gemmWorkBytes, gemm/) });
  });

  it('a threads build whose memory is declared smaller (an older release): the LinkError as cause, options.wasm named', async () => {
    const old = new Uint8Array(threads);
    // The import's limits: flags 3 (maximum, shared), initial 1, maximum 65536 = LEB128 80 80 04; 80 80 01 is 16384 pages.
    const at = Buffer.from(old).indexOf(Buffer.from([...new TextEncoder().encode('memory'), 2, 3, 1, 0x80, 0x80, 0x04]));
    expect(at).toBeGreaterThan(0);
    old[at + 11] = 0x01;
    const error = await rejection({ wasm: old, threads: 2 });
    expect(error).toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/options\.wasm could not be instantiated/) });
    expect((error as Error).cause).toBeInstanceOf(WebAssembly.LinkError);
  });

  it('a file that is not there: WASMGRAD_IO with the path', async () => {
    expect(await rejection({ wasm: new URL('./no-such.wasm', import.meta.url) })).toMatchObject({ code: 'WASMGRAD_IO', message: expect.stringMatching(/no-such\.wasm/) });
  });

  it('runtime() before init(): WASMGRAD_NOT_INITIALIZED', async () => {
    vi.resetModules();
    const { runtime: early } = await import('../../src/runtime.js');
    expect(() => early()).toThrow(expect.objectContaining({ code: 'WASMGRAD_NOT_INITIALIZED', message: expect.stringMatching(/call `await init\(\)` first/) }));
  });
});
