/**
 * The model file (version 2): one binary file per network, which holds
 * models of any size (the JSON form stops near 100 million values, the
 * longest string JavaScript can make) and is written and read section by
 * section, never as one string.
 *
 *   bytes 0–7    signature 89 57 47 4D 0D 0A 1A 0A ("\x89WGM\r\n\x1a\n": a
 *                non-ASCII first byte and line ends catch text-mode transfers)
 *   bytes 8–11   u32 file version, 2
 *   bytes 12–15  u32 H, the header's length in bytes
 *   bytes 16–19  u32 CRC-32 of the header
 *   bytes 20–23  u32 reserved, 0
 *   bytes 24…    the header: H bytes of UTF-8 JSON (ModelHeader below)
 *   then         zero bytes up to a multiple of 8: the data area starts there
 *   data area    the sections, float32 little-endian, each at its declared
 *                offset (from the data area's start, a multiple of 8), in the
 *                header's order, zero bytes between; the file ends with the
 *                data area, `dataBytes` long.
 *
 * All integers are little-endian. CRC-32 is IEEE 802.3's (zlib's). Every
 * section carries its own CRC-32, so a reader names the part that is damaged.
 * The sections are each layer's weights (in×units, row-major) and bias, then
 * the optimizer's state arrays (one value per parameter each, parameters in
 * layer order, W before b). A reader refuses anything else: unknown fields,
 * versions, sections, or bytes past the end.
 */
import { codedError } from '../errors.js';
import { crc32 } from './crc32.js';

/** The first eight bytes of every model file (version 2 on). */
export const MODEL_SIGNATURE: readonly number[] = [0x89, 0x57, 0x47, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a];
/** The file version this release writes; it reads this one and the JSON form (version 1). */
export const MODEL_FILE_VERSION = 2;
/** Bytes before the header: signature, version, header length, header CRC, reserved. */
export const PREAMBLE_BYTES = 24;
/** The longest header a reader accepts (it is parsed as one string). */
export const MAX_HEADER_BYTES = 256 * 2 ** 20;

/** One array of the data area, as the header declares it. */
export interface ModelSection {
  /** `layers[0].weights`, `layers[0].bias`, …, `optimizerState.state1`, `optimizerState.state2`. */
  readonly name: string;
  readonly type: 'float32';
  /** Values (not bytes). */
  readonly count: number;
  /** Byte offset from the start of the data area: a multiple of 8. */
  readonly offset: number;
  /** CRC-32 of the section's count × 4 bytes, as an unsigned integer. */
  readonly crc32: number;
}

/**
 * The header of a model file: everything but the numbers, as JSON. Besides
 * the network, it keeps two open objects verbatim through a save and load:
 * `preprocessing` (how raw data becomes inputs: the CLI's encoding, fitted
 * standardizers) and `extra` (anything else a program wants kept with the
 * model, such as a learning-rate multiplier or training notes).
 */
export interface ModelHeader {
  readonly format: 'wasmgrad-network';
  readonly version: 2;
  readonly inputSize: number;
  readonly layers: readonly { type: 'dense'; units: number; activation: string; initializer: string; dropout: number }[];
  readonly loss: string;
  readonly optimizer: Record<string, unknown>;
  readonly seed: number;
  /** Updates applied (0 to 2^53 - 1) and epochs completed. */
  readonly optimizerState: { readonly step: number; readonly epoch: number; readonly learningRateMultiplier?: number };
  readonly preprocessing?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
  readonly sections: readonly ModelSection[];
  /** Bytes of the data area: the file is align8(24 + H) + dataBytes bytes long. */
  readonly dataBytes: number;
}

/** The header's fields, in the order they are written. */
export const HEADER_KEYS = [
  'format', 'version', 'inputSize', 'layers', 'loss', 'optimizer', 'seed', 'optimizerState', 'preprocessing', 'extra', 'sections', 'dataBytes',
] as const;

/** Rounds a byte count up to a multiple of 8. */
export function align8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

/** The section table for sections of `counts` values, in order, and the data area's length. */
export function layoutSections(counts: readonly number[]): { offsets: number[]; dataBytes: number } {
  let cursor = 0;
  const offsets = counts.map((count) => {
    const offset = cursor;
    cursor = align8(offset + count * 4);
    return offset;
  });
  return { offsets, dataBytes: counts.length ? offsets[offsets.length - 1] + counts[counts.length - 1] * 4 : 0 };
}

/**
 * The bytes before the data area: preamble, header, and zero padding to a
 * multiple of 8.
 */
export function encodeHead(where: string, header: ModelHeader): Uint8Array {
  const text = new TextEncoder().encode(JSON.stringify(header));
  // Written only if a reader will take it: a model that was saved always loads.
  if (text.length > MAX_HEADER_BYTES) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: the model file's header would be ${text.length} bytes, over the `
      + `${MAX_HEADER_BYTES} a reader accepts: options.preprocessing and options.extra are for settings, not data`, 'RangeError');
  }
  const head = new Uint8Array(align8(PREAMBLE_BYTES + text.length));
  head.set(MODEL_SIGNATURE, 0);
  const view = new DataView(head.buffer);
  view.setUint32(8, MODEL_FILE_VERSION, true);
  view.setUint32(12, text.length, true);
  view.setUint32(16, crc32(text), true);
  head.set(text, PREAMBLE_BYTES);
  return head;
}
