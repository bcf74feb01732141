/**
 * options.callbacks (src/nn/callbacks/callback.ts): the order hooks run in,
 * what the context holds, awaiting in fit and fitDataset, the multiplier's
 * setter, and bad callbacks refused before training.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, sgd, type TrainingCallback } from '../../../src/index.js';
import { initFromBuild } from '../../helpers.js';
import { T, X, xorNet } from './xor.js';

beforeAll(initFromBuild);

const net = (backend: 'wasm' | 'js' = 'wasm') => xorNet(backend, sgd({ learningRate: 0.5, schedule: { type: 'step', every: 1, factor: 0.5 } }), 2);

/** A callback that logs its hooks (with `tag`) into `log`. */
const logger = (tag: string, log: string[], delay = 0): TrainingCallback => ({
  onTrainBegin: async () => {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    log.push(`${tag} begin`);
  },
  onEpochEnd: async (epoch) => {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    log.push(`${tag} ${epoch}`);
  },
  onTrainEnd: (history) => {
    log.push(`${tag} end ${history.epochs}`);
  },
});

describe('options.callbacks', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: fit awaits each hook in order, before onEpochEnd and onTrainEnd`, async () => {
      const log: string[] = [];
      const a = net(backend);
      await a.fit(X, T, {
        epochs: 2,
        callbacks: [logger('a', log, 5), logger('b', log)],
        onEpochEnd: (e) => {
          log.push(`onEpochEnd ${e}`);
        },
        onTrainEnd: () => {
          log.push('onTrainEnd');
        },
      });
      expect(log).toEqual([
        'a begin',
        'b begin',
        'a 0',
        'b 0',
        'onEpochEnd 0',
        'a 1',
        'b 1',
        'onEpochEnd 1',
        'a end 2',
        'b end 2',
        'onTrainEnd',
      ]);
      a.dispose();
    });
  }

  it('fitDataset awaits them the same way; fitSync runs them in order', async () => {
    const log: string[] = [];
    const a = net();
    await a.fitDataset(() => [{ xs: X, ys: T }], {
      epochs: 2,
      callbacks: [logger('a', log, 5)],
      onEpochEnd: (e) => {
        log.push(`onEpochEnd ${e}`);
      },
    });
    expect(log).toEqual(['a begin', 'a 0', 'onEpochEnd 0', 'a 1', 'onEpochEnd 1', 'a end 2']);
    log.length = 0;
    a.fitSync(X, T, {
      epochs: 1,
      callbacks: [
        {
          onEpochEnd: (e) => {
            log.push(`sync ${e}`);
          },
        },
      ],
      onEpochEnd: (e) => {
        log.push(`onEpochEnd ${e}`);
      },
    });
    expect(log).toEqual(['sync 0', 'onEpochEnd 0']);
    a.dispose();
  });

  it("the context: the network, the run, and the next epoch's rate (the schedule's times the multiplier)", () => {
    const a = net();
    const seen: unknown[] = [];
    a.fitSync(X, T, {
      epochs: 3,
      validationData: [X, T],
      metrics: ['accuracy'],
      callbacks: [
        {
          onTrainBegin(context) {
            expect(context.network).toBe(a);
            seen.push([context.epochs, context.samplesPerEpoch, context.hasValidation, context.metrics]);
          },
          onEpochEnd(epoch, logs, context) {
            expect(logs.valAccuracy).toBeDefined();
            seen.push(context.learningRate);
            if (epoch === 0) context.learningRateMultiplier = 0.5;
          },
        },
      ],
    });
    // Epochs trained after epoch e: e + 1; step schedule 0.5 · 0.5^(e+1); the multiplier 0.5 set at epoch 0's end.
    expect(seen).toEqual([[3, 4, true, ['accuracy']], 0.25, 0.125 * 0.5, 0.0625 * 0.5]); // read before epoch 0's hook sets it
    expect(a.learningRateMultiplier).toBe(0.5);
    a.dispose();
  });

  it("the multiplier's setter refuses what float32 cannot hold, and the fit rejects with it", async () => {
    const a = net();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e-50, 1e39]) {
      await expect(
        a.fit(X, T, {
          callbacks: [
            {
              onEpochEnd: (_e, _l, c) => {
                c.learningRateMultiplier = bad;
              },
            },
          ],
        }),
      ).rejects.toThrow(/context.learningRateMultiplier must be a number > 0 that float32 holds/);
    }
    expect(a.learningRateMultiplier).toBe(1);
    a.dispose();
    // 10 · 1e38 is past float32's 3.4e38: the rate itself must stay a float32.
    const b = sequential({ inputSize: 2, layers: [dense(1)], optimizer: sgd({ learningRate: 10 }), seed: 1 });
    await expect(b.fit(X, T, { callbacks: [{ onEpochEnd: (_e, _l, c) => { c.learningRateMultiplier = 1e38; } }] }))
      .rejects.toThrow(/a multiplier that keeps the learning rate within float32 \(it would be 1e\+39\)/);
    expect(b.learningRateMultiplier).toBe(1);
    b.dispose();
  });

  it('bad callbacks are refused by index before training', () => {
    const a = net();
    const before = JSON.stringify(a.toJSON());
    expect(() => a.fitSync(X, T, { callbacks: {} as never })).toThrow(/options.callbacks must be an array of callbacks/);
    expect(() => a.fitSync(X, T, { callbacks: [null as never] })).toThrow(/options.callbacks\[0\]/);
    expect(() => a.fitSync(X, T, { callbacks: [{ onEpochEnd: 3 } as never] })).toThrow(
      /options.callbacks\[0\].onEpochEnd must be a function/,
    );
    expect(() => a.fitSync(X, T, { callbacks: [{ onEpochEnd() {} }, {} as never] })).toThrow(
      /options.callbacks\[1\] must be a callback with onTrainBegin/,
    );
    expect(JSON.stringify(a.toJSON())).toBe(before);
    a.dispose();
  });

  it('a callback that disposes the network ends the fit with WASMGRAD_DISPOSED', async () => {
    const a = net();
    await expect(a.fit(X, T, { epochs: 3, callbacks: [{ onEpochEnd: (_e, _l, c) => c.network.dispose() }] })).rejects.toMatchObject({
      code: 'WASMGRAD_DISPOSED',
    });
  });
});
