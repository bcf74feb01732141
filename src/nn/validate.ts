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
