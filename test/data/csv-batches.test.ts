/**
 * csvBatches (src/data/csv-batches.ts): batches from CSV in chunks, from
 * every kind of source, checked against arrays built here from the bundled
 * Iris data; training through it equals fitDataset over the same batches in
 * memory, bit for bit, on both backends.
 */
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvBatches, dense, IRIS_SPECIES, irisData, sequential, sgd, type CsvBatch, type SequentialConfig } from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const iris = irisData();
// The species as text in the middle column, CRLF line ends: the reader has to pick the features around it.
const CSV =
  [
    'sepalLength,sepalWidth,species,petalLength,petalWidth',
    ...iris.inputs.map(([a, b, c, d], i) => `${a},${b},${IRIS_SPECIES[iris.labels[i]]},${c},${d}`),
  ].join('\r\n') + '\r\n';
const OPTIONS = { label: 'species', classes: [...IRIS_SPECIES], batchSize: 32 };

/** Expected batches, from the arrays: rows [32k, 32k + 32). */
function expected(batchSize = 32): CsvBatch[] {
  const out: CsvBatch[] = [];
  for (let i = 0; i < iris.inputs.length; i += batchSize) {
    const rows = iris.inputs.slice(i, i + batchSize);
    out.push({ xs: Float32Array.from(rows.flat()), ys: Float32Array.from(iris.labels.slice(i, i + batchSize)) });
  }
  return out;
}

async function collect(iterable: AsyncIterable<CsvBatch>): Promise<CsvBatch[]> {
  const out: CsvBatch[] = [];
  for await (const batch of iterable) out.push(batch);
  return out;
}

/** The text cut into `size`-byte chunks of UTF-8. */
function byteChunks(text: string, size: number): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.slice(i, i + size));
  return out;
}

const webStream = (chunks: (Uint8Array | string)[]) =>
  new ReadableStream<Uint8Array | string>({
    start(controller) {
      for (const c of chunks) controller.enqueue(c);
      controller.close();
    },
  });

