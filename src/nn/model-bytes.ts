/**
 * The model file as bytes, for the browser (downloads, IndexedDB, fetch) and
 * any program that moves files itself. Node programs can use save/load, which
 * write and read the same bytes.
 */
import { byteView } from './validate.js';
import { decodeInfo, decodeModel, type ModelInfo } from './model-decode.js';
import { checkModelFileOptions, encodeModel, modelBytes, type ModelFileOptions } from './model-encode.js';
import { Network } from './network.js';
import { checkBackendOption, type FromJSONOptions } from './serialize.js';

export type { ModelFileOptions, ModelInfo };

/**
 * The model file of `net` (format version 2: a JSON header, then its weights
 * and optimizer state as float32 with CRC-32 checksums), as one array of
 * bytes: `new Blob([toBytes(net)])` to download it. Holds models of any size
 * that fit in memory (the JSON form stops near 100 million values).
 * `options.preprocessing` and `options.extra` (JSON objects) are kept in the
 * file and come back from readModelHeader.
 */
export function toBytes(net: Network, options: ModelFileOptions = {}): Uint8Array {
  const checked = checkModelFileOptions('toBytes', options);
  return modelBytes(encodeModel('toBytes', net, checked));
}

/**
 * Rebuilds a network from a model file's bytes: the binary file that
 * toBytes/save write, or the JSON form of toJSON and earlier releases (told
 * apart by the first bytes). Everything is checked (signature, version,
 * checksums, architecture, every value) before any memory is taken: a
 * truncated, corrupted or foreign file throws WASMGRAD_BAD_MODEL_FILE saying
 * what is wrong, and loads nothing.
 */
export function fromBytes(bytes: Uint8Array | ArrayBuffer | ArrayBufferView, options: FromJSONOptions = {}): Network {
  const backend = checkBackendOption('fromBytes', options);
  const { config, parameters, state } = decodeModel('fromBytes', byteView('fromBytes', 'bytes', bytes, 'a model file'), backend);
  return new Network(config, parameters, state);
}

/**
 * What a model file holds besides its numbers (architecture, optimizer,
 * progress, parameter count, `preprocessing` and `extra`), checked but
 * without reading the weights or building a network. For the binary file,
 * `bytes` may be only its beginning, as far as the end of the header (byte
 * 24 + the u32 at byte 12): `file.slice(0, 65536)` in a browser is usually
 * enough. A JSON-form file is read whole.
 */
export function readModelHeader(bytes: Uint8Array | ArrayBuffer | ArrayBufferView): ModelInfo {
  return decodeInfo('readModelHeader', byteView('readModelHeader', 'bytes', bytes, 'a model file'));
}

