/**
 * Writing a network as a model file (format in src/nn/model-file.ts). The
 * sections are views straight into linear memory: the writer copies them once,
 * into the file or the output bytes, and nothing in between makes a second
 * copy or a string of the numbers.
 */
import { codedError, disposedError } from '../errors.js';
import { crc32 } from './crc32.js';
import { readStep } from './layout.js';
import { encodeHead, layoutSections, MODEL_FILE_VERSION, type ModelHeader } from './model-file.js';
import { expectedSections, savedMultiplier } from './model-checks.js';
import { Network } from './network.js';
import { networkMemory } from './network-memory.js';
import { stateArrays } from './optimizers.js';
import { argumentError, plainObject, rejectUnknownKeys } from './validate.js';

/** What a model file keeps besides the network (see ModelHeader). */
export interface ModelFileOptions {
  /** How raw data becomes the network's inputs (the CLI's encoding, fitted standardizers): JSON values, kept verbatim. */
  preprocessing?: Record<string, unknown>;
  /** Anything else to keep with the model (JSON values, kept verbatim). */
  extra?: Record<string, unknown>;
}

/** A model file ready to write: the head, then each section followed by its zero padding. */
export interface EncodedModel {
  readonly head: Uint8Array;
  /**
   * Views into linear memory, valid until the next call that can allocate:
   * write them at once, without awaiting anything in between.
   */
  readonly sections: readonly Uint8Array[];
  /** Zero bytes after each section (to the next multiple of 8). */
  readonly padding: readonly number[];
  /** The whole file's length. */
  readonly bytes: number;
}

/** The options of save / toBytes, checked: JSON objects that survive a round trip. */
export function checkModelFileOptions(where: string, options: unknown): ModelFileOptions {
  const o = plainObject(where, 'options', options === undefined ? {} : options);
  rejectUnknownKeys(where, 'options', o, ['preprocessing', 'extra']);
  const checked: ModelFileOptions = {};
  for (const key of ['preprocessing', 'extra'] as const) {
    if (o[key] === undefined) continue;
    const value = plainObject(where, `options.${key}`, o[key]);
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (cause) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: options.${key} must hold JSON values only (${(cause as Error).message})`, 'TypeError');
    }
    // A copy as the file will hold it, so what is read back equals what was kept (undefined and functions dropped).
    checked[key] = JSON.parse(text!) as Record<string, unknown>;
  }
  return checked;
}

/**
 * Lays out the model file of `net`: its header bytes and views of its
 * sections in linear memory, with every section's CRC-32 already in the header.
 */
export function encodeModel(where: string, net: unknown, options: ModelFileOptions): EncodedModel {
  if (!(net instanceof Network)) throw argumentError(where, 'net', 'a Network (from sequential(), fromJSON() or load())', net);
  if (net.disposed) throw disposedError(`${where}: the network has been disposed`);
  const { views, block, plan } = networkMemory(net);
  const u8 = views.u8;
  const addresses = [
    ...plan.layers.flatMap((layer) => [block + layer.weights, block + layer.bias]),
    ...[plan.state1, plan.state2].filter((offset) => offset !== 0).map((offset) => block + offset),
  ];
  const expected = expectedSections(net, stateArrays(net.optimizer));
  const { offsets, dataBytes } = layoutSections(expected.map((s) => s.count));
  const sections = expected.map((s, i) => u8.subarray(addresses[i], addresses[i] + s.count * 4));
  const header: ModelHeader = {
    format: 'wasmgrad-network',
    version: MODEL_FILE_VERSION,
    inputSize: net.inputSize,
    layers: net.layers.map(({ type, units, activation, initializer, dropout }) => ({ type, units, activation, initializer, dropout })),
    loss: net.loss,
    optimizer: JSON.parse(JSON.stringify(net.optimizer)) as Record<string, unknown>,
    seed: net.seed,
    optimizerState: { step: readStep(views.f64, block), epoch: net.epochsTrained, ...savedMultiplier(net.learningRateMultiplier) },
    ...options,
    sections: expected.map((s, i) => ({ name: s.name, type: 'float32', count: s.count, offset: offsets[i], crc32: crc32(sections[i]) })),
    dataBytes,
  };
  const head = encodeHead(where, header);
  const padding = offsets.map((offset, i) => (i + 1 < offsets.length ? offsets[i + 1] : dataBytes) - offset - sections[i].length);
  return { head, sections, padding, bytes: head.length + dataBytes };
}

/** Copies an encoded model into one array of bytes (for the browser, or any caller that wants the file in memory). */
export function modelBytes(model: EncodedModel): Uint8Array {
  const out = new Uint8Array(model.bytes);
  out.set(model.head, 0);
  let cursor = model.head.length;
  model.sections.forEach((section, i) => {
    out.set(section, cursor);
    cursor += section.length + model.padding[i];
  });
  return out;
}
