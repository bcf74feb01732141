/**
 * The command on messy CSV files, run for real (the built CLI, as test/cli/cli.test.ts): empty cells under each
 * --missing policy (the filled-in values saved in the model and applied by predict), --ignore, the warning for
 * text columns with many values, semicolon and tab files, --delimiter, --version, predict --keep, --early-stopping.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvLine, parseCsv } from '../../src/cli/csv.js';
import { readModelHeader } from '../../src/index.js';
import { runCli, type Result } from './run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-messy-'));

const wasmgrad = (...args: string[]): Promise<Result> => runCli(dir, args);

function expectFailure(result: Result, code: number, ...parts: string[]) {
  expect(result.code).toBe(code);
  for (const part of parts) expect(result.stderr).toContain(part);
  expect(result.stderr).toMatch(/^wasmgrad: /);
}

const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const COLORS = ['red', 'green', 'blue'];

/** 60 rows: id, a, b, color, label (yes when a + b > 0). Row i's values by formula, so the test can recompute them. */
function rows(): string[][] {
  return Array.from({ length: 60 }, (_, i) => {
    const a = ((i * 37) % 41) / 10 - 2, b = ((i * 13) % 29) / 7 - 2;
    return [`id${i}`, a.toFixed(1), b.toFixed(2), COLORS[i % 3], a + b > 0 ? 'yes' : 'no'];
  });
}
const HEADER = ['id', 'a', 'b', 'color', 'label'];

beforeAll(() => {
  const data = rows();
  write('clean.csv', csvLine(HEADER) + data.map((r) => csvLine(r)).join(''));
  // Empty cells: a in rows 3 and 10, color in row 5, the label in row 7.
  const messy = data.map((r) => [...r]);
  messy[3][1] = '';
  messy[10][1] = '';
  messy[5][3] = '';
  messy[7][4] = '';
  write('messy.csv', csvLine(HEADER) + messy.map((r) => csvLine(r)).join(''));
  write('semicolon.csv', [HEADER, ...data].map((r) => r.join(';')).join('\n') + '\n');
  write('tab.tsv', [HEADER, ...data].map((r) => r.join('\t')).join('\n') + '\n');
  write('pipe.csv', [HEADER, ...data].map((r) => r.join('|')).join('\n') + '\n');
});

