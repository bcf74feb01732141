/**
 * `wasmgrad export model.wgm model.onnx` (src/cli/onnx.ts), run through the
 * command's own entry: onnxruntime-web, given the CSV's raw numbers and the
 * text columns one-hot encoded by hand, answers what `predict` computes
 * (the standardization inside the graph; regression back in the target's
 * units), and fromOnnx reads the file back to the same predictions.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { train } from '../../src/cli/commands.js';
import { encodeInputs, type Preprocessing } from '../../src/cli/encoding.js';
import { parseCsv, csvLine } from '../../src/cli/csv.js';
import { readModel } from '../../src/cli/model-file.js';
import { exportOnnx, onnxScaling } from '../../src/cli/onnx.js';
import { fromOnnx } from '../../src/nn/onnx/import.js';
import { initFromBuild } from '../helpers.js';
import { maxRelativeDiff } from '../nn/onnx/graphs.js';
import { maxDiff, ortRun } from '../nn/onnx/ort.js';

const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-cli-onnx-'));
const quiet = [vi.spyOn(console, 'log').mockImplementation(() => {}), vi.spyOn(console, 'error').mockImplementation(() => {})];
afterAll(() => quiet.forEach((spy) => spy.mockRestore()));

beforeAll(async () => {
  await initFromBuild(); // the CLI's own init() then finds the runtime ready
  // y = 3a − b/2 + 2·[kind = x] + 100 (the regression file of test/cli/cli.test.ts), and a class from the same columns.
  let regression = csvLine(['a', 'b', 'kind', 'y']);
  let classes = csvLine(['a', 'kind', 'b', 'label']);
  for (let i = 0; i < 120; i++) {
    const a = ((i * 37) % 101) / 25 - 2, b = ((i * 53) % 97) / 9.7, kind = i % 3 ? 'x' : 'z';
    regression += csvLine([a.toFixed(3), b.toFixed(3), kind, (3 * a - b / 2 + (kind === 'x' ? 2 : 0) + 100).toFixed(4)]);
    classes += csvLine([a.toFixed(3), kind, b.toFixed(3), a > 0 ? 'high' : b > 5 ? 'mid' : 'low']);
  }
  writeFileSync(join(dir, 'regression.csv'), regression);
  writeFileSync(join(dir, 'classes.csv'), classes);
});

/** The network inputs onnxruntime gets: numeric columns raw, text columns one-hot (the caller's part), in the encoding's order. */
function rawInputs(p: Preprocessing, csvPath: string): Float32Array {
  const table = parseCsv(readFileSync(csvPath, 'utf8'), csvPath);
  const out: number[] = [];
  for (const row of table.rows) {
    for (const col of p.inputs) {
      const cell = row[table.header.indexOf(col.name)];
      if (col.kind === 'numeric') out.push(Number(cell));
      else out.push(...col.categories.map((c) => (c === cell ? 1 : 0)));
    }
  }
  return Float32Array.from(out);
}

describe('wasmgrad export', () => {
  it.each([
    ['regression', 'regression.csv', 'y'],
    ['classification', 'classes.csv', 'label'],
  ])('a %s model: onnxruntime-web on the raw CSV numbers answers what predict computes', async (kind, file, target) => {
    const csv = join(dir, file), model = join(dir, `${kind}.wgm`), onnx = join(dir, `${kind}.onnx`);
    await train.run([csv], { target, epochs: '20', seed: '3', out: model, 'validation-split': '0' });
    await exportOnnx.run([model, onnx], {});
    const { net, preprocessing } = await readModel(model);
    const p = preprocessing!;
    const table = parseCsv(readFileSync(csv, 'utf8'), csv);
    // What `predict` computes: its own encoding, the network, and (regression) y·std + mean.
    const goal = p.target;
    const expected = net.predict(encodeInputs(table, p, csv)).flat().map((y) => (goal.kind === 'regression' ? y * goal.std + goal.mean : y));
    net.dispose();
    const x = rawInputs(p, csv);
    const { data, dims } = await ortRun(new Uint8Array(readFileSync(onnx)), x, table.rows.length, x.length / table.rows.length);
    expect(dims).toEqual([table.rows.length, goal.kind === 'regression' ? 1 : goal.classes.length]);
    // float32 throughout; regression outputs are near 100, so the bound is relative to that.
    expect(maxDiff(data, expected)).toBeLessThanOrEqual(goal.kind === 'regression' ? 1e-4 : 1e-5);
    // Round trip: fromOnnx folds the standardization (and the regression's scaling back) into the network.
    const imported = fromOnnx(new Uint8Array(readFileSync(onnx)));
    expect(maxRelativeDiff(imported.predict(x), data)).toBeLessThanOrEqual(1e-5);
    imported.dispose();
  });

  it('onnxScaling: numeric columns standardized, one-hot columns passed through, the regression target scaled back', () => {
    const p: Preprocessing = {
      version: 1,
      inputs: [{ name: 'a', kind: 'numeric', mean: 2, std: 4 }, { name: 'c', kind: 'categorical', categories: ['u', 'v', 'w'] }, { name: 'b', kind: 'numeric', mean: -1, std: 0.5 }],
      target: { name: 't', kind: 'regression', mean: 7, std: 3 },
    };
    expect(onnxScaling(p)).toEqual({ standardize: { mean: [2, 0, 0, 0, -1], std: [4, 1, 1, 1, 0.5] }, destandardize: { mean: [7], std: [3] } });
    expect(onnxScaling({ ...p, target: { name: 't', kind: 'classification', classes: ['p', 'q'] } })).toEqual({ standardize: { mean: [2, 0, 0, 0, -1], std: [4, 1, 1, 1, 0.5] } });
  });

  it('an output file that cannot be written: the CLI\'s write error (exit 1), naming it', async () => {
    const out = join(dir, 'no-such-folder', 'm.onnx');
    await expect(exportOnnx.run([join(dir, 'regression.wgm'), out], {})).rejects.toThrow(`cannot write ${out}: no such file or folder`);
  });

  it('takes exactly a model file and an output file (a usage error, exit 2, otherwise)', async () => {
    await expect(exportOnnx.run([join(dir, 'regression.wgm')], {})).rejects.toThrow(/"wasmgrad export" takes a model file and an output file/);
  });
});
