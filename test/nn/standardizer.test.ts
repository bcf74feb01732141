/** Standardizer and standardize: statistics by hand, both data forms, constant columns, JSON round trip, refusals. */
import { describe, expect, it } from 'vitest';
import { Standardizer, standardize } from '../../src/index.js';
import { meanAndStd } from '../../src/nn/standardizer.js';

// Column 0: 1, 2, 3, 6 → mean 3, population variance (4 + 1 + 0 + 9) / 4 = 3.5.
// Column 1: 10, 10, 10, 10 → constant: mean 10, std taken as 1.
const X = [[1, 10], [2, 10], [3, 10], [6, 10]];
const S0 = Math.sqrt(3.5);

describe('Standardizer', () => {
  it('fits the mean and population standard deviation per column', () => {
    const s = Standardizer.fit(X);
    expect(s.mean).toEqual([3, 10]);
    expect(s.std[0]).toBeCloseTo(S0, 15);
    expect(s.std[1]).toBe(1);
    expect(s.columns).toBe(2);
    expect(Object.isFrozen(s.mean) && Object.isFrozen(s.std)).toBe(true);
  });

  it('transforms new data with the training statistics; constant columns become offsets from the constant', () => {
    const s = Standardizer.fit(X);
    const z = s.transform([[3 + S0, 10], [3, 12]]);
    expect(z[0][0]).toBeCloseTo(1, 14);
    expect(z[0][1]).toBe(0);
    expect(z[1]).toEqual([0, 2]);
    expect(s.inverseTransform(z)[1]).toEqual([3, 12]);
  });

  it('takes and returns a row-major Float32Array', () => {
    const flat = new Float32Array(X.flat());
    const s = Standardizer.fit(flat, 2);
    expect(s.mean).toEqual([3, 10]);
    const z = s.transform(flat);
    expect(z).toBeInstanceOf(Float32Array);
    expect(Array.from(z)).toEqual([-2 / S0, 0, -1 / S0, 0, 0, 0, 3 / S0, 0].map(Math.fround));
    expect(() => Standardizer.fit(flat)).toThrow(/columnCount must be the number of columns/);
    expect(() => s.transform(new Float32Array(3))).toThrow(/3 values, not a positive multiple of 2 columns/);
  });

  it('standardize() equals fit then transform and leaves its input alone', () => {
    const copy = X.map((r) => [...r]);
    const z = standardize(X);
    expect(X).toEqual(copy);
    expect(z.map((r) => r[0])).toEqual([-2 / S0, -1 / S0, 0, 3 / S0]);
    expect(z.map((r) => r[1])).toEqual([0, 0, 0, 0]);
  });

  it('round-trips through JSON exactly', () => {
    const s = Standardizer.fit([[0.1, 1e-7], [0.7, 3e-7], [0.3, 2e-7]]);
    const back = Standardizer.fromJSON(JSON.parse(JSON.stringify(s)));
    expect(back.mean).toEqual(s.mean);
    expect(back.std).toEqual(s.std);
    expect(s.toJSON().format).toBe('wasmgrad-standardizer');
  });

  it('refuses bad JSON, naming the field', () => {
    const good = Standardizer.fit(X).toJSON();
    expect(() => Standardizer.fromJSON({ ...good, std: [1, 0] })).toThrow(/json\.std\[1\] must be a positive finite number, got 0/);
    expect(() => Standardizer.fromJSON({ ...good, mean: [1] })).toThrow(/json\.mean has 1 values and json\.std 2/);
    expect(() => Standardizer.fromJSON({ ...good, format: 'x' })).toThrow(/json\.format/);
    expect(() => Standardizer.fromJSON({ ...good, extra: 1 })).toThrow(/json\.extra must be absent/);
    expect(() => Standardizer.fromJSON(null)).toThrow(/json must be an object/);
  });

  it('refuses non-finite values and ragged rows, naming them', () => {
    expect(() => Standardizer.fit([[1, 2], [3, Number.NaN]])).toThrow(/Standardizer\.fit: x\[1\]\[1\] must be a finite number, got NaN/);
    expect(() => Standardizer.fit([[1, 2], [3]])).toThrow(/x\[1\] has 1 values, expected 2/);
    expect(() => Standardizer.fit([])).toThrow(/non-empty array of rows/);
    const s = Standardizer.fit(X);
    expect(() => s.transform([[1, 2, 3]])).toThrow(/Standardizer\.transform: x\[0\] has 3 values, expected 2/);
    expect(() => s.transform([[1, Infinity]])).toThrow(/x\[0\]\[1\] must be a finite number, got Infinity/);
  });
});

describe('meanAndStd', () => {
  it('is exact for a constant column even where the float64 mean would not be', () => {
    const values = new Array(3).fill(0.1);
    expect(values.reduce((s, v) => s + v, 0) / 3).not.toBe(0.1); // why the constant case is special
    expect(meanAndStd(values)).toEqual({ mean: 0.1, std: 1 });
  });

  it('stays finite when the sums pass float64 (values near 1e308): fit, JSON and transform work', () => {
    // By hand: mean (1 + 1.5 − 1)/3 · 1e308 = 5e307; deviations 0.5, 1, −1.5 (e308), so std = sqrt(3.5 / 3) · 1e308.
    const { mean, std } = meanAndStd([1e308, 1.5e308, -1e308]);
    expect(mean / 5e307).toBeCloseTo(1, 12);
    expect(std / (Math.sqrt(3.5 / 3) * 1e308)).toBeCloseTo(1, 12);
    // Sums fine but squares past float64: (±1e200)² · 2.
    expect(meanAndStd([1e200, -1e200])).toEqual({ mean: 0, std: 1e200 });
    const s = Standardizer.fit([[1e308], [1.5e308], [-1e308]]);
    expect(Standardizer.fromJSON(JSON.parse(JSON.stringify(s.toJSON()))).mean).toEqual(s.mean); // was [null]: Infinity
    expect(s.transform([[5e307]])[0][0]).toBeCloseTo(0, 12);
    // Ordinary values take the plain passes: the same bits as the formula.
    expect(meanAndStd([1, 2, 4])).toEqual({ mean: 7 / 3, std: Math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3) });
  });
});
