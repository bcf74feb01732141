/**
 * Model files in Node. `save` writes the binary model file (src/nn/model-file.ts)
 * atomically and durably: into a temporary file of its own beside the target,
 * flushed to disk, then renamed over the target, and the directory flushed. A
 * crash or power cut mid-save leaves the old file or the new one, never half
 * of one; concurrent saves to one path each finish, and the last rename wins.
 */
import { codedError, isWasmgradError, unsupportedError, type WasmgradError } from '../errors.js';
import { argumentError } from './validate.js';
import { decodeModel } from './model-decode.js';
import { checkModelFileOptions, encodeModel, modelBytes, type ModelFileOptions } from './model-encode.js';
import { Network } from './network.js';
import { checkBackendOption, type FromJSONOptions } from './serialize.js';
import { platform, type NodeFiles } from '../platform/platform.js';
import { blobName, isBlob, loadFromStore, parseStoreUrl, PATH_EXPECTED, readBlob, saveToStore } from './browser-stores.js';

type NodeFs = NodeFiles['fs'];

/** Node's fs, from the platform (src/platform/): the browser entry has none, and says so. */
async function nodeFs(where: string): Promise<{ fs: NodeFs; dirname: (path: string) => string }> {
  const { files } = platform();
  if (!files) {
    throw unsupportedError(`${where}: save and load write and read files, which needs Node; in a browser use toBytes() and fromBytes(), `
      + 'or save to indexeddb://name, localstorage://name or downloads://name (and load a File from an <input type="file">)');
  }
  return { fs: files.fs, dirname: files.path.dirname };
}

/** The reason a file system call failed, without the temporary file's name that Node puts in its message. */
function reason(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
}

/** WASMGRAD_IO: `where: cannot <operation> <path>: <reason>`, the file system's error as `cause`. */
function ioError(where: string, operation: string, path: string, cause: unknown): WasmgradError {
  return codedError('WASMGRAD_IO', `${where}: cannot ${operation} ${path}: ${reason(cause)}`, 'Error', { cause });
}

let saves = 0;

/** A temporary file name beside `path`, unique to this call: process id, a counter, and random digits (for a reused process id). */
function temporaryPath(path: string): string {
  saves = (saves + 1) % Number.MAX_SAFE_INTEGER;
  return `${path}.${process.pid}.${saves.toString(36)}.${Math.random().toString(36).slice(2, 10)}.tmp`;
}

/**
 * Writes a file atomically and durably: `produce` writes its bytes
 * (synchronously, each through `write`) into a new temporary file beside
 * `path`, which is flushed to disk (fsync), renamed over `path`, and the
 * directory flushed (where the platform allows). On any failure the temporary
 * file is removed and the error is WASMGRAD_IO naming `path` and the step that
 * failed, the file system's error as `cause`; errors `produce` throws pass
 * through unchanged.
 */
async function writeAtomic(where: string, path: string, produce: (write: (bytes: Uint8Array) => void) => void): Promise<void> {
  const { fs, dirname } = await nodeFs(where);
  const temporary = temporaryPath(path);
  let fd: number | undefined;
  let operation = 'create a temporary file beside';
  try {
    fd = fs.openSync(temporary, 'wx');
    const file = fd;
    operation = 'write';
    // Synchronous writes: `produce` may hand over views of linear memory, which must not move (or change) before they are written.
    produce((bytes) => {
      for (let done = 0; done < bytes.length;) done += fs.writeSync(file, bytes, done, bytes.length - done);
    });
    operation = 'flush (fsync)';
    await new Promise<void>((resolve, reject) => fs.fsync(file, (error) => (error ? reject(error) : resolve())));
    operation = 'close the temporary file for';
    fs.closeSync(file);
    fd = undefined;
    operation = 'rename the temporary file over';
    await fs.promises.rename(temporary, path);
  } catch (error) {
    if (fd !== undefined) {
      try { fs.closeSync(fd); } catch { /* already failing: the first error is the one to report */ }
    }
    await fs.promises.rm(temporary, { force: true }).catch(() => undefined);
    if (isWasmgradError(error)) throw error;
    throw ioError(where, operation, path, error);
  }
  await syncDirectory(fs, dirname(path));
}

