/**
 * Reading a model file (format in src/nn/model-file.ts), or the JSON form of
 * earlier releases, told apart by the first bytes. Everything is checked
 * (signature, version, header checksum and fields, length, every section's
 * checksum, every value) before any memory is taken, so a bad file loads
 * nothing; each problem is a WASMGRAD_BAD_MODEL_FILE error that says what is
 * wrong and where.
 */
import type { BackendName } from '../backend/backend.js';
import { badModelError } from '../errors.js';
import { checkConfig } from './config.js';
import { crc32 } from './crc32.js';
import {
  align8, HEADER_KEYS, layoutSections, MAX_HEADER_BYTES, MODEL_FILE_VERSION, MODEL_SIGNATURE, PREAMBLE_BYTES, type ModelHeader, type ModelSection,
} from './model-file.js';
import { asModelFileError, checkEpoch, checkMultiplier, checkSavedValues, checkStep, expectedSections, holdsMeanSquares, savedMultiplier } from './model-checks.js';
import { stateArrays } from './optimizers.js';
import { checkJSONModel, type CheckedModel } from './serialize.js';
import { describe, plainObject } from './validate.js';

/** What readModelHeader tells about a file, without reading its numbers. */
export interface ModelInfo {
  /** 2 for the binary model file, 1 for the JSON form. */
  readonly version: 1 | 2;
  readonly inputSize: number;
  readonly layers: ModelHeader['layers'];
  readonly loss: string;
  readonly optimizer: Record<string, unknown>;
  readonly seed: number;
  /** learningRateMultiplier only where it is not 1 (reduceLROnPlateau lowered the rate). */
  readonly optimizerState: { readonly step: number; readonly epoch: number; readonly learningRateMultiplier?: number };
  readonly parameterCount: number;
  /** As given to save / toBytes (for a JSON file: its top-level `preprocessing` field). */
  readonly preprocessing?: Record<string, unknown>;
  readonly extra?: Record<string, unknown>;
}

const SECTION_KEYS = ['name', 'type', 'count', 'offset', 'crc32'];

/** 'binary' for the model file, 'json' for the JSON form; anything else is refused, saying what the file starts with. */
function sniff(where: string, bytes: Uint8Array): 'binary' | 'json' {
  const n = Math.min(bytes.length, MODEL_SIGNATURE.length);
  if (n > 0 && MODEL_SIGNATURE.slice(0, n).every((b, i) => bytes[i] === b)) {
    if (n < MODEL_SIGNATURE.length) throw truncated(where, bytes.length, 'inside the 8-byte signature');
    return 'binary';
  }
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0; // a UTF-8 byte order mark
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  if (bytes[i] === 0x7b) return 'json';
  if (bytes.length === 0) throw badModelError(`${where}: the file is empty (0 bytes)`);
  const start = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw badModelError(`${where}: not a wasmgrad model file: it starts with the bytes ${start}, where a model file starts with `
    + `the signature ${MODEL_SIGNATURE.map((b) => b.toString(16).padStart(2, '0')).join(' ')} (or, in the JSON form, with "{")`);
}

function truncated(where: string, length: number, what: string) {
  return badModelError(`${where}: the file is truncated: it ends after ${length} bytes, ${what}`);
}

/**
 * The header of a binary model file, checked against itself and, for a
 * `whole` file, against the file's length (not yet the sections' checksums).
 */