describe('--missing', () => {
  it('fail (the default) names the line, the column and the flag', async () => {
    const result = await wasmgrad('train', 'messy.csv', '--target', 'label', '--ignore', 'id', '--epochs', '1', '--out', 'm.wgm');
    // Line 5: the header is line 1 and row 3 is line 5.
    expectFailure(result, 2, 'messy.csv, line 5, column "a": empty', '--missing');
  });

  it('mean fills numeric inputs with the training mean and categorical ones with the most frequent category; predict fills the same', async () => {
    const result = await wasmgrad('train', 'messy.csv', '--target', 'label', '--ignore', 'id', '--missing', 'mean', '--validation-split', '0',
      '--epochs', '5', '--out', 'mean.wgm');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // Row 7's label is empty: left out; 59 rows train.
    expect(result.stdout).toContain('59 rows (59 for training, 0 for validation)');
    expect(result.stdout).toContain('1 rows left out (--missing mean): 1 with an empty target, 0 with an empty input');
    const data = rows();
    const kept = data.filter((_, i) => i !== 7);
    const present = kept.filter((_, i) => ![3, 10].includes(i < 7 ? i : i + 1)).map((r) => Number(r[1]));
    const mean = present.reduce((s, v) => s + v, 0) / present.length;
    const p = readModelHeader(readFileSync(join(dir, 'mean.wgm'))).preprocessing as { inputs: { name: string; fill?: unknown; mean?: number }[]; missing: string };
    expect(p.missing).toBe('mean');
    expect(p.inputs.map((c) => c.name)).toEqual(['a', 'b', 'color']);
    expect(p.inputs[0].fill).toBeCloseTo(mean, 12);
    expect(p.inputs[0].mean).toBe(p.inputs[0].fill);
    // color: rows 0..59 minus 7 (green? 7 % 3 = 1) minus the empty row 5: red 20, green 19, blue 19 → red.
    expect(p.inputs[2].fill).toBe('red');

    // predict: an empty cell gives exactly what the filled-in value gives.
    const withEmpty = csvLine(['a', 'b', 'color']) + csvLine(['', '0.5', '']) + csvLine(['1', '-1', 'blue']);
    const filled = csvLine(['a', 'b', 'color']) + csvLine([String(p.inputs[0].fill), '0.5', 'red']) + csvLine(['1', '-1', 'blue']);
    write('empty-cells.csv', withEmpty);
    write('filled-cells.csv', filled);
    const [x, y] = [await wasmgrad('predict', 'mean.wgm', 'empty-cells.csv'), await wasmgrad('predict', 'mean.wgm', 'filled-cells.csv')];
    expect(x.code).toBe(0);
    expect(x.stdout).toBe(y.stdout);
    const info = await wasmgrad('info', 'mean.wgm');
    expect(info.stdout).toContain('empty → "red"');
    expect(info.stdout).toContain('trained with --missing mean');
  });

  it('mode fills numeric inputs with the most frequent value', async () => {
    const csv = csvLine(['x', 'y']) + ['1', '2', '2', '', '3', '2.0', '1'].map((v, i) => csvLine([v, i % 2 ? 'p' : 'q'])).join('');
    write('mode.csv', csv);
    const result = await wasmgrad('train', 'mode.csv', '--target', 'y', '--missing', 'mode', '--validation-split', '0', '--epochs', '1', '--out', 'mode.wgm');
    expect(result.code).toBe(0);
    const p = readModelHeader(readFileSync(join(dir, 'mode.wgm'))).preprocessing as { inputs: { fill?: unknown }[] };
    expect(p.inputs[0].fill).toBe(2); // 2 three times ("2.0" counts as 2), 1 twice, 3 once
  });

  it('drop leaves out rows with an empty input; a model without filled-in values refuses empty cells in predict', async () => {
    const result = await wasmgrad('train', 'messy.csv', '--target', 'label', '--ignore', 'id', '--missing', 'drop', '--validation-split', '0',
      '--epochs', '2', '--out', 'drop.wgm');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('56 rows (56 for training');
    expect(result.stdout).toContain('4 rows left out (--missing drop): 1 with an empty target, 3 with an empty input');
    const predict = await wasmgrad('predict', 'drop.wgm', 'empty-cells.csv');
    expectFailure(predict, 2, 'empty-cells.csv, line 2, column "a": empty', 'trained with --missing drop');
  });

  it('an unknown policy is a usage error', async () => {
    expectFailure(await wasmgrad('train', 'clean.csv', '--target', 'label', '--missing', 'zero'), 2, '--missing must be one of fail, drop, mean, mode');
  });
});

describe('columns', () => {
  it('--ignore leaves columns out; an unknown name or the target is an error', async () => {
    const result = await wasmgrad('train', 'clean.csv', '--target', 'label', '--ignore', 'id,b', '--epochs', '1', '--out', 'ignore.wgm');
    expect(result.code).toBe(0);
    const p = readModelHeader(readFileSync(join(dir, 'ignore.wgm'))).preprocessing as { inputs: { name: string }[] };
    expect(p.inputs.map((c) => c.name)).toEqual(['a', 'color']);
    expectFailure(await wasmgrad('train', 'clean.csv', '--target', 'label', '--ignore', 'nope'), 2, 'no column "nope" (named by --ignore)');
    expectFailure(await wasmgrad('train', 'clean.csv', '--target', 'label', '--ignore', 'label'), 2, '--ignore names the --target "label"');
  });

  it('a text column with more than 50 distinct values is warned about, naming it and --ignore', async () => {
    const result = await wasmgrad('train', 'clean.csv', '--target', 'label', '--epochs', '1', '--out', 'ids.wgm');
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: clean.csv: the text column "id" has 60 distinct values');
    expect(result.stderr).toContain('--ignore "id"');
    const few = await wasmgrad('train', 'clean.csv', '--target', 'label', '--ignore', 'id', '--epochs', '1', '--out', 'few.wgm');
    expect(few.stderr).toBe(''); // color has 3
    const fifty = csvLine(['name', 'v']) + Array.from({ length: 100 }, (_, i) => csvLine([`n${i % 50}`, i % 2 ? 'a' : 'b'])).join('');
    write('fifty.csv', fifty);
    expect((await wasmgrad('train', 'fifty.csv', '--target', 'v', '--epochs', '1', '--out', 'fifty.wgm')).stderr).toBe('');
  });
});

