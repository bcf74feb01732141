/**
 * csvBatches: `{ xs, ys }` batches for fitDataset from CSV text that arrives
 * in chunks: a fetch() body (ReadableStream), a File or Blob (an
 * `<input type="file">`), or any (async) iterable of text or byte chunks
 * (a Node stream). Memory stays one batch plus one chunk, whatever the
 * file's size. Records are split by the CSV reader the CLI uses
 * (src/data/csv.ts). No `node:` import: this is the browser's way in.
 */
import { codedError } from '../errors.js';
import { argumentError, byteView, plainObject, positiveInteger, rejectUnknownKeys } from '../nn/validate.js';
import { columnsByName, CsvRecordReader, isDelimiter, parseNumber } from './csv.js';

/** Text or bytes (UTF-8) in chunks. */
export type CsvChunks = ReadableStream<Uint8Array | string> | Blob | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

/**
 * Where the CSV comes from: chunks, or a function returning them (or a
 * promise of them, e.g. `() => fetch(url).then((r) => r.body)`), called
 * once per pass so that every epoch reads the data anew.
 */
export type CsvSource = CsvChunks | (() => CsvChunks | PromiseLike<CsvChunks>);

/** A column: its name in the header, or its 0-based index. */
export type CsvColumn = string | number;

export interface CsvBatchesOptions {
  /** The target column. Its values are numbers, or with `classes` names of classes. */
  label: CsvColumn;
  /** The input columns, in this order. Default: every column but the label, in the file's order. */
  features?: CsvColumn[];
  /** Samples per batch (the last may be smaller). Default 32. */
  batchSize?: number;
  /**
   * The label's classes: each label value must be one of these names (or
   * their index), and `ys` holds class indices (for
   * sparseCategoricalCrossentropy), or one-hot rows with `oneHot`.
   */
  classes?: string[];
  /** With classes: `ys` as one-hot rows (for categoricalCrossentropy) instead of class indices. Default false. */
  oneHot?: boolean;
  /** The field separator. Default: detected from the header line (comma, semicolon or tab). */
  delimiter?: string;
}

/** One batch: inputs row-major (samples × features), targets one value per sample (or one-hot rows). */
export interface CsvBatch {
  xs: Float32Array;
  ys: Float32Array;
}

const WHERE = 'csvBatches';
const KEYS = ['label', 'features', 'batchSize', 'classes', 'oneHot', 'delimiter'];

/**
 * Batches of samples from CSV with a header row, read chunk by chunk, for
 * `net.fitDataset`. The header's names must be non-empty and differ (a
 * second column named as the label would be read as a feature). Feature cells must be plain decimal numbers; a bad or
 * empty cell, or a row of the wrong length, rejects naming its line and
 * column (fitDataset then stops with the weights of the last good batch).
 *
 * A File or Blob, or a function, can be read for every epoch; a stream can
 * be read once (an error says to pass a function for more epochs).
 *
 * ```ts
 * const file = input.files[0];
 * await net.fitDataset(csvBatches(file, { label: 'species', classes: ['setosa', 'versicolor', 'virginica'] }), { epochs: 20 });
 * ```
 */
export function csvBatches(source: CsvSource, options: CsvBatchesOptions): AsyncIterable<CsvBatch> {
  const settings = checkOptions(options);
  if (typeof source !== 'function' && !isChunks(source)) {
    throw argumentError(
      WHERE,
      'source',
      'a ReadableStream (fetch().body), a File or Blob, an (async) iterable of text or byte chunks, or a function returning one',
      source,
    );
  }
  const oneShot = typeof source !== 'function' && !isBlob(source) && !isReusable(source);
  let used = false;
  // Checked when a pass starts reading (its first next()), not when an iterator is asked for: fitDataset asks once to tell one-shot sources apart.
  async function* pass(): AsyncGenerator<CsvBatch> {
    if (oneShot) {
      if (used) {
        throw codedError(
          'WASMGRAD_INVALID_ARGUMENT',
          `${WHERE}: the source (a stream) can be read once, and this is a second pass: ` +
            'for more epochs pass a function that opens it again, e.g. csvBatches(() => fetch(url).then((r) => r.body), options), or a File',
          'TypeError',
        );
      }
      used = true;
    }
    yield* readBatches(source, settings);
  }
  return { [Symbol.asyncIterator]: pass };
}

interface Settings {
  label: CsvColumn;
  features: CsvColumn[] | null;
  batchSize: number;
  classes: string[] | null;
  oneHot: boolean;
  delimiter: string | null;
}

