/**
 * Turning user data (number[][] or row-major Float32Array) into checked
 * row-major float32 matrices.
 */
import { argumentError, describe } from './validate.js';

/** Rows of samples, row-major. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

/** Data a network accepts: one row per sample, or all rows concatenated. */
export type MatrixInput = readonly (readonly number[])[] | Float32Array;

/**
 * Checks `value` is `cols` values per row, all finite, at least one row;
 * `colsMeaning` says where `cols` comes from, for the error message.
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
      throw argumentError(where, `${name}[${r}]`, `an array of ${cols} numbers`, row);
    }
    const values = row as ArrayLike<unknown>;
    if (values.length !== cols) {
      throw new RangeError(`${where}: ${name}[${r}] has ${values.length} values, expected ${cols} (${colsMeaning})`);
    }
    for (let c = 0; c < cols; c++) {
      const x = values[c];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        throw argumentError(where, `${name}[${r}][${c}]`, 'a finite number', x);
      }
      data[r * cols + c] = x;
    }
  }
  return { rows: value.length, cols, data };
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
    throw new RangeError(`${where}: ${name} must be a row-major Float32Array whose length is a positive multiple of ${cols} (${colsMeaning}), got length ${value.length}`);
  }
  return value.length / cols;
}

/** The error for a NaN or ±Infinity at flat index i. */
export function nonFiniteError(where: string, name: string, value: ArrayLike<number>, i: number, cols: number): RangeError {
  return new RangeError(`${where}: ${name}[${i}] (row ${Math.floor(i / cols)}, column ${i % cols}) is ${describe(value[i])}, expected a finite number`);
}

/** Splits a row-major matrix into number[][]. */
export function toRows(data: Float32Array, rows: number, cols: number): number[][] {
  const out: number[][] = new Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Array.from(data.subarray(r * cols, (r + 1) * cols));
  return out;
}
