/**
 * Files for the command line: reading inputs, writing outputs atomically, and
 * model files. `wasmgrad train` writes the library's model file (toBytes: a
 * binary file of any size) with the CSV encoding in its `preprocessing`
 * field; predict and info read that, and the JSON form of toJSON and earlier
 * releases (whose top-level `preprocessing` field is read the same way).
 *
 * A model is checked as a whole when read (the encoding must fit the network:
 * one output per class, one input per encoded value) and before it is written
 * (the very bytes are read back), so train never leaves a file that predict
 * or info would refuse.
 */
import { open as openFile, readFile } from 'node:fs/promises';
import { codedError, isWasmgradError } from '../errors.js';
import { fromBytes, init, readModelHeader, toBytes, type ModelInfo, type Network } from '../index.node.js';
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

/** A whole file's bytes, read in chunks (readFile stops at 2 GiB; a model file can be larger). */
async function readBytes(path: string, what: string): Promise<Uint8Array> {
  let handle: Awaited<ReturnType<typeof openFile>> | undefined;
  try {
    handle = await openFile(path, 'r');
    const { size } = await handle.stat();
    const bytes = new Uint8Array(size);
    for (let done = 0; done < size;) {
      const { bytesRead } = await handle.read(bytes, done, Math.min(64 * 2 ** 20, size - done), done);
      if (bytesRead === 0) return bytes.subarray(0, done); // it shrank while being read: the reader reports it truncated
      done += bytesRead;
    }
    return bytes;
  } catch (error) {
    throw dataError(`cannot read the ${what} ${path}: ${fsReason(error)}`, error);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** writeFileAtomic, with a failure reported in words (exit 1), never with the temporary file's name. */
export async function writeAtomically(path: string, contents: string | Uint8Array): Promise<void> {
  try {
    await writeFileAtomic(path, contents);
  } catch (error) {
    // The library's WASMGRAD_IO error carries the file system's as its cause.
    const cause = isWasmgradError(error, 'WASMGRAD_IO') && error.cause !== undefined ? error.cause : error;
    throw writeError(`cannot write ${path}: ${fsReason(cause)}`, error);
  }
}

export interface ModelFile {
  net: Network;
  info: ModelInfo;
  preprocessing?: Preprocessing;
}

/** The library's refusal of a model file as the CLI's (exit 2); running out of memory or a bug stays what it is (exit 1). */
function asModelFileError(error: unknown, path: string): unknown {
  if (isWasmgradError(error) && exitStatus(error) === 1) return error;
  const message = (error instanceof Error ? error.message : String(error)).replace(/^(readModelHeader|fromBytes): /, '');
  return modelFileError(`${path}: ${message}`, error);
}

/** Builds the network of a model file's bytes and checks its encoding against it; nothing stays allocated on error. */
function open(bytes: Uint8Array, path: string): ModelFile {
  let info: ModelInfo;
  try {
    info = readModelHeader(bytes);
  } catch (error) {
    throw asModelFileError(error, path);
  }
  // The encoding first: it is cheap to check, and a bad one should not cost building the network.
  const preprocessing = info.preprocessing === undefined ? undefined : checkPreprocessing(info.preprocessing, path);
  let net: Network;
  try {
    net = fromBytes(bytes);
  } catch (error) {
    throw asModelFileError(error, path);
  }
  try {
    if (preprocessing) checkEncodingFits(preprocessing, net, path);
  } catch (error) {
    net.dispose();
    throw error;
  }
  return { net, info, preprocessing };
}

/** Reads and checks a model file (see `open`). */
export async function readModel(path: string): Promise<ModelFile> {
  const bytes = await readBytes(path, 'model file');
  await init();
  return open(bytes, path);
}

/**
 * Writes `net` with its CSV encoding to `path` as a model file, atomically,
 * after reading the very bytes back as predict would: a model that could not
 * be loaded again is an error here (WASMGRAD_INTERNAL, exit 1), never a file
 * on disk.
 */
export async function writeModel(path: string, net: Network, preprocessing: Preprocessing): Promise<void> {
  const bytes = toBytes(net, { preprocessing: preprocessing as unknown as Record<string, unknown> });
  let check: ModelFile;
  try {
    check = open(bytes, path);
  } catch (error) {
    throw codedError('WASMGRAD_INTERNAL', `refusing to write ${path}: the trained model would not load again (${(error as Error).message})`,
      'Error', { cause: error });
  }
  check.net.dispose();
  await writeAtomically(path, bytes);
}
