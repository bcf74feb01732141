/**
 * csvBatches on the files people have: a header and nothing else, CRLF line
 * ends (split across chunks too), a byte order mark (in its own chunk, split
 * across byte chunks), quoted fields with line breaks and escaped quotes
 * split across chunks, a last line without a line break; and chunks that are
 * neither text nor bytes, which get a coded error naming the source, not the
 * engine's TypeError. Expected batches are written out by hand.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { csvBatches, dense, isWasmgradError, sequential, sgd, type CsvBatchesOptions, type CsvChunks } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const bytes = (text: string) => new TextEncoder().encode(text);

/** Every batch as [xs, ys] of plain numbers. */
async function read(chunks: CsvChunks, options: CsvBatchesOptions = { label: 'y' }): Promise<[number[], number[]][]> {
  const out: [number[], number[]][] = [];
  for await (const batch of csvBatches(chunks, options)) out.push([[...batch.xs], [...batch.ys]]);
  return out;
}

async function failure(chunks: CsvChunks, options: CsvBatchesOptions = { label: 'y' }): Promise<Error & { code?: string }> {
  try {
    await read(chunks, options);
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected csvBatches to refuse it');
}

describe('csvBatches on real-world files', () => {
  it('a header only gives no batches, and fitDataset then says the source gave none (coded)', async () => {
    expect(await read(['a,y\n'])).toEqual([]);
    expect(await read(['a,y'])).toEqual([]);
    expect(await read(['a,y\r\n'])).toEqual([]);
    const net = sequential({ inputSize: 1, layers: [dense(1)], optimizer: sgd(), seed: 1 });
    await expect(net.fitDataset(csvBatches(['a,y\n'], { label: 'y' }))).rejects.toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/no batches in epoch 1/) });
    net.dispose();
  });

  it('CRLF line ends, also when a chunk ends between CR and LF', async () => {
    const expected = [[[1, 3], [2, 4]]];
    expect(await read(['a,y\r\n1,2\r\n3,4\r\n'], { label: 'y', batchSize: 2 })).toEqual(expected);
    expect(await read(['a,y\r', '\n1,2\r', '\n3,4\r', '\n'], { label: 'y', batchSize: 2 })).toEqual(expected);
    expect(await read([bytes('a,y\r'), bytes('\n1,2\r\n3,4')], { label: 'y', batchSize: 2 })).toEqual(expected);
  });

  it('a UTF-8 byte order mark is not part of the first column\'s name: as text, alone in a chunk, split across byte chunks', async () => {
    const expected = [[[2], [1]]];
    const options = { label: 'y' };
    expect(await read(['\ufeffy,a\n1,2\n'], options)).toEqual(expected);
    expect(await read(['\ufeff', 'y,a\n1,2\n'], options)).toEqual(expected);
    expect(await read([new Uint8Array([0xef, 0xbb]), new Uint8Array([0xbf]), bytes('y,a\n1,2\n')], options)).toEqual(expected);
    expect(await read(['\ufeff', 'y;a\n1;2\n'], { label: 'y', delimiter: ';' })).toEqual(expected);
    expect((await failure(['\ufeff'])).message).toMatch(/the CSV is empty/);
  });

  it('a quoted label with a line break and an escaped quote, split across chunks at each awkward place', async () => {
    const options = { label: 'y', classes: ['first\r\nsecond', 'say "hi"'] };
    const text = 'a,y\n1,"first\r\nsecond"\n2,"say ""hi"""\n';
    const expected = [[[1, 2], [0, 1]]];
    expect(await read([text], options)).toEqual(expected);
    for (let cut = 1; cut < text.length; cut++) {
      expect(await read([text.slice(0, cut), text.slice(cut)], options), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('a last line without a line break is a sample, in its own last batch', async () => {
    expect(await read(['a,y\n1,2\n3,4'], { label: 'y', batchSize: 1 })).toEqual([[[1], [2]], [[3], [4]]]);
  });

  it('a batchSize larger than any file ("the whole file as one batch") reads it as one batch, with memory for the rows read, not the batchSize', async () => {
    for (const batchSize of [2 ** 40, Number.MAX_SAFE_INTEGER]) {
      expect(await read(['a,b,y\n1,2,3\n4,5,6\n'], { label: 'y', batchSize })).toEqual([[[1, 2, 4, 5], [3, 6]]]);
    }
    // More rows than the first buffer holds: it grows, and each batch is whole.
    const lines = Array.from({ length: 1000 }, (_, i) => `${i},${-i}`).join('\n');
    const batches = await read([`a,y\n${lines}\n`], { label: 'y', batchSize: 600 });
    expect(batches.map(([xs]) => xs.length)).toEqual([600, 400]);
    expect(batches[1][0][399]).toBe(999);
    expect(batches[1][1][399]).toBe(-999);
  });

  it('chunks that are neither text nor bytes are refused with WASMGRAD_INVALID_ARGUMENT naming the source, not the engine\'s TypeError', async () => {
    for (const chunks of [[1, 2], [null], [{}], ['a,y\n', 5], [undefined]] as unknown as CsvChunks[]) {
      const error = await failure(chunks);
      expect(isWasmgradError(error), `${String(error)}`).toBe(true);
      expect(error.code).toBe('WASMGRAD_INVALID_ARGUMENT');
      expect(error.message).toMatch(/csvBatches: a chunk of source must be text or bytes/);
    }
    // ArrayBuffers are bytes too.
    expect(await read([bytes('a,y\n1,2\n').buffer as ArrayBuffer] as unknown as CsvChunks)).toEqual([[[1], [2]]]);
  });
});
