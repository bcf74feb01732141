/** Linear memory stays flat: networks come and go, and training allocates nothing per step. */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, sgd } from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

describe('memory', () => {
  it('10,000 networks created and disposed leave linear memory no larger than after the first few', () => {
    const make = (i: number) => sequential({
      inputSize: 8 + (i % 5), layers: [dense(32 + (i % 3), { activation: 'relu' }), dense(4, { activation: 'sigmoid' })], seed: i,
    });
    for (let i = 0; i < 5; i++) {
      const net = make(i);
      net.predict([new Array(8 + (i % 5)).fill(0.5)]);
      net.dispose();
    }
    const heap = runtime().heap;
    const memoryAfterFew = heap.memoryBytes, liveAfterFew = heap.liveBytes;
    for (let i = 0; i < 10_000; i++) {
      const net = make(i);
      net.predict([new Array(8 + (i % 5)).fill(0.5)]);
      net.dispose();
    }
    expect(heap.memoryBytes).toBe(memoryAfterFew);
    expect(heap.liveBytes).toBe(liveAfterFew);
  });

  it('fit allocates its data block once, nothing per step, and frees it at the end', async () => {
    const heap = runtime().heap;
    const net = sequential({ inputSize: 3, layers: [dense(5, { activation: 'tanh' }), dense(2)], optimizer: sgd({ learningRate: 0.01 }), seed: 1 });
    const x = Array.from({ length: 64 }, (_, i) => [i / 64, 1 - i / 64, 0.5]);
    const t = x.map(([a, b]) => [a * b, a - b]);
    net.fitSync(x, t, { epochs: 1, batchSize: 8 }); // settles the batch capacity
    const idle = { live: heap.liveBytes, blocks: heap.liveBlocks };
    const during: number[] = [];
    await net.fit(x, t, { epochs: 20, batchSize: 8, onEpochEnd: () => { during.push(heap.liveBlocks); } });
    expect(new Set(during)).toEqual(new Set([idle.blocks + 1])); // just the resident data
    expect(heap.liveBytes).toBe(idle.live);
    expect(heap.liveBlocks).toBe(idle.blocks);
    net.dispose();
  });

  it('a failed fit (divergence) still frees its data', () => {
    const heap = runtime().heap;
    const net = sequential({ inputSize: 1, layers: [dense(1)], optimizer: sgd({ learningRate: 1e30 }), seed: 1 });
    const before = heap.liveBytes;
    expect(() => net.fitSync([[1e10], [2e10]], [[1], [2]], { epochs: 50, batchSize: 1 })).toThrow(/diverged/);
    expect(heap.liveBytes).toBe(before);
    net.dispose();
  });
});
