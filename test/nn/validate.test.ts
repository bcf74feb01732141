/** The shared argument checks: float32 ranges at their exact edges, unknown keys, null, holes, byte views. */
import { describe, expect, it } from 'vitest';
import {
  byteView, float32Fraction, FLOAT32_MIN_NORMAL, holeError, nonNegativeFloat32, orDefault, positiveFloat32, rejectUnknownKeys,
} from '../../src/nn/validate.js';

const FLOAT32_MAX = 3.4028234663852886e38;
const accepts = (check: (w: string, n: string, v: unknown) => number, value: unknown) => expect(check('f', 'x', value)).toBe(value);
const refuses = (check: (w: string, n: string, v: unknown) => number, value: unknown) => {
  expect(() => check('f', 'x', value)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/^f: x must be/) }));
};

describe('float32 ranges', () => {
  it('positiveFloat32 takes exactly the positive normal float32 range (after rounding)', () => {
    [FLOAT32_MIN_NORMAL, 1e-3, FLOAT32_MAX, 3.40282350e38].forEach((v) => accepts(positiveFloat32, v));
    [0, -1, FLOAT32_MIN_NORMAL / 2, 1e-46, 3.5e38, 1e39, Infinity, NaN, '1', null, undefined].forEach((v) => refuses(positiveFloat32, v));
  });

  it('nonNegativeFloat32 adds 0 (and -0)', () => {
    [0, -0, FLOAT32_MIN_NORMAL, FLOAT32_MAX].forEach((v) => accepts(nonNegativeFloat32, v));
    [1e-40, -1e-3, 1e39, null].forEach((v) => refuses(nonNegativeFloat32, v));
  });

  it('float32Fraction refuses what rounds to 1 in float32', () => {
    [0, 0.5, 1 - 2 ** -24].forEach((v) => accepts(float32Fraction, v));
    [1 - 2 ** -25, 0.99999999999, 1, -1e-9, NaN, null].forEach((v) => refuses(float32Fraction, v));
  });
});

describe('options', () => {
  it('rejectUnknownKeys names the key and lists the known ones', () => {
    expect(() => rejectUnknownKeys('sgd', 'options', { lr: 1 }, ['learningRate', 'momentum'])).toThrow(
      'sgd: options.lr must be absent: not a known option (known options: learningRate, momentum), got 1');
    expect(() => rejectUnknownKeys('sgd', 'options', { learningRate: 1 }, ['learningRate'])).not.toThrow();
  });

  it('orDefault treats only undefined as absent', () => {
    expect(orDefault(undefined, 3)).toBe(3);
    expect(orDefault(null, 3)).toBe(null);
    expect(orDefault(0, 3)).toBe(0);
  });

  it('holeError says it is a hole', () => {
    expect(holeError('f', 'a[1]', 'a number')).toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT', message: 'f: a[1] must be a number, got an empty slot (the array has a hole there)' });
  });
});

describe('byteView', () => {
  const detached = (view: Uint8Array) => {
    structuredClone(view.buffer, { transfer: [view.buffer as ArrayBuffer] });
    return view;
  };
  const refused = { code: 'WASMGRAD_INVALID_ARGUMENT', message: 'f: b must be a Uint8Array, ArrayBuffer or typed array holding bytes (not detached), got a Uint8Array of length 0' };

  it('views the same bytes without a copy; a Uint8Array with bytes is its own view', () => {
    const bytes = Uint8Array.of(1, 2, 3, 4, 5, 6);
    expect(byteView('f', 'b', bytes, 'bytes')).toBe(bytes);
    const view = byteView('f', 'b', new Uint16Array(bytes.buffer, 2, 2), 'bytes');
    expect(Array.from(view)).toEqual([3, 4, 5, 6]);
    expect(view.buffer).toBe(bytes.buffer);
    expect(byteView('f', 'b', new Uint8Array(0), 'bytes')).toHaveLength(0);
  });

  it('refuses a detached Uint8Array, which reads as empty: a transferred chunk or file would otherwise vanish', () => {
    expect(() => byteView('f', 'b', detached(Uint8Array.of(1, 2)), 'bytes')).toThrow(expect.objectContaining(refused));
    expect(() => byteView('f', 'b', detached(new Uint8Array(0)), 'bytes')).toThrow(expect.objectContaining(refused));
  });
});
