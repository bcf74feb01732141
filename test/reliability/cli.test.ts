/**
 * Issue 10, item 13: the `wasmgrad` command under adversarial use, run for
 * real (node build/cli/main.js in a child process; `npm test` builds first).
 * Numbers beyond float32 are refused before a model is written, a reader that
 * closes the pipe early ends the command quietly, a model whose encoding does
 * not fit its network is refused, wide files take linear time, command and
 * flag lookups are not fooled by Object.prototype, and every error is one line
 * with the documented exit status (0 success, 1 the run failed, 2 bad input).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { csvLine, parseCsv, type CsvTable } from '../../src/cli/csv.js';
import { encodeInputs, fitEncoding } from '../../src/cli/encoding.js';
import { fromBytes, readModelHeader, toBytes } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';
import { MAIN, runCli, type Result } from '../cli/run-cli.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cli-reliability-'));

const wasmgrad = (args: string[], env: Record<string, string> = {}): Promise<Result> => runCli(dir, args, { WASMGRAD_DEBUG: '', ...env });

/** A failure: the exit status, exactly one line `wasmgrad: …` on stderr holding every part, no stack trace. */
function expectError(result: Result, code: number, ...parts: string[]): void {
  expect(result.code, result.stderr).toBe(code);
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^wasmgrad: /);
  for (const part of parts) expect(lines[0]).toContain(part);
  expect(result.stderr).not.toMatch(/\bat .*\.js:\d+/);
}

/** A small regression file: y = a + 2b, with `override` replacing one field ([row, column, text]). */
function regressionCsv(rows = 40, override?: [number, number, string]): string {
  let csv = csvLine(['a', 'b', 'y']);
  for (let r = 0; r < rows; r++) {
    const fields = [String(r % 7), String((r * 3) % 5), String((r % 7) + 2 * ((r * 3) % 5))];
    if (override && override[0] === r) fields[override[1]] = override[2];
    csv += csvLine(fields);
  }
  return csv;
}

const TRAIN_FAST = ['--epochs', '2', '--layers', '4'];

/** Copies model file `from` to `to` with its saved CSV encoding changed by `edit`, as a hand-edited or foreign file would be. */
function rewriteModel(from: string, to: string, edit: (preprocessing: Record<string, any>) => void): void {
  const bytes = readFileSync(join(dir, from));
  const net = fromBytes(bytes);
  const preprocessing = structuredClone(readModelHeader(bytes).preprocessing!);
  edit(preprocessing);
  writeFileSync(join(dir, to), toBytes(net, { preprocessing }));
  net.dispose();
}

beforeAll(async () => {
  await initFromBuild();
  // Three classes; x decides the class.
  let csv = csvLine(['x', 'z', 'label']);
  for (let r = 0; r < 60; r++) csv += csvLine([String(r % 3), String(r % 5), ['a', 'b', 'c'][r % 3]]);
  writeFileSync(join(dir, 'classes.csv'), csv);
  writeFileSync(join(dir, 'regression.csv'), regressionCsv());
});

