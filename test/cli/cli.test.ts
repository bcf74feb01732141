/**
 * The `wasmgrad` command, run for real (node build/cli/main.js in a child
 * process; `npm test` builds first): train, predict and info on small CSV
 * files, and the exit code and message of each kind of mistake.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { IRIS_FEATURES, IRIS_SPECIES, irisData } from '../../src/data/iris.js';
import { csvLine, parseCsv } from '../../src/cli/csv.js';
import { readModelHeader } from '../../src/index.js';
import { LOSSES, OPTIMIZER_TYPES } from '../../src/backend/kinds.js';
import { HIDDEN_ACTIVATIONS } from '../../src/cli/choices.js';
import { runCli, type Result } from './run-cli.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cli-'));

/** Runs the built command in the temporary directory; never rejects, so tests can check failures. */
const wasmgrad = (...args: string[]): Promise<Result> => runCli(dir, args);

/** A failure: the expected exit code, a one-line message that contains `parts`, and no stack trace. */
function expectFailure(result: Result, code: number, ...parts: string[]) {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  for (const part of parts) expect(result.stderr).toContain(part);
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr).toMatch(/^wasmgrad: /);
}

// Iris with a categorical input column too (whose values hold a comma, so they are quoted).
const IRIS_SITES = ['north', 'south, east'];
beforeAll(() => {
  const { inputs, labels } = irisData();
  writeFileSync(join(dir, 'iris.csv'), csvLine([...IRIS_FEATURES, 'site', 'species']) +
    inputs.map((row, i) => csvLine([...row, IRIS_SITES[i % 2], IRIS_SPECIES[labels[i]]])).join(''));
  // y = 3a − b/2 + 2·[kind = x] + 100, a clean function the network can fit to well under its spread.
  let csv = csvLine(['a', 'b', 'kind', 'y']);
  for (let i = 0; i < 200; i++) {
    const a = ((i * 37) % 101) / 25 - 2, b = ((i * 53) % 97) / 9.7, kind = i % 3 ? 'x' : 'z';
    csv += csvLine([a.toFixed(3), b.toFixed(3), kind, (3 * a - b / 2 + (kind === 'x' ? 2 : 0) + 100).toFixed(4)]);
  }
  writeFileSync(join(dir, 'regression.csv'), csv);
});

describe('CSV reading', () => {
  it('handles quoted fields with commas, doubled quotes, line breaks, CRLF and blank lines', () => {
    const text = '\ufeffname,"size, cm",note\r\n"Smith, J.",1.5,"said ""hi"""\r\n"two\nlines",2,\r\n\r\nJones,3,""\r\n';
    const table = parseCsv(text, 'q.csv');
    expect(table.header).toEqual(['name', 'size, cm', 'note']);
    expect(table.rows).toEqual([['Smith, J.', '1.5', 'said "hi"'], ['two\nlines', '2', ''], ['Jones', '3', '']]);
    expect(table.lines).toEqual([2, 3, 6]);
    expect(parseCsv(csvLine(table.rows[0]) + csvLine(table.rows[1]), 'again').header).toEqual(table.rows[0]);
  });
});

