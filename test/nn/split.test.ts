/** trainTestSplit: sizes, disjoint cover, seeding, stratification by hand counts, form of the parts, refusals. */
import { describe, expect, it } from 'vitest';
import { trainTestSplit } from '../../src/index.js';
import { Random } from '../../src/random.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('trainTestSplit', () => {
  it('holds out ceil(n · testFraction) samples; the two parts cover every sample once', () => {
    const x = range(10).map((i) => [i, -i]);
    const y = range(10);
    const s = trainTestSplit(x, y, { testFraction: 0.25, seed: 3 });
    expect(s.xTest.length).toBe(3); // ceil(2.5)
    expect(s.xTrain.length).toBe(7);
    expect([...s.trainIndices, ...s.testIndices].sort((a, b) => a - b)).toEqual(range(10));
    s.testIndices.forEach((i, k) => { expect(s.xTest[k]).toBe(x[i]); expect(s.yTest[k]).toBe(i); });
    s.trainIndices.forEach((i, k) => { expect(s.xTrain[k]).toBe(x[i]); expect(s.yTrain[k]).toBe(i); });
  });

  it('is the seeded Fisher-Yates permutation of src/random.ts: the first ones test, the rest train', () => {
    const order = Int32Array.from(range(20));
    new Random(42).shuffle(order);
    const s = trainTestSplit(range(20), range(20), { testFraction: 0.2, seed: 42 });
    expect(s.testIndices).toEqual([...order.subarray(0, 4)]);
    expect(s.trainIndices).toEqual([...order.subarray(4)]);
    expect(trainTestSplit(range(20), range(20), { seed: 43 }).testIndices).not.toEqual(s.testIndices);
  });

  it('shuffle: false holds out the last samples in order', () => {
    const s = trainTestSplit(range(5), ['a', 'b', 'c', 'd', 'e'], { testFraction: 0.4, shuffle: false });
    expect(s.xTrain).toEqual([0, 1, 2]);
    expect(s.yTest).toEqual(['d', 'e']);
  });

  it('stratify keeps each class\'s share: 50/30/20 samples, 20 % test → 10/6/4', () => {
    // Sorted by class, as the Iris file is.
    const labels = [...new Array(50).fill(0), ...new Array(30).fill(1), ...new Array(20).fill(2)];
    const x = labels.map((_, i) => [i]);
    for (const seed of [1, 2, 3]) {
      const s = trainTestSplit(x, Int32Array.from(labels), { testFraction: 0.2, seed, stratify: true });
      expect(s.yTest).toBeInstanceOf(Int32Array);
      const count = (ys: Int32Array, k: number) => ys.filter((v) => v === k).length;
      expect([0, 1, 2].map((k) => count(s.yTest, k))).toEqual([10, 6, 4]);
      expect([0, 1, 2].map((k) => count(s.yTrain, k))).toEqual([40, 24, 16]);
      // Mixed, not in class blocks: some later test sample has a smaller class than an earlier one.
      expect([...s.yTest].some((v, i, a) => i > 0 && v < a[i - 1])).toBe(true);
    }
  });

  it('stratify by one-hot rows (argmax) or by a labels array; remainders go to the largest fractions', () => {
    // 3 + 3 + 2 samples, 4 for testing (ceil(8 · 0.4) = 4): exact shares 1.5, 1.5, 1 → floors 1, 1, 1; the one left
    // goes to the largest remainder, 0.5, tied between classes 0 and 1 → the smaller label: 2, 1, 1.
    const labels = [0, 0, 0, 1, 1, 1, 2, 2];
    const onehot = labels.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0)));
    for (const seed of [9, 10]) {
      const s = trainTestSplit(range(8), onehot, { testFraction: 0.4, seed, stratify: true });
      expect(s.testIndices.map((i) => labels[i]).sort()).toEqual([0, 0, 1, 2]);
      const t = trainTestSplit(range(8), range(8), { testFraction: 0.4, seed, stratify: labels });
      expect(t.testIndices.map((i) => labels[i]).sort()).toEqual([0, 0, 1, 2]);
    }
  });

  it('a class with one sample stays in training when the total allows it', () => {
    // 9 of class 0, 1 of class 1, 2 test: shares 1.8 and 0.2 → floors 1, 0; the one left goes to class 0 (keeps class 1's only sample for training).
    const labels = [0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    const s = trainTestSplit(range(10), labels, { testFraction: 0.2, seed: 5, stratify: true });
    expect(s.testIndices.map((i) => labels[i])).toEqual([0, 0]);
  });

  it('typed arrays come back as the same kind', () => {
    const s = trainTestSplit(Float32Array.from(range(10)), Uint8Array.from(range(10)), { seed: 1 });
    expect(s.xTrain).toBeInstanceOf(Float32Array);
    expect(s.yTest).toBeInstanceOf(Uint8Array);
    expect(Array.from(s.xTest)).toEqual(Array.from(s.yTest));
  });

  it('refuses bad input before anything is computed', () => {
    expect(() => trainTestSplit(range(3), range(4))).toThrow(/x has 3 samples and y 4/);
    expect(() => trainTestSplit(range(3), range(3), { testFraction: 1 })).toThrow(/options\.testFraction must be a number between 0 and 1, got 1/);
    expect(() => trainTestSplit(range(3), range(3), { testFraction: 0.9 })).toThrow(/leaves samples on both sides \(3 samples, 3 for testing\)/);
    expect(() => trainTestSplit(range(1), range(1), { testFraction: 0.5 })).toThrow(/both sides/);
    expect(() => trainTestSplit(range(4), range(4), { seed: -1 })).toThrow(/options\.seed must be an integer/);
    expect(() => trainTestSplit(range(4), range(4), { stratify: true, shuffle: false })).toThrow(/options\.shuffle must be true/);
    expect(() => trainTestSplit(range(4), [0, 1, 0.5, 1], { stratify: true })).toThrow(/y\[2\] must be a class label/);
    expect(() => trainTestSplit(range(4), range(4), { stratify: [0, 1] })).toThrow(/options\.stratify has 2 labels, expected one per sample \(4\)/);
    expect(() => trainTestSplit(range(4), range(4), { testfraction: 0.5 } as never)).toThrow(/options\.testfraction must be absent/);
    expect(() => trainTestSplit('abc' as never, range(3))).toThrow(/x must be an array of samples/);
    expect(() => trainTestSplit(new DataView(new ArrayBuffer(4)) as never, range(4))).toThrow(/x must be an array of samples/);
    expect(() => trainTestSplit(range(2), new BigInt64Array(2) as never)).toThrow(/y must be an array of samples/);
  });
});