describe('numbers beyond float32 are refused before any model is written (exit 2)', () => {
  it('1e200 in an input column, naming the line and column', async () => {
    writeFileSync(join(dir, 'big-input.csv'), regressionCsv(40, [5, 0, '1e200']));
    expectError(await wasmgrad(['train', 'big-input.csv', '--target', 'y', '--out', 'big-input.json', ...TRAIN_FAST]), 2,
      'line 7, column "a"', '1e200', 'float32');
    expect(existsSync(join(dir, 'big-input.json'))).toBe(false);
  });

  it('1e200 as the target, and 1e39 (finite as a double, Infinity as a float32)', async () => {
    writeFileSync(join(dir, 'big-target.csv'), regressionCsv(40, [3, 2, '-1e200']));
    expectError(await wasmgrad(['train', 'big-target.csv', '--target', 'y', '--out', 'big-target.json', ...TRAIN_FAST]), 2,
      'line 5, column "y"', 'float32');
    writeFileSync(join(dir, 'e39.csv'), regressionCsv(40, [0, 1, '1e39']));
    expectError(await wasmgrad(['train', 'e39.csv', '--target', 'y', '--out', 'e39.json', ...TRAIN_FAST]), 2, 'line 2, column "b"');
    expect(existsSync(join(dir, 'big-target.json')) || existsSync(join(dir, 'e39.json'))).toBe(false);
  });

  it('predict: a value that standardizes beyond float32 names its line and column', async () => {
    // Column s varies by 1e-11, so its standard deviation is tiny and 3e38 standardizes to ~6e49.
    let csv = csvLine(['s', 'y']);
    for (let r = 0; r < 20; r++) csv += csvLine([r % 2 ? '1e-11' : '0', String(r % 4)]);
    writeFileSync(join(dir, 'tiny-std.csv'), csv);
    const trained = await wasmgrad(['train', 'tiny-std.csv', '--target', 'y', '--out', 'tiny-std.wgm', ...TRAIN_FAST]);
    expect(trained.code, trained.stderr).toBe(0);
    writeFileSync(join(dir, 'huge.csv'), 's\n0\n3e38\n');
    expectError(await wasmgrad(['predict', 'tiny-std.wgm', 'huge.csv']), 2, 'line 3, column "s"', 'standardizes');
  });

  it('a model file whose mean or std is beyond float32 is refused by predict and info', async () => {
    rewriteModel('tiny-std.wgm', 'bad-std.wgm', (p) => { p.inputs[0].std = 1e39; });
    expectError(await wasmgrad(['info', 'bad-std.wgm']), 2, 'preprocessing.inputs[0]');
    rewriteModel('tiny-std.wgm', 'zero-std.wgm', (p) => { p.target.std = 1e-46; }); // 0 as a float32
    expectError(await wasmgrad(['predict', 'zero-std.wgm', 'huge.csv']), 2, 'preprocessing.target');
  });
});