describe('wasmgrad train / predict / info', () => {
  it('trains a classifier on Iris and writes the model with its encoding', async () => {
    const result = await wasmgrad('train', 'iris.csv', '--target', 'species', '--layers', '16,8', '--epochs', '60', '--out', 'iris.wgm');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('3 classes (setosa, versicolor, virginica)');
    expect(result.stdout).toContain('epoch 60/60');
    const accuracy = /accuracy\s+([\d.]+)%\s+validation accuracy\s+([\d.]+)%/.exec(result.stdout);
    expect(accuracy).not.toBeNull();
    expect(Number(accuracy![1])).toBeGreaterThanOrEqual(90);
    expect(Number(accuracy![2])).toBeGreaterThanOrEqual(90);
    const model = readModelHeader(readFileSync(join(dir, 'iris.wgm')));
    expect(model.version).toBe(2); // the binary model file
    expect(model.inputSize).toBe(6); // 4 numbers + 2 sites
    const preprocessing = model.preprocessing as { inputs: unknown[]; target: unknown }; // the CLI's own JSON, as it wrote it
    expect(preprocessing.inputs.at(-1)).toEqual({ name: 'site', kind: 'categorical', categories: IRIS_SITES });
    expect(preprocessing.target).toEqual({ name: 'species', kind: 'classification', classes: [...IRIS_SPECIES] });
  });

  it('predicts one CSV row per input: the class and one probability per class', async () => {
    const result = await wasmgrad('predict', 'iris.wgm', 'iris.csv');
    expect(result.code).toBe(0);
    const table = parseCsv(result.stdout, 'stdout');
    expect(table.header).toEqual(['species', 'probability_setosa', 'probability_versicolor', 'probability_virginica']);
    expect(table.rows).toHaveLength(150);
    const { labels } = irisData();
    let correct = 0;
    table.rows.forEach(([species, ...p], i) => {
      expect(p.reduce((s, v) => s + Number(v), 0)).toBeCloseTo(1, 4);
      if (species === IRIS_SPECIES[labels[i]]) correct++;
    });
    expect(correct / 150).toBeGreaterThanOrEqual(0.9);

    const toFile = await wasmgrad('predict', 'iris.wgm', 'iris.csv', '--out', 'predictions.csv');
    expect(toFile.code).toBe(0);
    expect(readFileSync(join(dir, 'predictions.csv'), 'utf8')).toBe(result.stdout);
  });

  it('info prints the architecture and the encoding', async () => {
    const result = await wasmgrad('info', 'iris.wgm');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('6 → 16 relu → 8 relu → 3 softmax');
    expect(result.stdout).toMatch(/categoricalCrossentropy/);
    expect(result.stdout).toContain(`${6 * 16 + 16 + 16 * 8 + 8 + 8 * 3 + 3} parameters`);
    expect(result.stdout).toContain('one-hot: "north", "south, east"');
  });

  it('trains a regression and predicts in the target\'s own units', async () => {
    const result = await wasmgrad('train', 'regression.csv', '--target', 'y', '--epochs', '80', '--out', 'regression.wgm');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('regression');
    const rmse = /validation RMSE\s+([\d.e-]+)/.exec(result.stdout);
    expect(Number(rmse![1])).toBeLessThan(0.5); // y spreads over ~17 units
    const predicted = parseCsv((await wasmgrad('predict', 'regression.wgm', 'regression.csv')).stdout, 'stdout');
    const actual = parseCsv(readFileSync(join(dir, 'regression.csv'), 'utf8'), 'regression.csv');
    expect(predicted.header).toEqual(['y']);
    expect(predicted.rows).toHaveLength(200);
    predicted.rows.forEach(([y], i) => expect(Math.abs(Number(y) - Number(actual.rows[i][3]))).toBeLessThan(1.5));
  });

  it('--loss sparseCategoricalCrossentropy trains on class indices: the numbers of categoricalCrossentropy, that loss in the model', async () => {
    const run = (loss: string) => wasmgrad('train', 'iris.csv', '--target', 'species', '--epochs', '15', '--seed', '3', '--loss', loss, '--out', `${loss}.wgm`);
    const [sparse, oneHot] = [await run('sparseCategoricalCrossentropy'), await run('categoricalCrossentropy')];
    expect(sparse.stderr).toBe('');
    expect(sparse.code).toBe(0);
    // The lines of results (loss, accuracy and their validation values); the others hold timings.
    const results = (stdout: string) => stdout.split('\n').filter((line) => /^\s+(loss|accuracy)\s/.test(line));
    expect(results(sparse.stdout).length).toBe(2);
    expect(results(sparse.stdout)).toEqual(results(oneHot.stdout));
    expect(readModelHeader(readFileSync(join(dir, 'sparseCategoricalCrossentropy.wgm'))).loss).toBe('sparseCategoricalCrossentropy');
    expect((await wasmgrad('predict', 'sparseCategoricalCrossentropy.wgm', 'iris.csv')).code).toBe(0);
  });

  it('--help lists the commands and each command\'s options', async () => {
    const main = await wasmgrad('--help');
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/train[\s\S]*predict[\s\S]*info/);
    const train = await wasmgrad('train', '--help');
    expect(train.code).toBe(0);
    expect(train.stdout).toContain('--validation-split');
    // The choices come from the registries: every hidden activation, loss and optimizer is listed.
    const listed = train.stdout.split(/\s+/);
    for (const name of [...HIDDEN_ACTIVATIONS, ...LOSSES, ...OPTIMIZER_TYPES]) expect(listed, name).toContain(name);
    expect(listed).not.toContain('softmax');
  });
});

describe('wasmgrad refuses bad input with a clear message', () => {
  it('a non-numeric value in a numeric column: exit 2, naming the line and column', async () => {
    expectFailure(await wasmgrad('train', join(FIXTURES, 'bad-number.csv'), '--target', 'label'), 2, 'line 4, column "height"', '"abc" is not a number');
  });

  it('a missing target column, a missing file, a wrong field count: exit 2', async () => {
    expectFailure(await wasmgrad('train', 'iris.csv', '--target', 'colour'), 2, 'no column "colour"', '"species"');
    expectFailure(await wasmgrad('train', 'nowhere.csv', '--target', 'y'), 2, 'nowhere.csv: no such file');
    writeFileSync(join(dir, 'short.csv'), 'a,b,y\n1,2,3\n4,5\n');
    expectFailure(await wasmgrad('train', 'short.csv', '--target', 'y'), 2, 'line 3: 2 fields, but the header has 3');
    writeFileSync(join(dir, 'empty.csv'), '');
    expectFailure(await wasmgrad('train', 'empty.csv', '--target', 'y'), 2, 'empty.csv is empty');
  });

  it('predict: an unknown category or a missing column names it (exit 2)', async () => {
    writeFileSync(join(dir, 'new.csv'), 'sepalLength,sepalWidth,petalLength,petalWidth,site\n5,3,1.5,0.2,north\n5,3,1.5,0.2,west\n');
    expectFailure(await wasmgrad('predict', 'iris.wgm', 'new.csv'), 2, 'line 3, column "site": unknown category "west"');
    writeFileSync(join(dir, 'partial.csv'), 'sepalLength,sepalWidth,petalLength\n5,3,1.5\n');
    expectFailure(await wasmgrad('predict', 'iris.wgm', 'partial.csv'), 2, 'no column "petalWidth"');
  });

  it('usage errors exit 2: an unknown flag, --epochs 0, no --target, an unknown command', async () => {
    expectFailure(await wasmgrad('train', 'iris.csv', '--target', 'species', '--epcohs', '5'), 2, 'unknown option --epcohs', 'wasmgrad train --help');
    expectFailure(await wasmgrad('train', 'iris.csv', '--target', 'species', '--epochs', '0'), 2, '--epochs must be a whole number');
    expectFailure(await wasmgrad('train', 'iris.csv'), 2, '--target is required');
    expectFailure(await wasmgrad('fit', 'iris.csv'), 2, 'unknown command "fit"');
  });
});
