/**
 * Files for the command line: reading inputs, writing outputs atomically, and
 * model files, which are the network's own JSON (any `toJSON()` output loads)
 * plus, from `wasmgrad train`, a `preprocessing` field (the CSV encoding) that
 * the library's fromJSON ignores.
 *
 * A model is checked as a whole when read (the encoding must fit the network:
 * one output per class, one input per encoded value) and before it is written
 * (the exact text is read back), so train never leaves a file that predict or
 * info would refuse.
 */
import { readFile } from 'node:fs/promises';
import { codedError, isWasmgradError } from '../errors.js';
import { fromJSON, init, type Network } from '../index.js';
import { writeFileAtomic } from '../nn/files.js';
import { checkEncodingFits, checkPreprocessing, type Preprocessing } from './encoding.js';
import { dataError, exitStatus, fsReason, modelFileError, writeError } from './errors.js';

/** A file's text; one that cannot be read is an input error (exit 2) naming it and why. */
export async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw dataError(`cannot read the ${what} ${path}: ${fsReason(error)}`, error);
  }
}

/** writeFileAtomic, with a failure reported in words (exit 1), never with the temporary file's name. */
export async function writeAtomically(path: string, contents: string): Promise<void> {
  try {
    await writeFileAtomic(path, contents);
  } catch (error) {
    throw writeError(`cannot write ${path}: ${fsReason(error)}`, error);
  }
}

export interface ModelFile {
  net: Network;
  json: Record<string, unknown>;
  preprocessing?: Preprocessing;
}

/** Builds the network of a parsed model file and checks its encoding against it; nothing stays allocated on error. */
function open(json: unknown, path: string): ModelFile {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw modelFileError(`${path} is not a model file: it holds no JSON object`);
  const record = json as Record<string, unknown>;
  // The encoding first: it is cheap to check, and a bad one should not cost building the network.
  const preprocessing = record.preprocessing === undefined ? undefined : checkPreprocessing(record.preprocessing, path);
  let net: Network;
  try {
    net = fromJSON(record);
  } catch (error) {
    // A malformed file is the user's input (exit 2); running out of memory or a bug stays what it is (exit 1).
    if (isWasmgradError(error) && exitStatus(error) === 1) throw error;
    throw modelFileError(`${path} is not a wasmgrad model: ${error instanceof Error ? error.message : String(error)}`, error);
  }
  try {
    if (preprocessing) checkEncodingFits(preprocessing, net, path);
  } catch (error) {
    net.dispose();
    throw error;
  }
  return { net, json: record, preprocessing };
}

/** Reads and checks a model file (see `open`). */
export async function readModel(path: string): Promise<ModelFile> {
  const contents = await readText(path, 'model file');
  let json: unknown;
  try {
    json = JSON.parse(contents);
  } catch (error) {
    throw modelFileError(`${path} is not a JSON model file (${(error as Error).message})`, error);
  }
  await init();
  return open(json, path);
}

/**
 * Writes `net` with its CSV encoding to `path`, atomically, after reading the
 * very text back as predict would: a model that could not be loaded again is
 * an error here (WASMGRAD_INTERNAL, exit 1), never a file on disk.
 */
export async function writeModel(path: string, net: Network, preprocessing: Preprocessing): Promise<void> {
  const contents = JSON.stringify({ ...net.toJSON(), preprocessing });
  let check: ModelFile;
  try {
    check = open(JSON.parse(contents), path);
  } catch (error) {
    throw codedError('WASMGRAD_INTERNAL', `refusing to write ${path}: the trained model would not load again (${(error as Error).message})`, 'Error', { cause: error });
  }
  check.net.dispose();
  await writeAtomically(path, contents);
}