function checkOptions(options: unknown): Settings {
  const o = plainObject(WHERE, 'options', options);
  rejectUnknownKeys(WHERE, 'options', o, KEYS);
  const column = (name: string, value: unknown): CsvColumn => {
    if ((typeof value === 'string' && value.trim() !== '') || (typeof value === 'number' && Number.isInteger(value) && value >= 0))
      return value;
    throw argumentError(WHERE, name, 'a column name or a 0-based column index', value);
  };
  const label = column('options.label', o.label);
  let features: CsvColumn[] | null = null;
  if (o.features !== undefined) {
    if (!Array.isArray(o.features) || o.features.length === 0)
      throw argumentError(WHERE, 'options.features', 'a non-empty array of column names or indices', o.features);
    features = o.features.map((f, i) => column(`options.features[${i}]`, f));
  }
  const batchSize = positiveInteger(WHERE, 'options.batchSize', o.batchSize ?? 32);
  let classes: string[] | null = null;
  if (o.classes !== undefined) {
    if (!Array.isArray(o.classes) || o.classes.length === 0 || !o.classes.every((c) => typeof c === 'string')) {
      throw argumentError(WHERE, 'options.classes', 'a non-empty array of class names', o.classes);
    }
    if (new Set(o.classes).size !== o.classes.length) throw argumentError(WHERE, 'options.classes', 'names that differ', o.classes);
    classes = o.classes as string[];
  }
  if (o.oneHot !== undefined && typeof o.oneHot !== 'boolean') throw argumentError(WHERE, 'options.oneHot', 'true or false', o.oneHot);
  if (o.oneHot === true && !classes) throw argumentError(WHERE, 'options.oneHot', 'absent unless options.classes is given', o.oneHot);
  let delimiter: string | null = null;
  if (o.delimiter !== undefined) {
    const d = o.delimiter;
    if (!isDelimiter(d)) {
      throw argumentError(WHERE, 'options.delimiter', 'one character (such as ";" or "\\t", not an emoji), not a quote or line break', d);
    }
    delimiter = d;
  }
  return { label, features, batchSize, classes, oneHot: o.oneHot === true, delimiter };
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob === 'function' && value instanceof Blob;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array | string> {
  return typeof (value as { getReader?: unknown } | null)?.getReader === 'function';
}

function isChunks(value: unknown): value is CsvChunks {
  if (typeof value !== 'object' || value === null) return false;
  if (isBlob(value) || isReadableStream(value)) return true;
  const v = value as Record<symbol, unknown>;
  return typeof v[Symbol.asyncIterator] === 'function' || typeof v[Symbol.iterator] === 'function';
}

/**
 * Only an array of chunks is read again for each pass: a stream (web or
 * Node) or a generator gives its chunks once, and asking a Node stream for a
 * second iterator to find out would start reading it.
 */
function isReusable(value: CsvChunks): boolean {
  return Array.isArray(value);
}

/** The chunks of any source as an async iterable of strings or bytes. */
async function* chunksOf(source: CsvSource): AsyncGenerator<Uint8Array | string> {
  const chunks = typeof source === 'function' ? await source() : source;
  if (!isChunks(chunks))
    throw argumentError(WHERE, 'source()', 'a ReadableStream, a File or Blob, or an (async) iterable of chunks', chunks);
  const stream = isBlob(chunks) ? chunks.stream() : chunks;
  if (isReadableStream(stream)) {
    const reader = stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      // Training stopped early (or a bad row): let the stream go (a fetch is aborted, a file closed).
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  }
  yield* stream as AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;
}

/**
 * A chunk's bytes; anything but text or bytes (a number, null, an object) is refused here, not by TextDecoder's uncoded TypeError,
 * and so is a detached chunk (byteView), which TextDecoder would decode as "" and its rows would silently vanish.
 */
function bytesOf(chunk: unknown): Uint8Array {
  if (ArrayBuffer.isView(chunk) || chunk instanceof ArrayBuffer) return byteView(WHERE, 'a chunk of source', chunk, 'UTF-8 text');
  throw argumentError(WHERE, 'a chunk of source', 'text or bytes (a string, Uint8Array or ArrayBuffer)', chunk);
}

/** Where each wanted column is, from the header (`columns`: its indices by name). */
function columnIndex(header: string[], columns: Map<string, number>, column: CsvColumn, name: string, line: number): number {
  if (typeof column === 'number') {
    if (column >= header.length)
      throw rowError(line, `${name} is column ${column}, but the header has ${header.length} columns (0 to ${header.length - 1})`);
    return column;
  }
  const index = columns.get(column);
  if (index === undefined)
    throw rowError(line, `${name} names column "${column}", which the header (${header.map((h) => `"${h}"`).join(', ')}) lacks`);
  return index;
}

function rowError(line: number, what: string): Error {
  return codedError('WASMGRAD_INVALID_ARGUMENT', `${WHERE}: line ${line}: ${what}`, 'RangeError');
}

async function* readBatches(source: CsvSource, s: Settings): AsyncGenerator<CsvBatch> {
  const reader = new CsvRecordReader(s.delimiter, rowError);
  const decoder = new TextDecoder('utf-8');
  let header: string[] | null = null;
  let inputs: number[] = [];
  let target = 0;
  let names: string[] = [];
  const classIndex = new Map<string, number>(s.classes?.map((c, i) => [c, i]) ?? []);
  const targetWidth = s.oneHot ? s.classes!.length : 1;
  let xs = new Float32Array(0),
    ys = new Float32Array(0);
  let rows = 0;

  const begin = (fields: string[], line: number) => {
    header = fields.map((f) => f.trim());
    const columns = columnsByName(header, (what) => rowError(line, what));
    target = columnIndex(header, columns, s.label, 'options.label', line);
    inputs = s.features
      ? s.features.map((f, i) => columnIndex(header!, columns, f, `options.features[${i}]`, line))
      : header.map((_, i) => i).filter((i) => i !== target);
    if (inputs.length === 0) throw rowError(line, 'no feature columns: the header has only the label');
    if (inputs.includes(target)) throw rowError(line, `the label column "${header[target]}" is also a feature`);
    names = header;
  };

  /** Room for one more row: the buffers grow by doubling up to batchSize rows, so a huge batchSize (the whole file as one batch) takes only the memory of the rows read. */
  let capacity = 0;
  let handed = 0; // the rows of the last full buffers take() handed over
  const reserve = () => {
    if (rows < capacity) return;
    capacity = Math.min(s.batchSize, Math.max(256, 2 * capacity, handed));
    const grownXs = new Float32Array(capacity * inputs.length), grownYs = new Float32Array(capacity * targetWidth);
    grownXs.set(xs.subarray(0, rows * inputs.length));
    grownYs.set(ys.subarray(0, rows * targetWidth));
    xs = grownXs;
    ys = grownYs;
  };

  const add = (fields: string[], line: number) => {
    if (fields.length !== names.length) throw rowError(line, `${fields.length} fields, but the header has ${names.length}`);
    reserve();
    for (let j = 0; j < inputs.length; j++) {
      const text = fields[inputs[j]];
      const x = parseNumber(text);
      if (!Number.isFinite(Math.fround(x))) {
        throw rowError(
          line,
          text.trim() === ''
            ? `column "${names[inputs[j]]}" is empty (fill or drop rows with missing values before training)`
            : `column "${names[inputs[j]]}" holds "${text}", which is not a number float32 holds`,
        );
      }
      xs[rows * inputs.length + j] = x;
    }
    const label = fields[target].trim();
    // Said before either reading: "" is neither a class nor a number, and the hint for text labels would mislead.
    if (label === '') throw rowError(line, `the label column "${names[target]}" is empty (fill or drop rows with missing values before training)`);
    if (s.classes) {
      let k = classIndex.get(label);
      if (k === undefined) {
        const n = parseNumber(label);
        if (Number.isInteger(n) && n >= 0 && n < s.classes.length) k = n;
      }
      if (k === undefined)
        throw rowError(line, `the label "${label}" (column "${names[target]}") is none of options.classes (${s.classes.join(', ')})`);
      if (s.oneHot) {
        ys.fill(0, rows * targetWidth, (rows + 1) * targetWidth);
        ys[rows * targetWidth + k] = 1;
      } else {
        ys[rows] = k;
      }
    } else {
      const y = parseNumber(label);
      if (!Number.isFinite(Math.fround(y))) {
        throw rowError(
          line,
          `the label column "${names[target]}" holds "${label}", which is not a number (text labels need options.classes)`,
        );
      }
      ys[rows] = y;
    }
    rows++;
  };

  /**
   * The batch so far. Full buffers are handed over as they are (fitDataset
   * may hold a batch while the next is read, so they are not reused) and the
   * next batch's buffers start at their size, once a row comes; a part-filled one is copied to its size.
   */
  const take = (): CsvBatch => {
    let batch: CsvBatch;
    if (rows === capacity) {
      batch = { xs, ys };
      xs = new Float32Array(0);
      ys = new Float32Array(0);
      handed = capacity;
      capacity = 0;
    } else {
      batch = { xs: xs.slice(0, rows * inputs.length), ys: ys.slice(0, rows * targetWidth) };
    }
    rows = 0;
    return batch;
  };

  const handle = function* (records: { fields: string[]; line: number }[]): Generator<CsvBatch> {
    for (const { fields, line } of records) {
      if (!header) begin(fields, line);
      else {
        add(fields, line);
        if (rows === s.batchSize) yield take();
      }
    }
  };

  for await (const chunk of chunksOf(source)) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(bytesOf(chunk), { stream: true });
    yield* handle(reader.push(text));
  }
  yield* handle(reader.push(decoder.decode()));
  yield* handle(reader.end());
  if (!header) throw rowError(1, 'the CSV is empty: expected a header row');
  if (rows > 0) yield take();
}