describe('csvBatches', () => {
  it('reads every kind of source into the same batches: text chunks, byte chunks, a web stream, a Blob, a Node stream, a function', async () => {
    const want = expected();
    expect(want.map((b) => b.ys.length)).toEqual([32, 32, 32, 32, 22]);
    const path = join(dir, 'iris.csv');
    writeFileSync(path, CSV);
    const sources = {
      text: [CSV.slice(0, 1000), CSV.slice(1000)],
      bytes: byteChunks(CSV, 7),
      webStream: webStream(byteChunks(CSV, 64)),
      blob: new Blob([CSV]),
      nodeStream: createReadStream(path, { highWaterMark: 100 }),
      asyncFunction: async () => webStream([CSV]),
    };
    for (const [name, source] of Object.entries(sources)) {
      expect(await collect(csvBatches(source, OPTIONS)), name).toEqual(want);
    }
  });

  it('a character split across byte chunks is decoded whole; labels may be class indices; one-hot rows', async () => {
    const text = 'x,label\n1,café\n2,thé\n3,1\n';
    const chunks = byteChunks(text, 1); // é is two bytes: every one is split
    const batches = await collect(csvBatches(chunks, { label: 'label', classes: ['thé', 'café'], batchSize: 2 }));
    expect(batches).toEqual([
      { xs: Float32Array.of(1, 2), ys: Float32Array.of(1, 0) },
      { xs: Float32Array.of(3), ys: Float32Array.of(1) },
    ]);
    const hot = await collect(csvBatches(chunks, { label: 1, classes: ['thé', 'café'], oneHot: true, batchSize: 8 }));
    expect(hot).toEqual([{ xs: Float32Array.of(1, 2, 3), ys: Float32Array.of(0, 1, 1, 0, 0, 1) }]);
  });

  it('a byte chunk whose buffer was transferred (detached) is refused, not decoded as nothing', async () => {
    const enc = new TextEncoder();
    const lost = enc.encode('3,4\n');
    structuredClone(lost.buffer, { transfer: [lost.buffer] });
    // Decoded, the detached chunk was "": its row vanished and the batches looked whole.
    await expect(collect(csvBatches([enc.encode('x,y\n1,2\n'), lost, enc.encode('5,6\n')], { label: 'y' }))).rejects.toThrow(
      expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/^csvBatches: a chunk of source must be .*\(not detached\)/) }),
    );
  });

  it('numeric labels, chosen features by name or index, a given delimiter', async () => {
    const text = 'id;a;b;y\n7;1.5;-2;0.25\n8;3;4e1;-1\n';
    expect(await collect(csvBatches([text], { label: 'y', features: ['b', 1], delimiter: ';' }))).toEqual([
      { xs: Float32Array.of(-2, 1.5, 40, 3), ys: Float32Array.of(0.25, -1) },
    ]);
  });

  it('yields each batch before reading the rest: memory stays one batch and one chunk', async () => {
    let served = 0;
    const chunks = byteChunks(CSV, 50);
    async function* lazy() {
      for (const c of chunks) {
        served++;
        yield c;
      }
    }
    const iterator = csvBatches(lazy(), OPTIONS)[Symbol.asyncIterator]();
    await iterator.next();
    // The first 32 rows end within the first ~700 bytes: nowhere near all of the ~3.5 kB.
    expect(served).toBeLessThan(20);
    expect(chunks.length).toBeGreaterThan(60);
    await iterator.return?.();
  });

  for (const backend of ['wasm', 'js'] as BackendName[]) {
    it(`${backend}: fitDataset over a File-like Blob for 3 epochs trains as over the batches in memory, bit for bit`, async () => {
      const config: SequentialConfig = {
        inputSize: 4,
        layers: [dense(6, { activation: 'tanh' }), dense(3, { activation: 'softmax' })],
        loss: 'sparseCategoricalCrossentropy',
        optimizer: sgd({ learningRate: 0.05 }),
        seed: 5,
        backend,
      };
      const a = sequential(config),
        b = sequential(config);
      const fromCsv = await a.fitDataset(csvBatches(new Blob([CSV]), OPTIONS), { epochs: 3 });
      const inMemory = await b.fitDataset(expected(), { epochs: 3 });
      expect(fromCsv).toEqual(inMemory);
      expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()));
      a.dispose();
      b.dispose();
    });
  }

  it('a stream serves one pass: a second epoch is refused, naming the fix', async () => {
    const net = sequential({ inputSize: 4, layers: [dense(3, { activation: 'softmax' })], loss: 'sparseCategoricalCrossentropy', seed: 1 });
    await expect(net.fitDataset(csvBatches(webStream([CSV]), OPTIONS), { epochs: 2 })).rejects.toThrow(
      /csvBatches: the source \(a stream\) can be read once.*pass a function that opens it again/,
    );
    expect(net.epochsTrained).toBe(1);
    // With a function, every epoch opens the data anew.
    const history = await net.fitDataset(
      csvBatches(() => webStream([CSV]), OPTIONS),
      { epochs: 2 },
    );
    expect(history.epochs).toBe(2);
    net.dispose();
  });

  it('a bad row rejects naming line and column; fitDataset keeps the weights of the last good batch', async () => {
    const lines = CSV.split('\r\n');
    lines[40] = lines[40].replace(/^[^,]+/, 'n/a'); // line 41 of the file, in the second batch
    const bad = lines.join('\n');
    const config: SequentialConfig = {
      inputSize: 4,
      layers: [dense(3, { activation: 'softmax' })],
      loss: 'sparseCategoricalCrossentropy',
      optimizer: sgd({ learningRate: 0.1 }),
      seed: 2,
    };
    const a = sequential(config),
      b = sequential(config);
    await expect(a.fitDataset(csvBatches([bad], OPTIONS))).rejects.toThrow(
      'csvBatches: line 41: column "sepalLength" holds "n/a", which is not a number float32 holds',
    );
    await b.fitDataset(expected().slice(0, 1));
    expect(a.getWeights()).toEqual(b.getWeights());
    const rows = (text: string, options = OPTIONS) => collect(csvBatches([text], options));
    await expect(rows('a,species\n1,setosa\n,versicolor\n')).rejects.toThrow('csvBatches: line 3: column "a" is empty');
    await expect(rows('a,species\n1,setosa,2\n')).rejects.toThrow('csvBatches: line 2: 3 fields, but the header has 2');
    await expect(rows('a,species\n1,rose\n')).rejects.toThrow(
      'csvBatches: line 2: the label "rose" (column "species") is none of options.classes',
    );
    await expect(rows('a,kind\n1,x\n')).rejects.toThrow(
      'csvBatches: line 1: options.label names column "species", which the header ("a", "kind") lacks',
    );
    await expect(rows('a,y\n1,x\n', { label: 'y' } as typeof OPTIONS)).rejects.toThrow(
      /holds "x", which is not a number \(text labels need options.classes\)/,
    );
    await expect(rows('')).rejects.toThrow('csvBatches: line 1: the CSV is empty');
    // Past float32's range (3.4e38) a value would train as Infinity: refused in a feature and in a numeric label.
    await expect(rows('a,y\n1,2\n1e39,3\n', { label: 'y' } as typeof OPTIONS)).rejects.toThrow(
      'csvBatches: line 3: column "a" holds "1e39", which is not a number float32 holds',
    );
    await expect(rows('a,y\n1,-1e39\n', { label: 'y' } as typeof OPTIONS)).rejects.toThrow('csvBatches: line 2: the label column "y" holds "-1e39", which is not a number');
    // A half-written file (a copy or download cut off): its last line is short, or ends before the label.
    await expect(rows('a,b,y\n1,2,3\n4', { label: 'y' } as typeof OPTIONS)).rejects.toThrow('csvBatches: line 3: 1 fields, but the header has 3');
    for (const options of [{ label: 'y' }, { label: 'y', classes: ['p', 'q'] }]) {
      await expect(rows('a,y\n1,0\n4,', options as typeof OPTIONS)).rejects.toThrow(
        'csvBatches: line 3: the label column "y" is empty (fill or drop rows with missing values before training)',
      );
    }
    // Cut after a whole row but before its line break, the file is whole: that row is the last sample.
    expect(await rows('a,y\n1,2\n3,4', { label: 'y' } as typeof OPTIONS)).toEqual([{ xs: Float32Array.of(1, 3), ys: Float32Array.of(2, 4) }]);
    // A second "y" was read as a feature: the label leaked into the inputs.
    await expect(rows('a,y,y\n1,2,2\n', { label: 'y' } as typeof OPTIONS)).rejects.toThrow('csvBatches: line 1: the header names column "y" twice');
    await expect(rows('a,,y\n1,2,3\n', { label: 'y' } as typeof OPTIONS)).rejects.toThrow('csvBatches: line 1: column 2 of the header has no name');
    await expect(rows('a,species\n1,"setosa\n')).rejects.toThrow('csvBatches: line 2: a quoted field is never closed');
    a.dispose();
    b.dispose();
  });

  it('gives every batch its own buffers, sized to its rows, past the first growth of the buffers', async () => {
    // 700 rows in batches of 300: the buffers grow 256 → 300 for the first, the second starts at 300, the last has 100.
    const text = `x,y\n${Array.from({ length: 700 }, (_, r) => `${r},${2 * r}`).join('\n')}\n`;
    const batches = await collect(csvBatches([text], { label: 'y', batchSize: 300 }));
    expect(batches.map((b) => [b.xs.length, b.ys.length])).toEqual([[300, 300], [300, 300], [100, 100]]);
    batches.forEach((b, k) => {
      expect(b.xs.buffer.byteLength).toBe(b.xs.length * 4);
      expect(batches.filter((o) => o.xs.buffer === b.xs.buffer || o.ys.buffer === b.ys.buffer)).toHaveLength(1);
      for (let i = 0; i < b.xs.length; i++) {
        expect(b.xs[i]).toBe(300 * k + i);
        expect(b.ys[i]).toBe(2 * (300 * k + i));
      }
    });
  });

  it('refuses bad options and sources by name, at once', () => {
    expect(() => csvBatches('a,b' as never, OPTIONS)).toThrow(/csvBatches: source must be a ReadableStream/);
    expect(() => csvBatches([], {} as never)).toThrow(/options.label must be a column name or a 0-based column index/);
    expect(() => csvBatches([], { label: 'y', batchSize: 0 })).toThrow(/options.batchSize/);
    expect(() => csvBatches([], { label: 'y', oneHot: true })).toThrow(/options.oneHot must be absent unless options.classes is given/);
    expect(() => csvBatches([], { label: 'y', classes: ['a', 'a'] })).toThrow(/options.classes must be names that differ/);
    expect(() => csvBatches([], { label: 'y', delimiter: '"' })).toThrow(/options.delimiter/);
    // An emoji is one character to a reader but two UTF-16 units, which the record reader never matches: it used to be accepted and split nothing.
    expect(() => csvBatches([], { label: 'y', delimiter: '🙂' })).toThrow(/options.delimiter must be one character/);
    expect(() => csvBatches([], { label: 'y', features: [] })).toThrow(/options.features/);
    expect(() => csvBatches([], { label: 'y', header: false } as never)).toThrow(/header/);
  });
});
