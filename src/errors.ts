/**
 * Every error wasmgrad throws carries a stable `code`, as Node's errors do, so
 * callers can branch on `error.code` instead of parsing messages. The class
 * stays the built-in one that fits (TypeError for a value of the wrong type,
 * RangeError for one out of range, SyntaxError for unparsable text, Error
 * otherwise), so `instanceof` checks written against earlier releases still hold.
 *
 * Errors are made only here: a test (test/errors.test.ts) checks that no other
 * file under src/ constructs an Error itself.
 */

/** The codes, each with what it means. */
export const ERROR_CODES = {
  /** An argument or option has the wrong type or value. */
  WASMGRAD_INVALID_ARGUMENT: 'an argument or option has the wrong type or an out-of-range value',
  /** Arrays whose sizes do not fit together (rows, columns, layer widths). */
  WASMGRAD_SHAPE: 'arrays whose shapes do not fit together',
  /** A network or tensor used after `dispose()` (also from inside a training callback). */
  WASMGRAD_DISPOSED: 'a network or tensor was used after dispose()',
  /** A call that needs `await init()` first. */
  WASMGRAD_NOT_INITIALIZED: 'init() has not finished',
  /** Training whose loss or gradients became NaN or Infinity (the last finite weights are kept), or evaluate/gradients that overflow. */
  WASMGRAD_DIVERGED: 'training, evaluate or gradients reached NaN or Infinity; training keeps the last finite weights',
  /** A model file or object that cannot be read as a wasmgrad (or TF.js) model. */
  WASMGRAD_BAD_MODEL_FILE: 'a model file is malformed, truncated or of an unknown format',
  /** Linear memory cannot grow to hold what was asked for; nothing was kept. */
  WASMGRAD_OUT_OF_MEMORY: 'linear memory cannot hold what was asked for',
  /** A feature that this build, engine or model does not have. */
  WASMGRAD_UNSUPPORTED: 'something this build, platform or model format does not support',
  /** A call made while the object is busy (a second fit while one runs). */
  WASMGRAD_BUSY: 'the network is already training',
  /** A call on a predictor after its `close()` (createPredictor). */
  WASMGRAD_CLOSED: 'a predictor was used after close()',
  /** Reading or writing a file or browser storage failed, or nothing is saved there (the cause is attached). */
  WASMGRAD_IO: 'reading or writing a file or browser storage failed',
  /** Browser storage (localStorage, IndexedDB) is full; nothing was written and the entry saved before is kept. */
  WASMGRAD_QUOTA: 'browser storage is full; nothing was written',
  /** A broken invariant inside wasmgrad itself: please report it. */
  WASMGRAD_INTERNAL: 'an internal error in wasmgrad',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error thrown by wasmgrad: a built-in Error (or TypeError, RangeError, SyntaxError) with a `code`. */
export interface WasmgradError extends Error {
  readonly code: ErrorCode;
}

type ErrorKind = 'Error' | 'TypeError' | 'RangeError' | 'SyntaxError';
const CONSTRUCTORS: Record<ErrorKind, ErrorConstructor> = { Error, TypeError, RangeError, SyntaxError };

/** Makes an error of the built-in `kind` carrying `code`. The one place wasmgrad constructs errors. */
export function codedError(code: ErrorCode, message: string, kind: ErrorKind = 'Error', options?: { cause?: unknown }): WasmgradError {
  const error = new CONSTRUCTORS[kind](message, options) as Error & { code: ErrorCode };
  Object.defineProperty(error, 'code', { value: code, enumerable: true, writable: false, configurable: true });
  return error as WasmgradError;
}

/** True when `error` is one of wasmgrad's errors (with `code`, if given). */
export function isWasmgradError(error: unknown, code?: ErrorCode): error is WasmgradError {
  if (!(error instanceof Error)) return false;
  const actual = (error as { code?: unknown }).code;
  return typeof actual === 'string' && actual in ERROR_CODES && (code === undefined || actual === code);
}

/** `where: this network has been disposed`, and the like: WASMGRAD_DISPOSED. */
export function disposedError(message: string): WasmgradError {
  return codedError('WASMGRAD_DISPOSED', message);
}

/** Arrays whose sizes do not fit together: a RangeError with WASMGRAD_SHAPE. */
export function shapeError(message: string): WasmgradError {
  return codedError('WASMGRAD_SHAPE', message, 'RangeError');
}

/** A feature that is not there: WASMGRAD_UNSUPPORTED. */
export function unsupportedError(message: string, options?: { cause?: unknown }): WasmgradError {
  return codedError('WASMGRAD_UNSUPPORTED', message, 'Error', options);
}

/** A model file that cannot be read: WASMGRAD_BAD_MODEL_FILE (a RangeError unless `kind` says otherwise). */
export function badModelError(message: string, kind: ErrorKind = 'RangeError', options?: { cause?: unknown }): WasmgradError {
  return codedError('WASMGRAD_BAD_MODEL_FILE', message, kind, options);
}

/** A broken invariant inside wasmgrad: WASMGRAD_INTERNAL. */
export function internalError(message: string): WasmgradError {
  return codedError('WASMGRAD_INTERNAL', message);
}