/** Flushes a directory's entries (the rename) to disk. Best effort: some platforms (Windows) cannot open or fsync a directory. */
async function syncDirectory(fs: NodeFs, directory: string): Promise<void> {
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await fs.promises.open(directory, 'r');
    await handle.sync();
  } catch {
    // The file is renamed and whole either way; only its survival of a power cut in the next moments is less certain.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `contents` (text as UTF-8, or bytes) to `path` atomically and
 * durably, as `save` does: a temporary file of its own, fsync, rename, and the
 * directory flushed. Failures are WASMGRAD_IO errors naming `path`.
 */
export async function writeFileAtomic(path: string, contents: string | Uint8Array, where = 'writeFileAtomic'): Promise<void> {
  if (typeof path !== 'string' || path === '') throw argumentError(where, 'path', 'a file path', path);
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  if (!(bytes instanceof Uint8Array)) throw argumentError(where, 'contents', 'a string or a Uint8Array', contents);
  await writeAtomic(where, path, (write) => write(bytes));
}

/**
 * Saves `net` to `path` as a model file (version 2, binary: see toBytes),
 * atomically and durably. The weights and optimizer state go from the
 * network's memory to the file section by section, with no string and no
 * second copy, so models of any size save. `options.preprocessing` and
 * `options.extra` (JSON objects) are kept in the file (readModelHeader reads
 * them back). The network is read at the moment the temporary file is open,
 * in one synchronous pass; only flushing to disk and the rename happen after.
 *
 * In browsers `path` may instead be `indexeddb://name` (one record, written
 * in one transaction), `localstorage://name` (base64 under one key; past the
 * ~5 MB quota WASMGRAD_QUOTA, and the entry saved before is kept) or
 * `downloads://name` (the file is offered as the download name.wgm). These
 * need the browser's globals: elsewhere they throw WASMGRAD_UNSUPPORTED.
 */
export async function save(net: Network, path: string, options: ModelFileOptions = {}): Promise<void> {
  if (!(net instanceof Network)) throw argumentError('save', 'net', 'a Network (from sequential(), fromJSON() or load())', net);
  if (typeof path !== 'string' || path === '') throw argumentError('save', 'path', PATH_EXPECTED, path);
  const checked = checkModelFileOptions('save', options);
  const store = parseStoreUrl('save', path);
  if (store) {
    await saveToStore('save', store, modelBytes(encodeModel('save', net, checked)));
    return;
  }
  await writeAtomic('save', path, (write) => {
    const model = encodeModel('save', net, checked);
    const zeros = new Uint8Array(8);
    write(model.head);
    model.sections.forEach((section, i) => {
      write(section);
      if (model.padding[i] > 0) write(zeros.subarray(0, model.padding[i]));
    });
  });
}

/**
 * Reads a network saved by `save` (or the JSON form: `toJSON()` output and
 * the files of earlier releases, told apart by the first bytes). A bad file
 * throws WASMGRAD_BAD_MODEL_FILE naming the file and what is wrong, and loads
 * nothing; a file that cannot be read throws WASMGRAD_IO.
 *
 * In browsers `path` may instead be `indexeddb://name` or
 * `localstorage://name` (WASMGRAD_IO if nothing is saved there), or a File
 * or Blob (the file an `<input type="file">` picked). Each is checked as a
 * file is: a damaged entry is refused whole.
 */
export async function load(path: string | Blob, options: FromJSONOptions = {}): Promise<Network> {
  const blob = isBlob(path);
  if (!blob && (typeof path !== 'string' || path === '')) throw argumentError('load', 'path', `${PATH_EXPECTED}, or a File or Blob`, path);
  const backend = checkBackendOption('load', options);
  const store = blob ? null : parseStoreUrl('load', path);
  const bytes = blob ? await readBlob('load', path) : store ? await loadFromStore('load', store) : await readWhole('load', path);
  try {
    const { config, parameters, state } = decodeModel('load', bytes, backend);
    return new Network(config, parameters, state);
  } catch (error) {
    if (isWasmgradError(error, 'WASMGRAD_BAD_MODEL_FILE')) error.message = `${error.message} (in ${blob ? blobName(path) : path})`;
    throw error;
  }
}

/**
 * A whole file in one Buffer, read in chunks (readFile stops at 2 GiB; a
 * model file near the 4 GiB memory limit is larger). A file that cannot be
 * read is WASMGRAD_IO `where: cannot read <path>: <reason>` (load, loadOnnx).
 */
export async function readWhole(where: string, path: string): Promise<Uint8Array> {
  const { fs } = await nodeFs(where);
  let handle: import('node:fs/promises').FileHandle | undefined;
  try {
    handle = await fs.promises.open(path, 'r');
    const { size } = await handle.stat();
    const bytes = new Uint8Array(size);
    const CHUNK = 64 * 2 ** 20;
    for (let done = 0; done < size;) {
      const { bytesRead } = await handle.read(bytes, done, Math.min(CHUNK, size - done), done);
      if (bytesRead === 0) return bytes.subarray(0, done); // the file shrank while being read: the reader says it is truncated
      done += bytesRead;
    }
    return bytes;
  } catch (cause) {
    throw ioError(where, 'read', path, cause);
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
