/**
 * Off-path calls of the data helpers (oneHot, Standardizer, trainTestSplit):
 * sizes no array can hold and statistics that overflow give a coded error,
 * never an engine RangeError, a huge allocation or a silent Infinity.
 */
import { describe, expect, it } from 'vitest';
import { isWasmgradError, oneHot, Standardizer, trainTestSplit } from '../../src/index.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    return isWasmgradError(error) ? error.code : `uncoded ${(error as Error).name}: ${(error as Error).message}`;
  }
  return 'no error';
}

describe('oneHot with sizes no array holds', () => {
  it('refuses numClasses 2^31 at once, before allocating 8 GiB', () => {
    const started = performance.now();
    expect(codeOf(() => oneHot([0], 2 ** 31))).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(() => oneHot([0], 2 ** 31)).toThrow(/numClasses/);
    // Refused by its value, not after trying to allocate: well under a second.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses numClasses past float32\'s whole numbers (2^24), where a class index in a Float32Array stops being exact', () => {
    expect(codeOf(() => oneHot([0], 2 ** 24 + 1))).toBe('WASMGRAD_INVALID_ARGUMENT');
  });

  it('gives a coded error, not the engine\'s, when labels × numClasses exceeds a typed array', () => {
    // 2^20 labels × 2^16 classes = 2^36 cells: no engine makes that Float32Array.
    expect(codeOf(() => oneHot(new Int32Array(2 ** 20), 2 ** 16))).toBe('WASMGRAD_OUT_OF_MEMORY');
  });

  it('still takes numClasses 2^24 with no labels', () => {
    expect(oneHot([], 2 ** 24)).toEqual([]);
  });
});

describe('Standardizer whose statistics overflow', () => {
  const base = Standardizer.fit([[1, 2], [3, 4]]).toJSON();

  it('transform refuses a result that is not finite (tampered JSON: mean 1e308, std 1e-308), naming row and column', () => {
    const scaler = Standardizer.fromJSON({ ...base, mean: [1e308, 0], std: [1e-308, 1] });
    expect(codeOf(() => scaler.transform([[1, 2]]))).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(() => scaler.transform([[1, 2]])).toThrow(/row 0, column 0/);
  });

  it('transform into a Float32Array refuses a value past float32 (a tiny std fitted on near-equal values)', () => {
    const scaler = Standardizer.fit([[0], [1e-30]]);
    expect(codeOf(() => scaler.transform(new Float32Array([1e10])))).toBe('WASMGRAD_INVALID_ARGUMENT');
    // number[][] is float64 but goes to fit as float32: the same value is refused there too.
    expect(codeOf(() => scaler.transform([[1e10]]))).toBe('WASMGRAD_INVALID_ARGUMENT');
  });

  it('inverseTransform refuses an overflow the same way', () => {
    const scaler = Standardizer.fromJSON({ ...base, mean: [0, 0], std: [1e300, 1] });
    expect(codeOf(() => scaler.inverseTransform([[1e10, 0]]))).toBe('WASMGRAD_INVALID_ARGUMENT');
  });

  it('takes denormal stds only when the results stay finite', () => {
    const scaler = Standardizer.fromJSON({ ...base, mean: [0, 0], std: [5e-324, 1] });
    expect(scaler.transform([[0, 1]])).toEqual([[0, 1]]);
  });
});

describe('trainTestSplit at the edges of testFraction', () => {
  const x = [[1], [2], [3]];
  const y = [0, 1, 0];

  it('rounds the test set up: a tiny fraction still gives one test row', () => {
    const split = trainTestSplit(x, y, { testFraction: 0.01, seed: 1 });
    expect([split.xTrain.length, split.xTest.length]).toEqual([2, 1]);
  });

  it('refuses a fraction that leaves no training rows, naming testFraction, with nothing returned', () => {
    expect(codeOf(() => trainTestSplit(x, y, { testFraction: 0.67, seed: 1 }))).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(() => trainTestSplit(x, y, { testFraction: 0.99 })).toThrow(/options\.testFraction/);
    expect(codeOf(() => trainTestSplit([[1]], [0], { testFraction: 0.5 }))).toBe('WASMGRAD_INVALID_ARGUMENT');
  });
});
