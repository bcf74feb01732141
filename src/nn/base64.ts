/** Float32 arrays as little-endian base64, the way JSON model files (format 1) store weights. */
import { badModelError, unsupportedError } from '../errors.js';

/**
 * The longest string V8 (Node, Chrome, Edge) can make: 2^29 - 24 characters
 * on 64-bit builds. A JSON model longer than this cannot be written or read
 * as one string, whatever memory is free.
 */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;

/** Characters of the base64 text of `floats` float32 values. */
export function base64Length(floats: number): number {
  return 4 * Math.ceil((4 * floats) / 3);
}

/**
 * Refuses to make the JSON form of a model whose text could not be one
 * string: `arrays` float32 arrays of `floats` values in all. The error points
 * to the binary form, which has no such limit.
 */
export function checkJSONSize(where: string, floats: number, arrays: number): void {
  // The arrays' base64 text, with 64 KiB for the rest (architecture, optimizer, key names).
  const length = base64Length(floats) + 4 * arrays + 65536;
  if (length > MAX_STRING_LENGTH) {
    throw unsupportedError(`${where}: this network's JSON would be about ${Math.round(length / 1e6)} million characters, past the `
      + `${Math.floor(MAX_STRING_LENGTH / 1e6)} million a JavaScript string can hold (V8), so toJSON() serves models of up to about `
      + `${Math.floor((MAX_STRING_LENGTH - 65536) * 3 / 16 / 1e6)} million float32 values (weights and optimizer state together). `
      + 'Use save(net, path) in Node or toBytes(net) anywhere: the binary model file has no such limit.');
  }
}

export function float32ToBase64(values: Float32Array): string {
  return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

/** Bytes as base64 text (localStorage holds only strings). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const CHUNK = 0x8000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** Decodes base64 to float32 values; throws WASMGRAD_BAD_MODEL_FILE (with `name`) on bad base64 or a length that is not a multiple of 4. */
export function base64ToFloat32(where: string, name: string, text: unknown): Float32Array {
  if (typeof text !== 'string') throw badModelError(`${where}: ${name} must be a base64 string of float32 values, got ${typeof text}`, 'TypeError');
  const bytes = base64ToBytes(where, name, text);
  if (bytes.length % 4 !== 0) {
    throw badModelError(`${where}: ${name} decodes to ${bytes.length} bytes, which is not a whole number of float32 values`);
  }
  // Linear memory and typed arrays are little-endian on every platform wasm runs on, as the file is.
  return new Float32Array(bytes.buffer);
}

/** Decodes base64 text to bytes (in a buffer of their own); throws WASMGRAD_BAD_MODEL_FILE (with `name`) on anything that is not base64. */
export function base64ToBytes(where: string, name: string, text: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw badModelError(`${where}: ${name} is not valid base64`, 'TypeError');
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