describe('delimiters', () => {
  it('semicolon and tab files are detected from the header and train as the comma file does', async () => {
    const args = ['--target', 'label', '--ignore', 'id', '--epochs', '3', '--seed', '4'];
    const comma = await wasmgrad('train', 'clean.csv', ...args, '--out', 'comma.wgm');
    const semi = await wasmgrad('train', 'semicolon.csv', ...args, '--out', 'semi.wgm');
    const tab = await wasmgrad('train', 'tab.tsv', ...args, '--out', 'tab.wgm');
    const results = (r: Result) => r.stdout.split('\n').filter((l) => /^\s+(loss|accuracy)/.test(l));
    expect(semi.code).toBe(0);
    expect(tab.code).toBe(0);
    expect(results(semi)).toEqual(results(comma));
    expect(results(tab)).toEqual(results(comma));
    expect(readFileSync(join(dir, 'semi.wgm'))).toEqual(readFileSync(join(dir, 'comma.wgm')));
  });

  it('--delimiter gives any one character; predict takes it too and writes commas', async () => {
    const pipe = await wasmgrad('train', 'pipe.csv', '--target', 'label', '--ignore', 'id', '--epochs', '3', '--seed', '4', '--delimiter', '|', '--out', 'pipe.wgm');
    expect(pipe.code).toBe(0);
    expect(readFileSync(join(dir, 'pipe.wgm'))).toEqual(readFileSync(join(dir, 'comma.wgm')));
    const predicted = await wasmgrad('predict', 'pipe.wgm', 'pipe.csv', '--delimiter', '|');
    expect(predicted.code).toBe(0);
    expect(predicted.stdout).toBe((await wasmgrad('predict', 'comma.wgm', 'clean.csv')).stdout);
    expect((await wasmgrad('predict', 'tab.wgm', 'tab.tsv', '--delimiter', 'tab')).stdout).toBe(predicted.stdout);
    expectFailure(await wasmgrad('train', 'clean.csv', '--target', 'label', '--delimiter', ';;'), 2, '--delimiter must be one character');
    expectFailure(await wasmgrad('train', 'clean.csv', '--target', 'label', '--delimiter', '"'), 2, '--delimiter must be one character');
    expectFailure(await wasmgrad('train', 'clean.csv', '--target', 'label', '--delimiter', '🙂'), 2, '--delimiter must be one character');
  });
});

describe('predict --keep, --version, --early-stopping', () => {
  it('--keep copies id columns first, row by row', async () => {
    const result = await wasmgrad('predict', 'comma.wgm', 'clean.csv', '--keep', 'id,color');
    expect(result.code).toBe(0);
    const table = parseCsv(result.stdout, 'stdout');
    expect(table.header).toEqual(['id', 'color', 'label', 'probability_no', 'probability_yes']);
    expect(table.rows.map((r) => r.slice(0, 2))).toEqual(rows().map((r) => [r[0], r[3]]));
    const plain = parseCsv((await wasmgrad('predict', 'comma.wgm', 'clean.csv')).stdout, 'plain');
    expect(table.rows.map((r) => r.slice(2))).toEqual(plain.rows);
    expectFailure(await wasmgrad('predict', 'comma.wgm', 'clean.csv', '--keep', 'nope'), 2, 'no column "nope" (named by --keep)');
    expectFailure(await wasmgrad('predict', 'comma.wgm', 'clean.csv', '--keep', 'label'), 2, 'the output already has a column "label"');
  });

  it('--version prints package.json\'s version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await wasmgrad('--version');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${pkg.version}\n`);
  });

  it('--early-stopping N stops after N epochs without a better validation loss', async () => {
    // A learning rate this large makes the validation loss stop improving within a few of the 500 epochs.
    const result = await wasmgrad('train', 'clean.csv', '--target', 'label', '--ignore', 'id', '--epochs', '500', '--learning-rate', '0.5',
      '--early-stopping', '3', '--out', 'early.wgm');
    expect(result.code).toBe(0);
    const done = /Done in .*: (\d+) epochs \(early stopping after 3 without improvement; the best epoch, (\d+), kept\)/.exec(result.stdout);
    expect(done).not.toBeNull();
    expect(Number(done![1])).toBeLessThan(500);
    expect(Number(done![1]) - Number(done![2])).toBe(3);
    expectFailure(await wasmgrad('train', 'clean.csv', '--target', 'label', '--early-stopping', '0'), 2, '--early-stopping must be a whole number from 1');
  });
});