function readHeader(where: string, bytes: Uint8Array, backend: BackendName | undefined, whole = true) {
  if (bytes.length < PREAMBLE_BYTES) throw truncated(where, bytes.length, `inside the ${PREAMBLE_BYTES}-byte preamble`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== MODEL_FILE_VERSION) {
    throw badModelError(version > MODEL_FILE_VERSION
      ? `${where}: the file is model file version ${version}, written by a newer wasmgrad; this release reads versions 1 and 2`
      : `${where}: the file declares model file version ${version}, which does not exist (the binary file is version 2)`);
  }
  const headerBytes = view.getUint32(12, true);
  if (headerBytes === 0 || headerBytes > MAX_HEADER_BYTES) {
    throw badModelError(`${where}: the file declares a header of ${headerBytes} bytes, expected 1 to ${MAX_HEADER_BYTES}`);
  }
  const headerEnd = PREAMBLE_BYTES + headerBytes;
  if (bytes.length < headerEnd) throw truncated(where, bytes.length, `inside its header (bytes ${PREAMBLE_BYTES} to ${headerEnd})`);
  const text = bytes.subarray(PREAMBLE_BYTES, headerEnd);
  const crc = crc32(text);
  if (crc !== view.getUint32(16, true)) {
    throw badModelError(`${where}: the header fails its checksum (CRC-32 ${hex(crc)}, the file says ${hex(view.getUint32(16, true))}): `
      + 'the file is corrupted');
  }
  if (view.getUint32(20, true) !== 0) throw badModelError(`${where}: bytes 20 to 23 (reserved) must be 0: the file is corrupted`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8(text));
  } catch (cause) {
    throw badModelError(`${where}: the header is not valid UTF-8 JSON (${(cause as Error).message})`, 'SyntaxError', { cause });
  }
  const header = asModelFileError(where, 'header', () => plainObject(where, 'header', parsed));
  for (const key of Object.keys(header)) {
    if (!(HEADER_KEYS as readonly string[]).includes(key)) throw badModelError(`${where}: header.${key} is not a field of a version 2 header`, 'TypeError');
  }
  if (header.format !== 'wasmgrad-network') throw badModelError(`${where}: header.format must be "wasmgrad-network", got ${describe(header.format)}`, 'TypeError');
  if (header.version !== MODEL_FILE_VERSION) throw badModelError(`${where}: header.version must be 2, as the preamble says, got ${describe(header.version)}`);
  const config = asModelFileError(where, 'header', () => checkConfig(where, {
    inputSize: header.inputSize, layers: header.layers, loss: header.loss, optimizer: header.optimizer, seed: header.seed, backend,
  }));
  const progress = asModelFileError(where, 'header', () => plainObject(where, 'header.optimizerState', header.optimizerState));
  for (const key of Object.keys(progress)) {
    if (key !== 'step' && key !== 'epoch' && key !== 'learningRateMultiplier') {
      throw badModelError(`${where}: header.optimizerState.${key} is not a field (step, epoch, learningRateMultiplier)`, 'TypeError');
    }
  }
  const step = checkStep(where, 'header.optimizerState.step', progress.step);
  const epoch = checkEpoch(where, 'header.optimizerState.epoch', progress.epoch);
  const multiplier = checkMultiplier(where, 'header.optimizerState.learningRateMultiplier', progress.learningRateMultiplier);
  for (const key of ['preprocessing', 'extra']) {
    if (header[key] !== undefined) asModelFileError(where, 'header', () => plainObject(where, `header.${key}`, header[key]));
  }
  const sections = checkSectionTable(where, header, expectedSections(config, stateArrays(config.optimizer)));
  const dataStart = align8(headerEnd);
  const end = dataStart + (header.dataBytes as number);
  if (whole && bytes.length < end) throw truncated(where, bytes.length, `where its header declares ${end}`);
  if (whole && bytes.length > end) throw badModelError(`${where}: the file has ${bytes.length - end} bytes after its end (byte ${end}): it is corrupted`);
  zeroPadding(where, bytes, headerEnd, Math.min(dataStart, bytes.length), 'after the header');
  const info: ModelInfo = {
    version: 2, inputSize: config.inputSize, layers: header.layers as ModelHeader['layers'], loss: config.loss,
    optimizer: header.optimizer as Record<string, unknown>, seed: config.seed,
    optimizerState: { step, epoch, ...savedMultiplier(multiplier) },
    parameterCount: sections.filter((s) => s.name.startsWith('layers')).reduce((n, s) => n + s.count, 0),
    ...(header.preprocessing === undefined ? {} : { preprocessing: header.preprocessing as Record<string, unknown> }),
    ...(header.extra === undefined ? {} : { extra: header.extra as Record<string, unknown> }),
  };
  return { config, info, sections, dataStart, step, epoch, multiplier };
}

/** header.sections and header.dataBytes must be exactly the table a writer makes for this architecture and optimizer. */
function checkSectionTable(where: string, header: Record<string, unknown>, expected: { name: string; count: number }[]): ModelSection[] {
  const { offsets, dataBytes } = layoutSections(expected.map((s) => s.count));
  const table = header.sections;
  if (!Array.isArray(table) || table.length !== expected.length) {
    throw badModelError(`${where}: header.sections must list ${expected.length} sections (${expected.map((s) => s.name).join(', ')}), `
      + `got ${describe(table)}`, 'TypeError');
  }
  const sections = expected.map((want, i): ModelSection => {
    const name = `header.sections[${i}]`;
    const entry = asModelFileError(where, 'header', () => plainObject(where, name, table[i]));
    for (const key of Object.keys(entry)) {
      if (!SECTION_KEYS.includes(key)) throw badModelError(`${where}: ${name}.${key} is not a field of a section (${SECTION_KEYS.join(', ')})`, 'TypeError');
    }
    const field = (key: string, value: unknown, expectedValue: unknown, what: string) => {
      if (value !== expectedValue) throw badModelError(`${where}: ${name}.${key} must be ${what}, got ${describe(value)}`);
    };
    field('name', entry.name, want.name, JSON.stringify(want.name));
    field('type', entry.type, 'float32', '"float32"');
    field('count', entry.count, want.count, `${want.count} (${want.name} of this architecture)`);
    field('offset', entry.offset, offsets[i], `${offsets[i]} (sections follow each other at multiples of 8)`);
    const crc = entry.crc32;
    if (typeof crc !== 'number' || !Number.isInteger(crc) || crc < 0 || crc >= 2 ** 32) {
      throw badModelError(`${where}: ${name}.crc32 must be an unsigned 32-bit integer, got ${describe(crc)}`);
    }
    return { name: want.name, type: 'float32', count: want.count, offset: offsets[i], crc32: crc };
  });
  if (header.dataBytes !== dataBytes) throw badModelError(`${where}: header.dataBytes must be ${dataBytes}, got ${describe(header.dataBytes)}`);
  return sections;
}