describe('a reader that closes the pipe early', () => {
  it('predict … | head: exits 0 quietly, no EPIPE stack trace', async () => {
    let csv = csvLine(['x', 'z', 'label']);
    for (let r = 0; r < 30_000; r++) csv += csvLine([String(r % 3), String(r % 5), ['a', 'b', 'c'][r % 3]]);
    writeFileSync(join(dir, 'many.csv'), csv);
    const trained = await wasmgrad(['train', 'classes.csv', '--target', 'label', '--out', 'classes.wgm', ...TRAIN_FAST]);
    expect(trained.code, trained.stderr).toBe(0);
    // ~1.5 MB of CSV: far more than a pipe holds, so the command is still writing when the reader goes away.
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [MAIN, 'predict', 'classes.wgm', 'many.csv'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      child.stdout.once('data', () => child.stdout.destroy());
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('the encoding saved with a model must fit its network', () => {
  it('more classes than outputs: predict and info refuse (exit 2) instead of writing a mismatched CSV', async () => {
    rewriteModel('classes.wgm', 'more-classes.wgm', (p) => { p.target.classes.push('d'); });
    expectError(await wasmgrad(['predict', 'more-classes.wgm', 'classes.csv']), 2, 'more-classes.wgm', '4 classes', '3 outputs');
    expectError(await wasmgrad(['info', 'more-classes.wgm']), 2, '4 classes', '3 outputs');
  });

  it('a regression encoding on a 3-output network, an extra category, a duplicated column: refused', async () => {
    rewriteModel('classes.wgm', 'as-regression.wgm', (p) => { p.target = { name: 'label', kind: 'regression', mean: 0, std: 1 }; });
    expectError(await wasmgrad(['predict', 'as-regression.wgm', 'classes.csv']), 2, 'one number', '3 outputs');
    rewriteModel('classes.wgm', 'wider.wgm', (p) => { p.inputs.push({ name: 'extra', kind: 'categorical', categories: ['p', 'q'] }); });
    expectError(await wasmgrad(['info', 'wider.wgm']), 2, '4 inputs', 'takes 2');
    rewriteModel('classes.wgm', 'twice.wgm', (p) => { p.inputs[1].name = p.inputs[0].name; });
    expectError(await wasmgrad(['predict', 'twice.wgm', 'classes.csv']), 2, 'preprocessing.inputs[1]');
  });

  it('the JSON form (toJSON plus a preprocessing field, as earlier releases wrote) still predicts, and is checked the same way', async () => {
    const bytes = readFileSync(join(dir, 'classes.wgm'));
    const net = fromBytes(bytes);
    const preprocessing = readModelHeader(bytes).preprocessing!;
    writeFileSync(join(dir, 'classes.json'), JSON.stringify({ ...net.toJSON(), preprocessing }));
    (preprocessing.target as { classes: string[] }).classes.push('d');
    writeFileSync(join(dir, 'classes-bad.json'), JSON.stringify({ ...net.toJSON(), preprocessing }));
    net.dispose();
    const predicted = await wasmgrad(['predict', 'classes.json', 'classes.csv']);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(parseCsv(predicted.stdout, 'stdout').header).toEqual(['label', 'probability_a', 'probability_b', 'probability_c']);
    expectError(await wasmgrad(['predict', 'classes-bad.json', 'classes.csv']), 2, '4 classes', '3 outputs');
  });
});

describe('wide files take linear time', () => {
  /** A table whose header counts how often its names are read: a quadratic lookup reads it columns² times. */
  function countingTable(columns: number, rows: number): { table: CsvTable; reads: () => number } {
    const names = [...Array(columns).keys()].map((c) => `c${c}`);
    let reads = 0;
    const header = new Proxy(names, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver);
      },
    });
    const body = [...Array(rows).keys()].map((r) => names.map((_, c) => String((c * 7 + r) % 10)));
    return { table: { header, rows: body, lines: body.map((_, r) => r + 2) }, reads: () => reads };
  }

  it('fitting and encoding 20,000 columns reads the header O(columns) times, not O(columns²)', () => {
    const columns = 20_000;
    const { table, reads } = countingTable(columns, 4);
    const p = fitEncoding(table, { target: 'c0', classification: false, categorical: ['c1'] }, [0, 1, 2, 3], 'wide.csv');
    encodeInputs(table, p, 'wide.csv');
    expect(reads()).toBeLessThan(4 * columns); // once per column in each pass (map by name, names of inputs)
  });

  it('train, predict and info on a 100,000-column file finish well within 20 s', async () => {
    const columns = 100_000;
    const names = [...Array(columns).keys()].map((c) => `c${c}`);
    let csv = `${names.join(',')},y\n`;
    for (let r = 0; r < 4; r++) csv += `${names.map((_, c) => (c * 7 + r) % 10).join(',')},${r}\n`;
    writeFileSync(join(dir, 'wide.csv'), csv);
    const trained = await wasmgrad(['train', 'wide.csv', '--target', 'y', '--epochs', '1', '--layers', 'none', '--validation-split', '0', '--out', 'wide.wgm']);
    expect(trained.code, trained.stderr).toBe(0);
    const predicted = await wasmgrad(['predict', 'wide.wgm', 'wide.csv']);
    expect(predicted.code, predicted.stderr).toBe(0);
    expect(parseCsv(predicted.stdout, 'stdout').rows).toHaveLength(4);
    const described = await wasmgrad(['info', 'wide.wgm']);
    expect(described.code, described.stderr).toBe(0);
    expect(described.stdout).toContain('c99999');
  }, 20_000); // about 2 s here; the quadratic lookups took 30 s
});

describe('commands and flags are not looked up on Object.prototype', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('wasmgrad %s, and help with it: exit 2 with the list of commands', async (name) => {
    expectError(await wasmgrad([name]), 2, `"${name}"`, 'train, predict, info');
    expectError(await wasmgrad(['help', name]), 2, `"${name}"`, 'train, predict, info');
  });

  it('no command at all: exit 2, one line with the list of commands', async () => {
    expectError(await wasmgrad([]), 2, 'no command given', 'train, predict, info');
  });

  it('--__proto__ and --constructor are unknown options', async () => {
    expectError(await wasmgrad(['info', '--__proto__', 'x']), 2, 'unknown option --__proto__');
    expectError(await wasmgrad(['train', 'regression.csv', '--target', 'y', '--constructor']), 2, 'unknown option --constructor');
  });
});

describe('numeric flags take plain decimal numbers only (exit 2, naming the flag)', () => {
  const cases: [string, string][] = [
    ['--epochs', '0x10'], ['--epochs', ''], ['--epochs', ' 1'], ['--epochs', '1e3'], ['--epochs', '+5'], ['--epochs', '2.0'],
    ['--batch-size', '0b11'], ['--seed', '0o7'], ['--seed', '-1'], ['--layers', '0x10'], ['--layers', '1e1'],
    ['--learning-rate', '0x1'], ['--learning-rate', ' 0.1'], ['--learning-rate', 'Infinity'], ['--validation-split', '0x0'],
  ];
  it.each(cases)('%s "%s"', async (flag, value) => {
    expectError(await wasmgrad(['train', 'regression.csv', '--target', 'y', flag, value]), 2, flag);
  });
});

describe('exit statuses: a bad learning rate is a bad flag (2), divergence is a failed run (1)', () => {
  it.each(['-0.1', '0', '1e39', '1e-46', 'abc'])('--learning-rate %s: exit 2', async (rate) => {
    expectError(await wasmgrad(['train', 'regression.csv', '--target', 'y', '--learning-rate', rate, '--out', 'never.json']), 2, '--learning-rate');
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
  });

  it('a rate that makes training diverge: exit 1, one line, no model written', async () => {
    const result = await wasmgrad(['train', 'regression.csv', '--target', 'y', '--learning-rate', '1e30', '--out', 'diverged.json', ...TRAIN_FAST]);
    expect(result.code).toBe(1);
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^wasmgrad: .*diverged.*No model was written; try a --learning-rate below 1e\+?30/);
    expect(existsSync(join(dir, 'diverged.json'))).toBe(false);
  });
});

