/**
 * Callbacks shared between runs: one reduceLROnPlateau (or checkpoint) given to two fits
 * that run at the same time (two networks trained concurrently with the same
 * callbacks array) must act on each run as if it were alone. The expected
 * multipliers come from the same runs made one at a time, each with a
 * callback of its own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkpoint, dense, reduceLROnPlateau, sequential, sgd, type Network } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const make = (seed: number): Network => sequential({
  inputSize: 1, layers: [dense(1, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.1 }), seed,
});
const x = [[1], [2], [-1]], t = [[1], [0], [0.5]];

describe('a callback shared by concurrent runs', () => {
  it('reduceLROnPlateau keeps its patience and best value per run, not across the runs that share it', async () => {
    const options = (callback: ReturnType<typeof reduceLROnPlateau>, reduced: number[]) => ({
      epochs: 8, callbacks: [callback, { onEpochEnd: (_e: number, _l: unknown, c: { learningRateMultiplier: number }) => { reduced.push(c.learningRateMultiplier); } }],
    });
    // Alone: two networks of different seeds, each with its own callback.
    const alone: number[][] = [[], []];
    for (const k of [0, 1]) {
      const net = make(k + 1);
      await net.fit(x, t, options(reduceLROnPlateau({ patience: 2, minDelta: 0.001 }), alone[k]));
      net.dispose();
    }
    // Together: the same two runs at once, one callback between them.
    const shared = reduceLROnPlateau({ patience: 2, minDelta: 0.001 });
    const together: number[][] = [[], []];
    const nets = [make(1), make(2)];
    await Promise.all(nets.map((net, k) => net.fit(x, t, options(shared, together[k]))));
    // The comparison can fail only if the runs reduce, and at different epochs: one shared patience would then differ from both.
    expect(Math.min(...alone[0], ...alone[1])).toBeLessThan(1);
    expect(alone[0]).not.toEqual(alone[1]);
    expect(together).toEqual(alone);
    for (const net of nets) net.dispose();
  });

  it('checkpoint({ best: true }) keeps its best value per run: each run saves at its own improvements', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-checkpoint-shared-'));
    try {
      const saves = (callbackFor: (k: number) => ReturnType<typeof checkpoint>) => async (together: boolean) => {
        const nets = [make(1), make(2)];
        const run = (k: number) => nets[k].fit(x, t, { epochs: 6, callbacks: [callbackFor(k)] });
        if (together) await Promise.all([run(0), run(1)]);
        else for (const k of [0, 1]) await run(k);
        for (const net of nets) net.dispose();
      };
      // Alone: a checkpoint of its own per network, recording the epochs it saves at.
      const alone: number[][] = [[], []];
      await saves((k) => checkpoint(join(dir, `alone-${k}-{epoch}.wgm`), { best: true, onSave: (_f, epoch) => { alone[k].push(epoch); } }))(false);
      // Together: one checkpoint for both runs; its onSave tells them apart by the file's epoch order.
      const together: number[] = [];
      const shared = checkpoint(join(dir, 'shared-{epoch}.wgm'), { best: true, onSave: (_f, epoch) => { together.push(epoch); } });
      await saves(() => shared)(true);
      expect(together.length).toBe(alone[0].length + alone[1].length);
      expect(alone[0].length).toBeGreaterThan(0);
      expect(readdirSync(dir).filter((f) => f.startsWith('shared-')).length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
