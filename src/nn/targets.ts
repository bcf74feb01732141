/**
 * Targets as the kernels see them: rows of `outputSize` float32 values. Most
 * losses take those rows as given (number[][] or a row-major Float32Array);
 * a class-index loss (sparseCategoricalCrossentropy) takes one class index
 * per sample and expands each to a one-hot row here, once, before anything
 * is written to linear memory. From there on the network trains on the very
 * rows one-hot targets would give, so the results are its kernel loss's bit
 * for bit. fit, evaluate, gradients, the validation data and fitDataset's
 * batches all come through targetsToMatrix.
 */
import { CLASS_INDEX_LOSS_TABLE, classIndexLoss, type Loss } from '../backend/kinds.js';
import { shapeError } from '../errors.js';
import { toMatrix, type Matrix } from './data.js';
import { isLabelArray, oneHotData, type Labels } from './one-hot.js';
import { argumentError } from './validate.js';

/** Class indices, one per sample (the forms oneHot takes). */
export type ClassIndices = Labels;

/** What a network's targets may be: rows of values, or class indices for a class-index loss. */
export type TargetsInput = readonly (readonly number[])[] | Float32Array | ClassIndices;

/**
 * Checks targets for a network with `loss` and `outputSize` outputs and
 * returns them as rows of `outputSize` float32 values; throws (naming
 * `where`, `name` and the first bad sample) before anything changes.
 *
 * For a class-index loss, `value` holds one class index per sample, an
 * integer in [0, outputSize), and the result is one-hot rows (memory:
 * 4 · outputSize bytes per sample). Otherwise it is checked as toMatrix
 * checks rows. fitDataset calls this on each batch's `ys`.
 */
export function targetsToMatrix(where: string, name: string, loss: Loss, value: unknown, outputSize: number): Matrix {
  const sparse = classIndexLoss(loss);
  if (sparse === null) {
    // Class indices given to the loss that takes one-hot rows: name the loss that takes them (Keras users reach for this).
    const twin = CLASS_INDEX_LOSS_TABLE.find((l) => l.kernel === loss);
    if (twin && Array.isArray(value) && typeof value[0] === 'number') {
      throw argumentError(where, `${name}[0]`, `a row of ${outputSize} numbers (loss "${loss}" takes one-hot rows; `
        + `for one class index per sample use loss "${twin.name}")`, value[0]);
    }
    return toMatrix(where, name, value, outputSize, 'the units of the last layer');
  }
  const expected = `a class index: an integer from 0 to ${outputSize - 1} (the last layer has ${outputSize} units)`;
  if (!isLabelArray(value) || value.length === 0) {
    throw argumentError(where, name, `a non-empty array of class indices, one per sample (number[] or a typed array such as Int32Array) for loss "${loss}"`, value);
  }
  // A label that is a row (one-hot targets, or a column of indices): say which loss takes rows.
  const rowHint = `: loss "${loss}" takes one class index per sample (for one-hot rows use "${sparse.kernel}")`;
  return { rows: value.length, cols: outputSize, data: oneHotData(where, name, value, outputSize, expected, rowHint) };
}

/**
 * Inputs and targets of as many samples: inputs checked by toMatrix, targets
 * by targetsToMatrix (so class indices become one-hot rows).
 */
export function toSamples(where: string, inputs: unknown, targets: unknown, inputSize: number, outputSize: number, loss: Loss): [Matrix, Matrix] {
  const x = toMatrix(where, 'inputs', inputs, inputSize, 'the network\'s inputSize');
  const t = targetsToMatrix(where, 'targets', loss, targets, outputSize);
  if (x.rows !== t.rows) {
    throw shapeError(`${where}: inputs and targets must have the same number of samples, got ${x.rows} inputs and ${t.rows} targets`);
  }
  return [x, t];
}