describe('every error is one line, file-system errors included', () => {
  it('usage errors keep the pointer to --help on the same line', async () => {
    expectError(await wasmgrad(['train', 'regression.csv', '--target', 'y', '--epcohs', '5']), 2, 'unknown option --epcohs', 'wasmgrad train --help');
  });

  it('an output folder that does not exist: exit 1, naming the file, not a temporary one', async () => {
    const result = await wasmgrad(['train', 'regression.csv', '--target', 'y', '--out', join('missing', 'm.json'), ...TRAIN_FAST]);
    expectError(result, 1, 'cannot write', 'm.json', 'no such file or folder');
    expect(result.stderr).not.toContain('.tmp');
  });

  it('a data file that is a folder, and a model file that is not JSON: exit 2', async () => {
    mkdirSync(join(dir, 'folder.csv'), { recursive: true });
    expectError(await wasmgrad(['train', 'folder.csv', '--target', 'y']), 2, 'folder.csv', 'it is a folder');
    writeFileSync(join(dir, 'text.json'), 'not json');
    expectError(await wasmgrad(['info', 'text.json']), 2, 'text.json', 'not a wasmgrad model file');
    writeFileSync(join(dir, 'cut.wgm'), readFileSync(join(dir, 'classes.wgm')).subarray(0, 40));
    expectError(await wasmgrad(['predict', 'cut.wgm', 'classes.csv']), 2, 'cut.wgm', 'truncated');
  });

  it('WASMGRAD_DEBUG=1 adds the stack trace', async () => {
    const result = await wasmgrad(['info', 'text.json'], { WASMGRAD_DEBUG: '1' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});
