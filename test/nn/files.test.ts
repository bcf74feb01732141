/** save/load: atomic writes, exact round trips, the JSON files of earlier releases, and bad files refused whole. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, load, save, sequential } from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

describe('save and load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-'));
  const build = () => sequential({ inputSize: 3, layers: [dense(5, { activation: 'relu' }), dense(2, { activation: 'softmax' })], loss: 'categoricalCrossentropy', optimizer: adam(), seed: 3 });
  const x = [[0.1, 0.2, 0.3], [1, -1, 0.5]], t = [[1, 0], [0, 1]];

  it('a saved and loaded model predicts identically and keeps training identically', async () => {
    const net = build();
    net.fitSync(x, t, { epochs: 5, batchSize: 2 });
    const path = join(dir, 'model.json');
    await save(net, path);
    expect(readdirSync(dir)).toEqual(['model.json']); // no temporary file left behind
    const copy = await load(path);
    expect(copy.predict(x)).toEqual(net.predict(x));
    net.fitSync(x, t, { epochs: 3, batchSize: 1, shuffle: false });
    copy.fitSync(x, t, { epochs: 3, batchSize: 1, shuffle: false });
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.dispose();
    copy.dispose();
  });

  it('overwrites an existing file in one step', async () => {
    const path = join(dir, 'again.json');
    writeFileSync(path, 'old contents');
    const net = build();
    await save(net, path);
    expect([...readFileSync(path).subarray(0, 8)]).toEqual([0x89, 0x57, 0x47, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a]); // the model file's signature
    const copy = await load(path);
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.dispose();
    copy.dispose();
  });

  it('refuses a truncated or tampered file, naming the file and the problem, and loads nothing', async () => {
    const net = build();
    const good = JSON.stringify(net.toJSON());
    net.dispose();
    const truncated = join(dir, 'truncated.json');
    writeFileSync(truncated, good.slice(0, good.length / 2));
    const before = runtime().heap.liveBytes;
    await expect(load(truncated)).rejects.toThrow(/load: json is not valid JSON.*\(in .*truncated.json\)/);
    const tampered = join(dir, 'tampered.json');
    const model = JSON.parse(good);
    model.layers[0].units = 6;
    writeFileSync(tampered, JSON.stringify(model));
    await expect(load(tampered)).rejects.toThrow(/json.weights\[0\].weights holds 15 float32 values, expected 18 \(3×6\)/);
    await expect(load(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'WASMGRAD_IO', message: expect.stringMatching(/load: cannot read .*missing.json/) });
    expect(runtime().heap.liveBytes).toBe(before);
  });
});
