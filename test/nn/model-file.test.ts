/** toBytes / fromBytes / readModelHeader: the binary model file (version 2) in memory, as a browser uses it. */
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, fromBytes, readModelHeader, rmsprop, sequential, sgd, toBytes, type Optimizer } from '../../src/index.js';
import { crc32 } from '../../src/nn/crc32.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const X = [[0.1, 0.2, 0.3], [1, -1, 0.5], [0, 0, 0]];
const T = [[1, 0], [0, 1], [0.5, 0.5]];
const build = (optimizer: Optimizer = adam(), backend: 'wasm' | 'js' = 'wasm') => sequential({
  inputSize: 3, layers: [dense(5, { activation: 'relu', dropout: 0.1 }), dense(2, { activation: 'sigmoid' })], optimizer, seed: 11, backend,
});

describe('crc32', () => {
  it('is the CRC-32 of zlib and PNG, also over data that comes in pieces', () => {
    const text = new TextEncoder().encode('123456789');
    expect(crc32(text)).toBe(0xcbf43926);
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 31) & 255);
    expect(crc32(data.subarray(333), crc32(data.subarray(0, 333)))).toBe(crc32(data));
  });
});

describe('toBytes / fromBytes', () => {
  it.each([['adam', adam()], ['rmsprop', rmsprop()], ['sgd with momentum', sgd({ momentum: 0.9 })], ['plain sgd', sgd()]] as const)(
    'round-trips a trained network with %s bit for bit, and it keeps training identically', (_, optimizer) => {
      const net = build(optimizer);
      net.fitSync(X, T, { epochs: 3, batchSize: 2 });
      const bytes = toBytes(net);
      const copy = fromBytes(bytes);
      expect(copy.toJSON()).toEqual(net.toJSON());
      expect(toBytes(copy)).toEqual(bytes);
      net.fitSync(X, T, { epochs: 2, batchSize: 1, shuffle: false });
      copy.fitSync(X, T, { epochs: 2, batchSize: 1, shuffle: false });
      expect(copy.getWeights()).toEqual(net.getWeights());
      net.dispose();
      copy.dispose();
    });

  it('reads an ArrayBuffer, bytes at an offset that is not a multiple of 4, and onto the other backend', () => {
    const net = build();
    const bytes = toBytes(net);
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    for (const copy of [fromBytes(bytes.slice().buffer), fromBytes(shifted), fromBytes(bytes, { backend: 'js' })]) {
      expect(copy.getWeights()).toEqual(net.getWeights());
      copy.dispose();
    }
    net.dispose();
  });

  it('reads the JSON form too, told apart by the first bytes', () => {
    const net = build();
    const copy = fromBytes(new TextEncoder().encode(`\n  ${JSON.stringify(net.toJSON())}`));
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.dispose();
    copy.dispose();
  });

  it('writes the documented layout: signature, version 2, header length and CRC, 8-byte aligned float32 sections', () => {
    const net = build();
    const bytes = toBytes(net);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x57, 0x47, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(view.getUint32(8, true)).toBe(2);
    const length = view.getUint32(12, true);
    const text = bytes.subarray(24, 24 + length);
    expect(view.getUint32(16, true)).toBe(crc32(text));
    const header = JSON.parse(new TextDecoder().decode(text));
    expect(header).toMatchObject({ format: 'wasmgrad-network', version: 2, inputSize: 3, optimizerState: { step: 0, epoch: 0 } });
    expect(header.sections.map((s: { name: string; count: number }) => [s.name, s.count])).toEqual([
      ['layers[0].weights', 15], ['layers[0].bias', 5], ['layers[1].weights', 10], ['layers[1].bias', 2],
      ['optimizerState.state1', 32], ['optimizerState.state2', 32],
    ]);
    const dataStart = Math.ceil((24 + length) / 8) * 8;
    expect(bytes.length).toBe(dataStart + header.dataBytes);
    const bias = header.sections[3];
    expect(bias.offset % 8).toBe(0);
    expect(Array.from(new Float32Array(bytes.slice(dataStart + bias.offset, dataStart + bias.offset + 8).buffer))).toEqual(net.getWeights()[1].bias);
    net.dispose();
  });

  it('checks its arguments: a disposed network, unknown options, values that are not JSON', () => {
    const net = build();
    expect(() => toBytes(net, { extra: { n: 10n } as never })).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    expect(() => toBytes(net, { metadata: {} } as never)).toThrow(/toBytes: options.metadata must be absent/);
    expect(() => toBytes(net, { preprocessing: [1] as never })).toThrow(/options.preprocessing must be an object/);
    expect(() => toBytes({} as never)).toThrow(/toBytes: net must be a Network/);
    expect(() => fromBytes('model' as never)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    expect(() => fromBytes(toBytes(net), { backend: 'gpu' as never })).toThrow(/fromBytes: options.backend/);
    // A file's bytes as any typed-array view read the same; a detached buffer (transferred to a worker) is a named error, not V8's TypeError.
    const bytes = toBytes(net);
    const copy = new ArrayBuffer(bytes.byteLength + 8);
    new Uint8Array(copy, 8).set(bytes);
    const viewed = fromBytes(new DataView(copy, 8));
    expect(viewed.getWeights()).toEqual(net.getWeights());
    viewed.dispose();
    const detached = bytes.slice().buffer;
    structuredClone(detached, { transfer: [detached] });
    for (const call of [() => fromBytes(detached), () => readModelHeader(detached)]) {
      expect(call).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/bytes must be a Uint8Array, ArrayBuffer or typed array holding a model file \(not detached\)/) }));
    }
    net.dispose();
    expect(() => toBytes(net)).toThrow(expect.objectContaining({ code: 'WASMGRAD_DISPOSED' }));
  });
});

describe('readModelHeader', () => {
  it('reads the header from the first bytes alone, with preprocessing and extra as they were given', () => {
    const net = build();
    net.fitSync(X, T, { epochs: 2, batchSize: 3 });
    const extra = { learningRateMultiplier: 0.25, trainedOn: 'iris.csv' };
    const bytes = toBytes(net, { extra });
    const { liveBlocks } = runtime().heap;
    const info = readModelHeader(bytes.subarray(0, 2000));
    expect(info).toMatchObject({ version: 2, inputSize: 3, loss: 'l2', seed: 11, parameterCount: 32, optimizerState: { step: 2, epoch: 2 }, extra });
    expect(info.preprocessing).toBeUndefined();
    expect(info.layers.map((l) => l.units)).toEqual([5, 2]);
    expect(runtime().heap.liveBlocks).toBe(liveBlocks);
    expect(() => readModelHeader(bytes.subarray(0, 30))).toThrow(/readModelHeader: the file is truncated: it ends after 30 bytes, inside its header/);
    net.dispose();
  });
});
