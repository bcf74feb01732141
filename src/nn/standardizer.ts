/**
 * Standardization, (x − mean) / std per column: fitted on the training data,
 * applied unchanged to validation and new data (fitting on those would leak
 * them into training), and kept as JSON next to a model. The CLI fits its
 * numeric columns with the same meanAndStd (src/cli/encoding.ts).
 */
import { shapeError } from '../errors.js';
import { argumentError, holeError, plainObject, positiveInteger, rejectUnknownKeys } from './validate.js';

/** Rows of numbers, or all rows concatenated in a row-major Float32Array. */
export type StandardizerInput = readonly (readonly number[])[] | Float32Array;

/** What `Standardizer.toJSON()` returns and `Standardizer.fromJSON()` takes. */
export interface StandardizerJSON {
  format: 'wasmgrad-standardizer';
  version: 1;
  /** Per column, the mean of the training data. */
  mean: number[];
  /** Per column, the population standard deviation (1 for a constant column). */
  std: number[];
}

/**
 * The mean and population standard deviation (dividing by n) of `values`,
 * in float64, two passes. A constant column (every value equal, the only
 * case of zero variance) gets that value as its mean and std 1, so it
 * standardizes to exactly 0 rather than NaN, and new data keeps its plain
 * offset from the constant.
 */
export function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  const first = values[0];
  let constant = true;
  for (let i = 1; i < n && constant; i++) constant = values[i] === first;
  // The two-pass mean of equal values can be off by an ulp, which would leave a std of 1e-17 that blows the column up.
  if (constant) return { mean: first, std: 1 };
  const plain = twoPass(values, 1);
  if (Number.isFinite(plain.mean) && Number.isFinite(plain.std)) return plain;
  // The sums overflowed float64 (values near 1e308, finite each): the same passes on the values divided into [-1, 1], scaled back.
  // The largest magnitude is only looked for here, in this rare case, not in every column's first pass.
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(values[i]));
  const scaled = twoPass(values, largest);
  return { mean: scaled.mean * largest, std: scaled.std * largest };
}

/** Mean and population std of values / scale (a scale of 1 divides exactly: the plain statistics). */
function twoPass(values: ArrayLike<number>, scale: number): { mean: number; std: number } {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i] / scale;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i] / scale - mean) ** 2;
  return { mean, std: Math.sqrt(squares / n) };
}

/** Each column of `x` (cols values per row) as its own array, every value checked finite. */
function columns(where: string, name: string, x: unknown, cols: number | undefined): Float64Array[] {
  if (x instanceof Float32Array) {
    if (cols === undefined) throw argumentError(where, 'columnCount', 'the number of columns when the data is a row-major Float32Array', cols);
    if (x.length === 0 || x.length % cols !== 0) throw shapeError(`${where}: ${name} has ${x.length} values, not a positive multiple of ${cols} columns`);
    const rows = x.length / cols;
    return Array.from({ length: cols }, (_, c) => Float64Array.from({ length: rows }, (_, r) => finite(where, name, x[r * cols + c], r, c)));
  }
  if (!Array.isArray(x) || x.length === 0) throw argumentError(where, name, 'a non-empty array of rows (number[][]) or a row-major Float32Array', x);
  const first: unknown = x[0];
  const isRow = (row: unknown): row is ArrayLike<unknown> => Array.isArray(row) || (ArrayBuffer.isView(row) && !(row instanceof DataView));
  const width = cols ?? (isRow(first) ? first.length : 0);
  if (width === 0) throw argumentError(where, `${name}[0]`, 'a non-empty array of numbers', first);
  const out = Array.from({ length: width }, () => new Float64Array(x.length));
  x.forEach((row: unknown, r) => {
    if (!isRow(row)) throw argumentError(where, `${name}[${r}]`, `an array of ${width} numbers`, row);
    if (row.length !== width) throw shapeError(`${where}: ${name}[${r}] has ${row.length} values, expected ${width}`);
    for (let c = 0; c < width; c++) out[c][r] = finite(where, name, row[c], r, c, c in (row as object));
  });
  for (let r = 0; r < x.length; r++) if (!(r in x)) throw holeError(where, `${name}[${r}]`, `an array of ${width} numbers`);
  return out;
}

function finite(where: string, name: string, value: unknown, r: number, c: number, present = true): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (!present) throw holeError(where, `${name}[${r}][${c}]`, 'a finite number');
  throw argumentError(where, `${name}[${r}][${c}]`, 'a finite number', value);
}

