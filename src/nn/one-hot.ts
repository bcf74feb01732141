/**
 * Integer class labels as one-hot rows: the targets that softmax with
 * categorical cross-entropy trains on. The CLI encodes its classes and
 * categorical columns through this too (src/cli/encoding.ts).
 */
import { argumentError, holeError } from './validate.js';

/** Class labels: plain numbers or an integer typed array (Int32Array, Uint8Array, …). */
export type Labels = readonly number[] | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** Arrays oneHot accepts; float typed arrays are refused, as a label is a class index, not a measurement. */
function isLabels(value: unknown): value is Labels {
  return Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView) &&
    !(value instanceof Float32Array) && !(value instanceof Float64Array) && !(value instanceof BigInt64Array) && !(value instanceof BigUint64Array));
}

/**
 * Checks that every label is an integer class index in [0, numClasses); the
 * error names the first bad one by its index (`labels[7] must be …`).
 */
export function checkLabels(where: string, name: string, labels: unknown, numClasses: number): Labels {
  if (!isLabels(labels)) throw argumentError(where, name, 'an array of class indices (number[] or an integer typed array)', labels);
  for (let i = 0; i < labels.length; i++) {
    const k: unknown = labels[i];
    if (typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < numClasses) continue;
    if (k === undefined && !(i in labels)) throw holeError(where, `${name}[${i}]`, `a class index from 0 to ${numClasses - 1}`);
    throw argumentError(where, `${name}[${i}]`, `an integer class index from 0 to ${numClasses - 1} (numClasses is ${numClasses})`, k);
  }
  return labels;
}

/**
 * One row per label, `numClasses` values each, 1 at the label's index and 0
 * elsewhere: `oneHot([2, 0], 3)` is `[[0, 0, 1], [1, 0, 0]]`.
 *
 * Returns `number[][]`, the form `fit`, `evaluate` and `predict` take and
 * give (for a row-major Float32Array, `new Float32Array(rows.flat())`).
 * Labels are `number[]` or an integer typed array; a label that is not an
 * integer in [0, numClasses) is a RangeError (WASMGRAD_INVALID_ARGUMENT)
 * naming its index, and nothing is returned.
 */
export function oneHot(labels: Labels, numClasses: number): number[][] {
  const where = 'oneHot';
  if (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1) {
    throw argumentError(where, 'numClasses', 'a positive integer (the number of classes)', numClasses);
  }
  const checked = checkLabels(where, 'labels', labels, numClasses);
  const rows = new Array<number[]>(checked.length);
  for (let i = 0; i < checked.length; i++) {
    const row = new Array<number>(numClasses).fill(0);
    row[checked[i]] = 1;
    rows[i] = row;
  }
  return rows;
}
