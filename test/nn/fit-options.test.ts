/** fit's options: validation, metrics, early stopping, callbacks; and the toolkit learning real problems. */
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, irisData, sequential, sgd } from '../../src/index.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

function standardize(rows: number[][]): number[][] {
  const cols = rows[0].length;
  const mean = Array.from({ length: cols }, (_, c) => rows.reduce((s, r) => s + r[c], 0) / rows.length);
  const std = mean.map((m, c) => Math.sqrt(rows.reduce((s, r) => s + (r[c] - m) ** 2, 0) / rows.length));
  return rows.map((r) => r.map((v, c) => (v - mean[c]) / std[c]));
}

/** Iris, standardized and split 120 / 30 by a fixed permutation (the file is ordered by species). */
function irisSplit() {
  const { inputs, oneHot } = irisData();
  const x = standardize(inputs);
  const order = Int32Array.from({ length: 150 }, (_, i) => i);
  new Random(17).shuffle(order);
  const pick = (rows: number[][], from: number, to: number) => Array.from(order.subarray(from, to), (i) => rows[i]);
  return { train: [pick(x, 0, 120), pick(oneHot, 0, 120)] as const, validation: [pick(x, 120, 150), pick(oneHot, 120, 150)] as const };
}

describe.each(['wasm', 'js'] as const)('learning (%s backend)', (backend) => {
  it('Iris reaches ≥ 96% validation accuracy with softmax + categorical cross-entropy + Adam', async () => {
    const { train, validation } = irisSplit();
    const net = sequential({
      inputSize: 4, layers: [dense(16, { activation: 'relu' }), dense(3, { activation: 'softmax' })],
      loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.01 }), seed: 5, backend,
    });
    const history = await net.fit(train[0], train[1], { epochs: 150, batchSize: 16, validationData: validation, metrics: ['accuracy'] });
    expect(history.valAccuracy!.at(-1)).toBeGreaterThanOrEqual(0.96);
    expect(history.accuracy!.at(-1)).toBeGreaterThanOrEqual(0.96);
    expect(net.evaluate(validation[0], validation[1], { metrics: ['accuracy'] }).accuracy).toBe(history.valAccuracy!.at(-1));
    net.dispose();
  });

  it('a noisy sine is fitted to MSE < 0.02 (the noise alone is 0.01)', () => {
    const random = new Random(3);
    const x = Array.from({ length: 200 }, () => [random.uniform(-Math.PI, Math.PI)]);
    const noise = () => (random.next() + random.next() + random.next() - 1.5) * 0.2; // ≈ N(0, 0.1²)
    const t = x.map(([v]) => [Math.sin(v) + noise()]);
    const net = sequential({
      inputSize: 1, layers: [dense(24, { activation: 'tanh' }), dense(24, { activation: 'tanh' }), dense(1)],
      loss: 'mse', optimizer: adam({ learningRate: 0.01 }), seed: 2, backend,
    });
    net.fitSync(x, t, { epochs: 300, batchSize: 20 });
    const clean = x.map(([v]) => [Math.sin(v)]);
    expect(net.evaluate(x, t).loss).toBeLessThan(0.02);
    expect(net.evaluate(x, clean).loss).toBeLessThan(0.01);
    net.dispose();
  });
});

describe('validation, metrics and callbacks', () => {
  const x = Array.from({ length: 40 }, (_, i) => [Math.sin(i), Math.cos(i)]);
  const t = x.map(([a, b]) => [a * b > 0 ? 1 : 0]);
  const build = () => sequential({
    inputSize: 2, layers: [dense(6, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
    loss: 'binaryCrossentropy', optimizer: sgd({ learningRate: 0.5 }), seed: 4,
  });

  it('validationSplit holds out the last samples; logs and history carry loss, valLoss and accuracies', () => {
    const net = build();
    const logs: Record<string, number>[] = [];
    const history = net.fitSync(x, t, { epochs: 3, batchSize: 8, validationSplit: 0.25, metrics: ['accuracy'], onEpochEnd: (_, l) => { logs.push(l as never); } });
    expect(Object.keys(logs[0]).sort()).toEqual(['accuracy', 'gradientNorms', 'loss', 'valAccuracy', 'valLoss']);
    expect(history.valLoss).toEqual(logs.map((l) => l.valLoss));
    expect(history.valLoss!.at(-1)).toBeCloseTo(net.evaluate(x.slice(30), t.slice(30)).loss, 6);
    expect(history.accuracy!.at(-1)).toBe(net.evaluate(x.slice(0, 30), t.slice(0, 30), { metrics: ['accuracy'] }).accuracy);
    net.dispose();
  });

  it('onBatchEnd sees every batch, onTrainEnd the history, once', async () => {
    const net = build();
    const batches: number[] = [];
    let ended = 0;
    const history = await net.fit(x, t, { epochs: 2, batchSize: 16, onBatchEnd: (b) => { batches.push(b); }, onTrainEnd: (h) => { ended++; expect(h.epochs).toBe(2); } });
    expect(batches).toEqual([0, 1, 2, 0, 1, 2]);
    expect(ended).toBe(1);
    expect(history.epochs).toBe(2);
    net.dispose();
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', () => {
    const random = new Random(9);
    // Few, noisy samples and a big network: validation loss soon rises while training loss falls.
    const xs = Array.from({ length: 24 }, () => [random.uniform(-1, 1), random.uniform(-1, 1)]);
    const ts = xs.map(([a]) => [a > 0 ? 1 : 0]).map(([v], i) => [i % 4 === 0 ? 1 - v : v]);
    const net = sequential({
      inputSize: 2, layers: [dense(64, { activation: 'relu' }), dense(64, { activation: 'relu' }), dense(1, { activation: 'sigmoid' })],
      loss: 'binaryCrossentropy', optimizer: adam({ learningRate: 0.02 }), seed: 1,
    });
    const history = net.fitSync(xs, ts, { epochs: 400, batchSize: 4, validationSplit: 0.5, earlyStopping: { patience: 5 } });
    expect(history.stoppedEarly).toBe(true);
    expect(history.epochs).toBeLessThan(400);
    expect(history.epochs).toBe(history.bestEpoch! + 1 + 5);
    const best = Math.min(...history.valLoss!);
    expect(history.valLoss![history.bestEpoch!]).toBe(best);
    expect(net.evaluate(xs.slice(12), ts.slice(12)).loss).toBeCloseTo(best, 6);
    net.dispose();
  });

  it('bad options name the field', () => {
    const net = build();
    expect(() => net.fitSync(x, t, { validationSplit: 1.5 })).toThrow(/options.validationSplit must be a number between 0 and 1/);
    expect(() => net.fitSync(x, t, { validationData: [x, t.slice(1)] as never })).toThrow(/validationData must have as many inputs as targets, got 40 and 39/);
    expect(() => net.fitSync(x, t, { earlyStopping: { monitor: 'valLoss' } })).toThrow(/monitor is "valLoss", which needs validationData or validationSplit/);
    expect(() => net.fitSync(x, t, { metrics: ['f1'] as never })).toThrow(/options.metrics must be an array of metric names \("accuracy"\)/);
    expect(() => net.fitSync(x, t, { validationData: [x, t], validationSplit: 0.2 })).toThrow(/validationSplit must be absent when options.validationData is given/);
    net.dispose();
  });
});
