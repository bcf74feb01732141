/**
 * Model files in Node: one JSON file per network, written atomically (to a
 * temporary file beside it, then renamed over it), so a crash mid-save never
 * leaves a broken model where a good one was.
 */
import { argumentError } from './validate.js';
import { fromJSON, type FromJSONOptions } from './serialize.js';
import type { Network } from './network.js';

async function fs() {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
    throw new Error('save/load write and read files, which needs Node; in a browser use toJSON() and fromJSON()');
  }
  return import(/* @vite-ignore */ 'node:fs/promises');
}

/** Writes `net.toJSON()` to `path` atomically. */
export async function save(net: Network, path: string): Promise<void> {
  if (typeof path !== 'string' || path === '') throw argumentError('save', 'path', 'a file path', path);
  await writeFileAtomic(path, JSON.stringify(net.toJSON()));
}

/** Writes `text` to a temporary file beside `path`, then renames it over `path`: a crash never leaves half a file. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const { writeFile, rename, rm } = await fs();
  const temporary = `${path}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Reads a network saved by `save` (or any `toJSON()` output); a bad file throws and loads nothing. */
export async function load(path: string, options: FromJSONOptions = {}): Promise<Network> {
  if (typeof path !== 'string' || path === '') throw argumentError('load', 'path', 'a file path', path);
  const { readFile } = await fs();
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new Error(`load: cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  try {
    return fromJSON(text, options);
  } catch (error) {
    (error as Error).message = `${(error as Error).message} (in ${path})`;
    throw error;
  }
}
