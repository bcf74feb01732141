/**
 * Turning user data (number[][] or row-major Float32Array) into checked
 * row-major float32 matrices.
 */
import { codedError, shapeError, type WasmgradError } from '../errors.js';
import { argumentError, describe, holeError } from './validate.js';

/** Rows of samples, row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** Data a network accepts: one row per sample, or all rows concatenated. */
export type MatrixInput = readonly (readonly number[])[] | Float32Array;

/**
 * Checks `value` is `cols` values per row, all finite as float32, at least
 * one row; `colsMeaning` says where `cols` comes from, for the error message.
 * Sparse arrays are refused at their first hole, by index.
 */
export function toMatrix(where: string, name: string, value: unknown, cols: number, colsMeaning: string): Matrix {
  if (value instanceof Float32Array) return { rows: checkFloat32Rows(where, name, value, cols, colsMeaning), cols, data: value };
  if (!Array.isArray(value) || value.length === 0) {
    throw argumentError(where, name, `a non-empty array of rows (number[][]) or a row-major Float32Array`, value);
  }
  const data = new Float32Array(value.length * cols);
  for (let r = 0; r < value.length; r++) {
    const row: unknown = value[r];
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
      if (row === undefined && !(r in value)) throw holeError(where, `${name}[${r}]`, `an array of ${cols} numbers`);
      throw argumentError(where, `${name}[${r}]`, `an array of ${cols} numbers`, row);
    }
    const values = row as ArrayLike<unknown>;
    if (values.length !== cols) {
      throw shapeError(`${where}: ${name}[${r}] has ${values.length} values, expected ${cols} (${colsMeaning})`);
    }
    for (let c = 0; c < cols; c++) {
      const x = values[c];
      const at = r * cols + c;
      if (typeof x === 'number') data[at] = x;
      // x - x is 0 only for finite x: also catches 1e39, finite as a double but Infinity as float32.
      if (typeof x !== 'number' || data[at] - data[at] !== 0) throw valueError(where, `${name}[${r}][${c}]`, values, c);
    }
  }
  return { rows: value.length, cols, data };
}

/** Checks `length` numbers that float32 holds (finite after rounding), e.g. a bias; a Float32Array is returned as it is, unless `into` (`length` floats) is given: then the values are written there (written partly on a bad value). */
export function toFloat32Vector(where: string, name: string, value: unknown, length: number, into?: Float32Array): Float32Array {
  if (value instanceof Float32Array) {
    if (value.length !== length) throw shapeError(`${where}: ${name} has ${value.length} values, expected ${length}`);
    for (let i = 0; i < length; i++) if (value[i] - value[i] !== 0) throw valueError(where, `${name}[${i}]`, value, i);
    if (into === undefined) return value;
    into.set(value);
    return into;
  }
  if (!Array.isArray(value)) throw argumentError(where, name, `an array of ${length} numbers or a Float32Array`, value);
  if (value.length !== length) throw shapeError(`${where}: ${name} has ${value.length} values, expected ${length}`);
  const data = into ?? new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const x: unknown = value[i];
    if (typeof x === 'number') data[i] = x;
    if (typeof x !== 'number' || data[i] - data[i] !== 0) throw valueError(where, `${name}[${i}]`, value, i);
  }
  return data;
}

/** The error for values[i], which is not a number that float32 holds (or is a hole). */
function valueError(where: string, name: string, values: ArrayLike<unknown>, i: number): WasmgradError {
  const x = values[i];
  if (x === undefined && Array.isArray(values) && !(i in values)) return holeError(where, name, 'a finite number');
  if (typeof x === 'number' && Number.isFinite(x)) {
    return argumentError(where, name, 'a finite number that float32 can hold (magnitude below 3.4e38; it would become Infinity)', x);
  }
  return argumentError(where, name, 'a finite number', x);
}

/**
 * A result that overflowed float32 from finite inputs and weights (evaluate,
 * gradients): WASMGRAD_DIVERGED, as for training, and nothing changed.
 */
export function overflowError(where: string, what: string): WasmgradError {
  return codedError('WASMGRAD_DIVERGED', `${where}: ${what}: the inputs, targets or weights are finite but too large for float32 arithmetic `
    + '(a product or sum overflowed to Infinity). Scale the data down, or check the weights.', 'RangeError');
}

/** Checks a row-major Float32Array of `cols` values per row, all finite; returns the row count. Allocates nothing. */
export function checkFloat32Rows(where: string, name: string, value: Float32Array, cols: number, colsMeaning: string): number {
  const rows = checkFloat32Shape(where, name, value, cols, colsMeaning);
  for (let i = 0; i < value.length; i++) {
    // x - x is 0 for finite x and NaN for ±Infinity and NaN: one comparison per value.
    if (value[i] - value[i] !== 0) throw nonFiniteError(where, name, value, i, cols);
  }
  return rows;
}

/** The length check of checkFloat32Rows alone, for callers that check finiteness in wasm after copying. */
export function checkFloat32Shape(where: string, name: string, value: Float32Array, cols: number, colsMeaning: string): number {
  if (value.length === 0 || value.length % cols !== 0) {
    throw shapeError(`${where}: ${name} must be a row-major Float32Array whose length is a positive multiple of ${cols} (${colsMeaning}), got length ${value.length}`);
  }
  return value.length / cols;
}

/** The error for a NaN or ±Infinity at flat index i. */
export function nonFiniteError(where: string, name: string, value: ArrayLike<number>, i: number, cols: number): WasmgradError {
  return codedError('WASMGRAD_INVALID_ARGUMENT',
    `${where}: ${name}[${i}] (row ${Math.floor(i / cols)}, column ${i % cols}) is ${describe(value[i])}, expected a finite number`, 'RangeError');
}

/** Splits a row-major matrix into number[][]. */
export function toRows(data: Float32Array, rows: number, cols: number): number[][] {
  const out: number[][] = new Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Array.from(data.subarray(r * cols, (r + 1) * cols));
  return out;
}
