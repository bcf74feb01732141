/**
 * checkpoint (src/nn/callbacks/checkpoint.ts): the files it writes and what
 * they hold. Expected weights come from twin networks trained for as many
 * epochs with fitSync (same seed and data): bit for bit.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpoint, dense, load, readModelHeader, sequential, sgd, type Network, type SequentialConfig } from '../../../src/index.js';
import type { BackendName } from '../../../src/backend/backend.js';
import { initFromBuild } from '../../helpers.js';

beforeAll(initFromBuild);
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
  [0.5, 0.2],
  [0.1, 0.9],
];
const T = [[0], [1], [1], [0], [1], [1]];
const config = (backend: BackendName): SequentialConfig => ({
  inputSize: 2,
  layers: [dense(4, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
  optimizer: sgd({ learningRate: 0.5 }),
  seed: 3,
  backend,
});
const weightsOf = (net: Network) => JSON.stringify(net.getWeights());

/** The weights after `epochs` epochs of the same training. */
function trained(backend: BackendName, epochs: number): string {
  const net = sequential(config(backend));
  net.fitSync(X, T, { epochs, batchSize: 2 });
  const w = weightsOf(net);
  net.dispose();
  return w;
}

describe('checkpoint', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: every 2 epochs (and after the last), {epoch} in the path keeping each file`, async () => {
      const saved: [string, number][] = [];
      const net = sequential(config(backend));
      const path = join(dir, `${backend}-{epoch}.wgm`);
      await net.fit(X, T, {
        epochs: 5,
        batchSize: 2,
        callbacks: [checkpoint(path, { every: 2, onSave: (file, epoch) => saved.push([file, epoch]) })],
      });
      expect(saved).toEqual([2, 4, 5].map((e) => [join(dir, `${backend}-${e}.wgm`), e - 1]));
      for (const e of [2, 4, 5]) {
        const file = join(dir, `${backend}-${e}.wgm`);
        const loaded = await load(file, { backend });
        expect(weightsOf(loaded), `the file of epoch ${e}`).toBe(trained(backend, e));
        expect(loaded.epochsTrained).toBe(e);
        expect(readModelHeader(readFileSync(file)).extra).toEqual({ checkpoint: { epoch: e, loss: expect.any(Number) } });
        loaded.dispose();
      }
      net.dispose();
    });
  }

  it('best: the file holds the weights of the best epoch by the monitor (validation loss by default)', async () => {
    const net = sequential(config('wasm'));
    const path = join(dir, 'best.wgm');
    const saves: number[] = [];
    const history = await net.fit(X, T, {
      epochs: 12,
      batchSize: 2,
      validationData: [X.slice(0, 3), [[1], [0], [0]]],
      callbacks: [checkpoint(path, { best: true, onSave: (_f, e) => saves.push(e) })],
    });
    const valLoss = history.valLoss!;
    // Saved exactly at each new minimum of the validation loss (computed here from the history).
    const minima = valLoss.flatMap((v, e) => (valLoss.slice(0, e).every((u) => v < u) ? [e] : []));
    expect(saves).toEqual(minima);
    const bestEpoch = minima.at(-1)!;
    const loaded = await load(path);
    expect(weightsOf(loaded)).toBe(trained('wasm', bestEpoch + 1));
    expect(readModelHeader(readFileSync(path)).extra).toEqual({
      checkpoint: { epoch: bestEpoch + 1, monitor: 'valLoss', loss: history.loss[bestEpoch], valLoss: valLoss[bestEpoch] },
    });
    loaded.dispose();
    net.dispose();
  });

  it('works in fitDataset; each save is atomic (no temporary file is left) and replaces the last', async () => {
    const sub = mkdtempSync(join(dir, 'dataset-'));
    const net = sequential(config('js'));
    await net.fitDataset(() => [{ xs: X, ys: T }], {
      epochs: 3,
      callbacks: [checkpoint(join(sub, 'model.wgm'), { preprocessing: { scale: 2 } })],
    });
    expect(readdirSync(sub)).toEqual(['model.wgm']);
    const header = readModelHeader(readFileSync(join(sub, 'model.wgm')));
    expect(header.preprocessing).toEqual({ scale: 2 });
    expect((header.extra as { checkpoint: { epoch: number } }).checkpoint.epoch).toBe(3);
    net.dispose();
  });

  it('fitSync refuses it before training (saving is asynchronous); a failed save rejects fit with WASMGRAD_IO', async () => {
    const net = sequential(config('wasm'));
    const before = weightsOf(net);
    expect(() => net.fitSync(X, T, { callbacks: [checkpoint(join(dir, 'sync.wgm'))] })).toThrow(
      /options.callbacks\[0\] \(checkpoint\) must be awaited .*use fit or fitDataset/,
    );
    expect(weightsOf(net)).toBe(before);
    expect(existsSync(join(dir, 'sync.wgm'))).toBe(false);
    await expect(net.fit(X, T, { epochs: 2, callbacks: [checkpoint(join(dir, 'missing-dir', 'm.wgm'))] })).rejects.toMatchObject({
      code: 'WASMGRAD_IO',
    });
    expect(net.epochsTrained).toBe(1); // the save after the first epoch failed: training stopped there
    net.dispose();
  });

  it('refuses bad arguments by name', () => {
    expect(() => checkpoint('')).toThrow(/checkpoint: path must be a file path/);
    expect(() => checkpoint('m.wgm', { best: true, every: 2 })).toThrow(/options.every must be absent when options.best is true/);
    expect(() => checkpoint('m.wgm', { monitor: 'loss' })).toThrow(/options.monitor must be absent unless options.best is true/);
    expect(() => checkpoint('m.wgm', { every: 0 })).toThrow(/options.every/);
    expect(() => checkpoint('m.wgm', { best: true, monitor: 'acc' as 'loss' })).toThrow(/options.monitor/);
    expect(() => checkpoint('m.wgm', { keep: 3 } as object)).toThrow(/keep/);
  });
});