function zeroPadding(where: string, bytes: Uint8Array, from: number, to: number, what: string): void {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) throw badModelError(`${where}: byte ${i} (padding ${what}) must be 0: the file is corrupted`);
  }
}

/** Strict UTF-8 (a bad byte throws); a view of shared memory is copied first, as TextDecoder refuses those. */
function utf8(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes.buffer instanceof ArrayBuffer ? bytes : bytes.slice());
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * Checks a whole file (binary or JSON form) and returns what to build the
 * network from, with the header's information. Float32 arrays are views of
 * `bytes` where their offsets allow (no copy), else copies.
 */
export function decodeModel(where: string, bytes: Uint8Array, backend: BackendName | undefined): CheckedModel & { info: ModelInfo } {
  if (sniff(where, bytes) === 'json') return decodeJSON(where, bytes, backend);
  const { config, info, sections, dataStart, step, epoch, multiplier } = readHeader(where, bytes, backend);
  const arrays = sections.map((section, i) => {
    const start = dataStart + section.offset, end = start + section.count * 4;
    const data = bytes.subarray(start, end);
    const crc = crc32(data);
    if (crc !== section.crc32) {
      throw badModelError(`${where}: section ${section.name} (bytes ${start} to ${end}) fails its checksum `
        + `(CRC-32 ${hex(crc)}, the header says ${hex(section.crc32)}): the file is corrupted`);
    }
    zeroPadding(where, bytes, end, i + 1 < sections.length ? dataStart + sections[i + 1].offset : end, `after section ${section.name}`);
    const values = (bytes.byteOffset + start) % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset + start, section.count)
      : new Float32Array(data.slice().buffer);
    const key = section.name === 'optimizerState.state1' ? 'state1' : section.name === 'optimizerState.state2' ? 'state2' : null;
    return checkSavedValues(where, `section ${section.name}`, values, key !== null && holdsMeanSquares(config.optimizer, key));
  });
  const layers = config.layers.length;
  const parameters = config.layers.map((_, l): [Float32Array, Float32Array] => [arrays[2 * l], arrays[2 * l + 1]]);
  return {
    config, parameters, info,
    state: { step, epoch, learningRateMultiplier: multiplier, ...(arrays.length > 2 * layers ? { state1: arrays[2 * layers] } : {}), ...(arrays.length > 2 * layers + 1 ? { state2: arrays[2 * layers + 1] } : {}) },
  };
}

/**
 * The header of a file, checked, without reading (or checksumming) its
 * numbers: for the binary file, `bytes` may be just its beginning, up to the
 * end of the header. A JSON file is read whole.
 */
export function decodeInfo(where: string, bytes: Uint8Array): ModelInfo {
  if (sniff(where, bytes) === 'json') return decodeJSON(where, bytes, undefined).info;
  return readHeader(where, bytes, undefined, false).info;
}

/** The JSON form (format 1): small by nature, since it was written as one string. */
function decodeJSON(where: string, bytes: Uint8Array, backend: BackendName | undefined): CheckedModel & { info: ModelInfo } {
  let value: unknown;
  try {
    value = JSON.parse(utf8(bytes));
  } catch (cause) {
    throw badModelError(`${where}: json is not valid JSON (${(cause as Error).message})`, 'SyntaxError', { cause });
  }
  const model = checkJSONModel(where, value, backend);
  const record = value as Record<string, unknown>;
  const object = (key: string) => {
    const v = record[key];
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? { [key]: v as Record<string, unknown> } : {};
  };
  const { config } = model;
  const info: ModelInfo = {
    version: 1, inputSize: config.inputSize, layers: config.layers, loss: config.loss, optimizer: JSON.parse(JSON.stringify(config.optimizer)),
    seed: config.seed, optimizerState: { step: model.state.step, epoch: model.state.epoch, ...savedMultiplier(model.state.learningRateMultiplier) },
    parameterCount: model.parameters.reduce((n, [w, b]) => n + w.length + b.length, 0),
    ...object('preprocessing'), ...object('extra'),
  };
  return { ...model, info };
}
