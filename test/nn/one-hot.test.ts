/** oneHot: rows with a 1 at the label, from arrays and integer typed arrays; bad labels named by index. */
import { describe, expect, it } from 'vitest';
import { oneHot } from '../../src/index.js';

describe('oneHot', () => {
  it('puts a 1 at each label and 0 elsewhere', () => {
    expect(oneHot([2, 0, 1, 2], 3)).toEqual([[0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(oneHot([0], 1)).toEqual([[1]]);
    expect(oneHot([], 4)).toEqual([]);
  });

  it('takes integer typed arrays', () => {
    expect(oneHot(Int32Array.of(1, 0), 2)).toEqual([[0, 1], [1, 0]]);
    expect(oneHot(Uint8Array.of(3), 4)).toEqual([[0, 0, 0, 1]]);
  });

  it('rows are independent arrays', () => {
    const rows = oneHot([0, 0], 2);
    rows[0][1] = 5;
    expect(rows[1]).toEqual([1, 0]);
  });

  it.each([
    [[0, 3, 1], 3, /oneHot: labels\[1\] must be an integer class index from 0 to 2 \(numClasses is 3\), got 3/],
    [[0, 1.5], 3, /labels\[1\] .* got 1\.5/],
    [[-1], 3, /labels\[0\] .* got -1/],
    [[0, Number.NaN], 2, /labels\[1\] .* got NaN/],
    [[0, '1'], 2, /labels\[1\] .* got "1"/],
  ])('names the first bad label by index: %j', (labels, n, message) => {
    expect(() => oneHot(labels as number[], n)).toThrow(message);
    try { oneHot(labels as number[], n); } catch (e) { expect((e as { code: string }).code).toBe('WASMGRAD_INVALID_ARGUMENT'); }
  });

  it('takes float typed arrays of whole numbers (as the sparse loss does), and refuses a fraction in one', () => {
    expect(oneHot(Float32Array.of(1, 0), 2)).toEqual([[0, 1], [1, 0]]);
    expect(oneHot(Float64Array.of(2), 3)).toEqual([[0, 0, 1]]);
    expect(() => oneHot(Float32Array.of(0, 0.5), 2)).toThrow(/labels\[1\] .* got 0\.5/);
  });

  it('refuses holes, non-arrays and a bad numClasses', () => {
    expect(() => oneHot([0, , 1] as number[], 2)).toThrow(/labels\[1\] .*empty slot/);
    expect(() => oneHot(new DataView(new ArrayBuffer(4)) as unknown as number[], 2)).toThrow(/oneHot: labels must be an array of class indices/);
    expect(() => oneHot([0], 0)).toThrow(RangeError);
    expect(() => oneHot([0], 2.5)).toThrow(/numClasses must be a positive integer/);
    expect(() => oneHot('01' as unknown as number[], 2)).toThrow(TypeError);
  });
});
