/**
 * Integer class labels as one-hot rows: the targets that softmax with
 * categorical cross-entropy trains on. The CLI encodes its classes and
 * categorical columns through this too (src/cli/encoding.ts).
 */
import { codedError } from '../errors.js';
import { argumentError, holeError } from './validate.js';

/** The most classes: float32 holds every integer up to 2^24, so a class index read from a Float32Array is exact only up to there. */
export const MAX_CLASSES = 2 ** 24;

/**
 * Class indices, one per sample: plain numbers, any integer typed array, or
 * a Float32Array/Float64Array whose values are whole numbers (as parsed
 * from a CSV file).
 */
export type Labels =
  | readonly number[] | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

/** An array of numbers (or holes or rows, refused one by one); DataView and the BigInt arrays are not. */
export function isLabelArray(value: unknown): value is ArrayLike<unknown> {
  if (Array.isArray(value)) return true;
  return ArrayBuffer.isView(value) && !(value instanceof DataView) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array);
}

/**
 * The one check of class labels (oneHot, and the class-index loss's targets
 * in src/nn/targets.ts): every label an integer in [0, numClasses), the first
 * bad one named by its index (`labels[7] must be …`). Returns the one-hot rows,
 * row-major, numClasses float32 values each. `expected` says what a label must
 * be; `rowHint` is added when a label is itself a row (one-hot rows given where
 * indices go).
 */
export function oneHotData(
  where: string, name: string, labels: ArrayLike<unknown>, numClasses: number, expected: string, rowHint = '',
): Float32Array {
  let data: Float32Array;
  try {
    data = new Float32Array(labels.length * numClasses);
  } catch {
    // Past what the engine allocates (its RangeError names neither the call nor the argument).
    throw codedError('WASMGRAD_OUT_OF_MEMORY',
      `${where}: ${labels.length} labels × ${numClasses} classes make ${labels.length * numClasses} one-hot values, more than this engine can allocate`, 'RangeError');
  }
  for (let i = 0; i < labels.length; i++) {
    const k: unknown = labels[i];
    if (typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < numClasses) {
      data[i * numClasses + k] = 1;
      continue;
    }
    if (k === undefined && Array.isArray(labels) && !(i in labels)) throw holeError(where, `${name}[${i}]`, expected);
    if (rowHint && (Array.isArray(k) || ArrayBuffer.isView(k))) throw argumentError(where, `${name}[${i}]`, `${expected}${rowHint}`, k);
    throw argumentError(where, `${name}[${i}]`, expected, k);
  }
  return data;
}

/**
 * One row per label, `numClasses` values each, 1 at the label's index and 0
 * elsewhere: `oneHot([2, 0], 3)` is `[[0, 0, 1], [1, 0, 0]]`.
 *
 * Returns `number[][]`, the form `fit`, `evaluate` and `predict` take and
 * give (for a row-major Float32Array, `new Float32Array(rows.flat())`).
 * Labels are `number[]`, an integer typed array, or a float typed array of
 * whole numbers (the same forms the sparseCategoricalCrossentropy loss takes
 * as targets); a label that is not an integer in [0, numClasses) is an error
 * (WASMGRAD_INVALID_ARGUMENT) naming its index, and nothing is returned.
 * numClasses is at most 2^24 (float32's exact integers).
 */
export function oneHot(labels: Labels, numClasses: number): number[][] {
  const where = 'oneHot';
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1 || numClasses > MAX_CLASSES) {
    throw argumentError(where, 'numClasses', `a positive integer (the number of classes) up to 2^24 = ${MAX_CLASSES}`, numClasses);
  }
  if (!isLabelArray(labels)) throw argumentError(where, 'labels', 'an array of class indices (number[] or a typed array such as Int32Array)', labels);
  const data = oneHotData(where, 'labels', labels, numClasses, `an integer class index from 0 to ${numClasses - 1} (numClasses is ${numClasses})`);
  const rows = new Array<number[]>(labels.length);
  for (let i = 0; i < labels.length; i++) rows[i] = Array.from(data.subarray(i * numClasses, (i + 1) * numClasses));
  return rows;
}
