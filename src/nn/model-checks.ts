/**
 * Checks shared by the readers of saved networks (fromJSON, fromBytes, load):
 * the optimizer's progress (step and epoch counts), its state arrays, and the
 * conversion of a failed check into WASMGRAD_BAD_MODEL_FILE. A file that was
 * written by a healthy network passes every one; a file that fails one would
 * load a network that cannot train (√ of a negative second moment is NaN) or
 * that cannot be saved again.
 */
import { MAX_STEP } from './layout.js';
import { badModelError, isWasmgradError, type WasmgradError } from '../errors.js';
import type { NetworkConfig } from './network-types.js';
import { isLearningRateMultiplier, type Optimizer } from './optimizers.js';
import { argumentError, describe } from './validate.js';

/** The optimizer's progress as it is restored into a network. */
export interface RestoredState {
  step: number;
  epoch: number;
  /** reduceLROnPlateau's multiplier of the schedule's rate; absent: 1. */
  learningRateMultiplier?: number;
  state1?: Float32Array;
  state2?: Float32Array;
}

/**
 * Runs `check`, turning an argument or shape error from the shared validators
 * (checkConfig, checkOptimizer: they say "config.layers[0]…") into
 * WASMGRAD_BAD_MODEL_FILE of the same class, the field named as the file has
 * it (`prefix`.layers[0]…). Other errors pass through unchanged.
 */
export function asModelFileError<T>(where: string, prefix: string, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!isWasmgradError(error, 'WASMGRAD_INVALID_ARGUMENT') && !isWasmgradError(error, 'WASMGRAD_SHAPE')) throw error;
    const kind = error instanceof TypeError ? 'TypeError' : error instanceof RangeError ? 'RangeError' : 'Error';
    const message = error.message.replace(`${where}: config.`, `${where}: ${prefix}.`).replace(`${where}: config `, `${where}: ${prefix} `);
    throw badModelError(message, kind, { cause: error });
  }
}

/**
 * `where: name must be expected, got value` as WASMGRAD_BAD_MODEL_FILE, of the
 * class argumentError would pick (RangeError for a number or a missing value,
 * TypeError otherwise), as fromJSON's errors were before they had codes.
 */
export function fieldError(where: string, name: string, expected: string, value: unknown): WasmgradError {
  const error = argumentError(where, name, expected, value);
  return badModelError(error.message, error instanceof TypeError ? 'TypeError' : 'RangeError');
}

/** The step count: an integer from 0 to MAX_STEP (2^53 - 1), the range the f64 counter in the descriptor holds exactly. */
export function checkStep(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_STEP) {
    throw badModelError(`${where}: ${name} must be an integer from 0 to 2^53 - 1 (the optimizer's updates so far), got ${describe(value)}`);
  }
  return value;
}

/** The epoch count (absent: 0): a safe non-negative integer. */
export function checkEpoch(where: string, name: string, value: unknown): number {
  const epoch = value === undefined ? 0 : value;
  if (typeof epoch !== 'number' || !Number.isSafeInteger(epoch) || epoch < 0) {
    throw badModelError(`${where}: ${name} must be an integer from 0 to 2^53 - 1 (epochs trained), got ${describe(value)}`);
  }
  return epoch;
}

/**
 * The learning-rate multiplier (absent: 1, as files written before it
 * existed): a number > 0 that stays finite and non-zero as a float32.
 */
export function checkMultiplier(where: string, name: string, value: unknown): number {
  const m = value === undefined ? 1 : value;
  if (!isLearningRateMultiplier(m)) {
    throw badModelError(`${where}: ${name} must be a number > 0 that float32 holds (the learning rate's multiplier), got ${describe(value)}`);
  }
  return m;
}

/**
 * The multiplier as files and JSON keep it: only when it is not 1, so a file
 * of a network whose rate was never lowered reads in releases before it.
 */
export function savedMultiplier(multiplier: number | undefined): { learningRateMultiplier?: number } {
  return multiplier === undefined || multiplier === 1 ? {} : { learningRateMultiplier: multiplier };
}

/** True for the arrays that hold mean squares (RMSProp's only one, Adam's second), which are never negative. */
export function holdsMeanSquares(optimizer: Optimizer, key: 'state1' | 'state2'): boolean {
  return optimizer.type === 'rmsprop' || (optimizer.type === 'adam' && key === 'state2');
}

/**
 * Every value of a saved float32 array is finite and, for mean squares, ≥ 0:
 * a negative second moment would make √v NaN at the next step.
 */
export function checkSavedValues(where: string, name: string, values: Float32Array, meanSquares = false): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    // x - x is 0 for a finite x and NaN for ±Infinity or NaN.
    if (x - x !== 0) throw badModelError(`${where}: ${name}[${i}] is ${x}, expected a finite number`);
    if (meanSquares && x < 0) throw badModelError(`${where}: ${name}[${i}] is ${x}, expected a mean square ≥ 0 (a second moment is never negative)`);
  }
  return values;
}

/** The sections a version 2 file holds for `config`, in order: each layer's weights and bias, then the optimizer's state arrays. */
export function expectedSections(config: NetworkConfig, stateArrays: number): { name: string; count: number }[] {
  const sections: { name: string; count: number }[] = [];
  let inSize = config.inputSize;
  config.layers.forEach((layer, l) => {
    sections.push({ name: `layers[${l}].weights`, count: inSize * layer.units }, { name: `layers[${l}].bias`, count: layer.units });
    inSize = layer.units;
  });
  const parameters = sections.reduce((n, s) => n + s.count, 0);
  for (let k = 1; k <= stateArrays; k++) sections.push({ name: `optimizerState.state${k}`, count: parameters });
  return sections;
}
