/**
 * Argument checks. Every error names where it was raised, the argument, what
 * was expected and what was given, and is thrown before any state changes.
 */
import { codedError, type WasmgradError } from '../errors.js';

/** A short, readable description of a value for an error message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/**
 * An error whose message reads `where: name must be expected, got value`, with
 * code WASMGRAD_INVALID_ARGUMENT: a RangeError for a number (or a missing
 * value), a TypeError otherwise.
 */
export function argumentError(where: string, name: string, expected: string, value: unknown): WasmgradError {
  const message = `${where}: ${name} must be ${expected}, got ${describe(value)}`;
  const kind = typeof value === 'number' || value === undefined || value === null ? 'RangeError' : 'TypeError';
  return codedError('WASMGRAD_INVALID_ARGUMENT', message, kind);
}

export function positiveInteger(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw argumentError(where, name, 'a positive integer', value);
  }
  return value;
}

export function positiveFinite(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw argumentError(where, name, 'a positive finite number', value);
  }
  return value;
}

export function oneOf<T extends string>(where: string, name: string, value: unknown, options: readonly T[]): T {
  if (typeof value !== 'string' || !options.includes(value as T)) {
    throw argumentError(where, name, `one of ${options.map((o) => `"${o}"`).join(', ')}`, value);
  }
  return value as T;
}

export function plainObject(where: string, name: string, value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw argumentError(where, name, 'an object', value);
  }
  return value as Record<string, unknown>;
}

export function optionalFunction(where: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw argumentError(where, name, 'a function', value);
}

export function optionalBoolean(where: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw argumentError(where, name, 'true or false', value);
  return value;
}

/**
 * `value`, or `fallback` when it is absent. Only `undefined` means absent:
 * `null` stays and is then refused by the check it goes on to, as an option
 * set to null is more likely a bug than a request for the default.
 */
export function orDefault(value: unknown, fallback: unknown): unknown {
  return value === undefined ? fallback : value;
}

/**
 * Refuses every key of `object` that is not in `known` (a misspelt option
 * would otherwise be ignored silently): `name.key must be absent: not a known
 * option (known options: …)`.
 */
export function rejectUnknownKeys(where: string, name: string, object: Record<string, unknown>, known: readonly string[], noun = 'option'): void {
  for (const key of Object.keys(object)) {
    if (!known.includes(key)) {
      throw argumentError(where, `${name}.${key}`, `absent: not a known ${noun} (known ${noun}s: ${known.join(', ')})`, object[key]);
    }
  }
}

/** The error for an empty slot of a sparse array (`[a, , b]`), which forEach and map would skip silently. */
export function holeError(where: string, name: string, expected: string): WasmgradError {
  return codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: ${name} must be ${expected}, got an empty slot (the array has a hole there)`, 'TypeError');
}

/** The smallest positive normal float32: values below it lose precision, or flush to 0, in the kernels. */
export const FLOAT32_MIN_NORMAL = 2 ** -126;

/**
 * A number that stays positive, finite and normal once rounded to float32, as
 * it is when it enters linear memory: 1e39 would become Infinity, 1e-46 zero.
 */
export function positiveFloat32(where: string, name: string, value: unknown): number {
  const rounded = typeof value === 'number' ? Math.fround(value) : NaN;
  if (!(rounded >= FLOAT32_MIN_NORMAL && rounded < Infinity)) {
    throw argumentError(where, name, 'a positive finite number in float32\'s normal range (1.2e-38 to 3.4e38)', value);
  }
  return value as number;
}

/** 0, or a number that positiveFloat32 accepts. */
export function nonNegativeFloat32(where: string, name: string, value: unknown): number {
  const rounded = typeof value === 'number' ? Math.fround(value) : NaN;
  if (!(value === 0 || (rounded >= FLOAT32_MIN_NORMAL && rounded < Infinity))) {
    throw argumentError(where, name, 'a finite number ≥ 0 (0, or in float32\'s normal range 1.2e-38 to 3.4e38)', value);
  }
  return value as number;
}

/** A number in [0, 1) that is still below 1 once rounded to float32 (0.99999999999 rounds to 1). */
export function float32Fraction(where: string, name: string, value: unknown): number {
  const rounded = typeof value === 'number' ? Math.fround(value) : NaN;
  if (!(rounded >= 0 && rounded < 1)) throw argumentError(where, name, 'a number in [0, 1), also once rounded to float32', value);
  return value as number;
}

/**
 * The bytes of `value` as a Uint8Array view (no copy): a non-empty Uint8Array (a Node
 * Buffer is one) as it is, an ArrayBuffer or any other typed array or
 * DataView over its bytes. Anything else, or a detached buffer (which cannot
 * be viewed), is refused naming `name` and what it should hold.
 */
export function byteView(where: string, name: string, value: unknown, holding: string): Uint8Array {
  try {
    // An empty Uint8Array may be one whose buffer was transferred (detached): only building a view over it tells.
    if (value instanceof Uint8Array && value.byteLength > 0) return value;
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  } catch {
    // A detached buffer cannot be viewed: refused below.
  }
  throw argumentError(where, name, `a Uint8Array, ArrayBuffer or typed array holding ${holding} (not detached)`, value);
}