/** (x − mean) / std (or its inverse) column by column, in the form `x` came in. */
function apply<T extends StandardizerInput>(where: string, x: T, mean: readonly number[], std: readonly number[], inverse: boolean): T {
  const cols = columns(where, 'x', x, mean.length); // checks everything before anything is computed
  const rows = cols[0].length;
  // Finite inputs can still give Infinity (a tiny std, tampered JSON): refuse it here, as the inputs are, not in a later fit.
  // Both forms are checked as float32, the precision fit and predict take them in.
  const f = (v: number, r: number, c: number) => {
    const y = inverse ? v * std[c] + mean[c] : (v - mean[c]) / std[c];
    if (!Number.isFinite(Math.fround(y))) {
      throw argumentError(where, `x at row ${r}, column ${c}`, `a value whose result stays within float32 (it would be ${y}, with mean ${mean[c]} and std ${std[c]})`, v);
    }
    return y;
  };
  if (x instanceof Float32Array) {
    const out = new Float32Array(rows * mean.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < mean.length; c++) out[r * mean.length + c] = f(cols[c][r], r, c);
    return out as T;
  }
  return Array.from({ length: rows }, (_, r) => Array.from({ length: mean.length }, (_, c) => f(cols[c][r], r, c))) as unknown as T;
}

/**
 * Per-column standardization fitted on training data:
 *
 * ```js
 * const scaler = Standardizer.fit(xTrain);
 * await net.fit(scaler.transform(xTrain), yTrain, options);
 * net.predict(scaler.transform(xNew));
 * const saved = JSON.stringify(scaler);            // next to the model
 * const again = Standardizer.fromJSON(JSON.parse(saved));
 * ```
 *
 * Statistics are float64: the mean and the population standard deviation
 * (dividing by n, as scikit-learn's StandardScaler). A column whose values
 * are all equal has zero variance: its std is taken as 1, so it becomes 0
 * (not NaN) and new data keeps its offset from that value. Data is
 * `number[][]` or a row-major `Float32Array`, and `transform` returns the
 * same form. Non-finite values and ragged rows are refused, naming the
 * row and column, as is a result past float32 (a tiny std, tampered JSON).
 */
export class Standardizer {
  /** Per column, the mean subtracted (frozen). */
  readonly mean: readonly number[];
  /** Per column, the standard deviation divided by (frozen; positive). */
  readonly std: readonly number[];

  private constructor(mean: number[], std: number[]) {
    this.mean = Object.freeze(mean);
    this.std = Object.freeze(std);
  }

  /**
   * Learns each column's mean and standard deviation from `x`.
   * `columnCount` is needed only for a row-major Float32Array.
   */
  static fit(x: StandardizerInput, columnCount?: number): Standardizer {
    if (columnCount !== undefined) positiveInteger('Standardizer.fit', 'columnCount', columnCount);
    const stats = columns('Standardizer.fit', 'x', x, columnCount).map(meanAndStd);
    return new Standardizer(stats.map((s) => s.mean), stats.map((s) => s.std));
  }

  /** Number of columns. */
  get columns(): number {
    return this.mean.length;
  }

  /** (x − mean) / std per column; a new array, in the form `x` came in. */
  transform<T extends StandardizerInput>(x: T): T {
    return apply('Standardizer.transform', x, this.mean, this.std, false);
  }

  /** x · std + mean per column: back to the original units (predicted standardized targets, say). */
  inverseTransform<T extends StandardizerInput>(x: T): T {
    return apply('Standardizer.inverseTransform', x, this.mean, this.std, true);
  }

  /** Plain JSON (`JSON.stringify(scaler)` uses it); float64 numbers round-trip exactly. */
  toJSON(): StandardizerJSON {
    return { format: 'wasmgrad-standardizer', version: 1, mean: [...this.mean], std: [...this.std] };
  }

  /** Rebuilds a Standardizer from `toJSON()`'s object, checking every field (finite means, positive finite stds, equal lengths). */
  static fromJSON(json: unknown): Standardizer {
    const where = 'Standardizer.fromJSON';
    const o = plainObject(where, 'json', json);
    rejectUnknownKeys(where, 'json', o, ['format', 'version', 'mean', 'std'], 'field');
    if (o.format !== 'wasmgrad-standardizer') throw argumentError(where, 'json.format', '"wasmgrad-standardizer"', o.format);
    if (o.version !== 1) throw argumentError(where, 'json.version', '1', o.version);
    const numbers = (key: 'mean' | 'std', ok: (v: number) => boolean, expected: string): number[] => {
      const values = o[key];
      if (!Array.isArray(values) || values.length === 0) throw argumentError(where, `json.${key}`, 'a non-empty array of numbers', values);
      for (let i = 0; i < values.length; i++) {
        if (typeof values[i] !== 'number' || !ok(values[i])) throw argumentError(where, `json.${key}[${i}]`, expected, values[i]);
      }
      return [...values];
    };
    const mean = numbers('mean', Number.isFinite, 'a finite number');
    const std = numbers('std', (v) => Number.isFinite(v) && v > 0, 'a positive finite number');
    if (mean.length !== std.length) throw shapeError(`${where}: json.mean has ${mean.length} values and json.std ${std.length}; they must match`);
    return new Standardizer(mean, std);
  }
}

/**
 * Standardizes `x` with its own statistics, in one call: the same as
 * `Standardizer.fit(x).transform(x)`. Use a Standardizer when new data
 * must be standardized the same way (validation data, predictions).
 */
export function standardize<T extends StandardizerInput>(x: T, columnCount?: number): T {
  return Standardizer.fit(x, columnCount).transform(x);
}
