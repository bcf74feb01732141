/** Networks that learn: XOR, Iris, and bit-for-bit reproducibility from a seed. */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, sgd } from '../../src/index.js';
import { irisData } from '../../src/data/iris.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const XOR_INPUTS = [[0, 0], [0, 1], [1, 0], [1, 1]];
const XOR_TARGETS = [[0], [1], [1], [0]];

function standardize(rows: number[][]): number[][] {
  const cols = rows[0].length;
  const mean = Array.from({ length: cols }, (_, c) => rows.reduce((s, r) => s + r[c], 0) / rows.length);
  const std = mean.map((m, c) => Math.sqrt(rows.reduce((s, r) => s + (r[c] - m) ** 2, 0) / rows.length));
  return rows.map((r) => r.map((v, c) => (v - mean[c]) / std[c]));
}

const argmax = (row: number[]) => row.indexOf(Math.max(...row));

describe.each(['wasm', 'js'] as const)('learning (%s backend)', (backend) => {
  it('learns XOR with a 2-3-1 sigmoid network', async () => {
    const net = sequential({
      inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(1, { activation: 'sigmoid' })],
      optimizer: sgd({ learningRate: 2 }), seed: 3, backend,
    });
    const history = await net.fit(XOR_INPUTS, XOR_TARGETS, { epochs: 3000, batchSize: 4 });
    expect(history.epochs).toBe(3000);
    expect(history.loss.at(-1)!).toBeLessThan(0.005);
    net.predict(XOR_INPUTS).forEach(([y], i) => expect(Math.round(y)).toBe(XOR_TARGETS[i][0]));
    net.dispose();
  });

  it('reaches ≥ 95% training accuracy on Iris with one-hot sigmoid outputs', () => {
    const { inputs, labels, oneHot } = irisData();
    const x = standardize(inputs);
    const net = sequential({
      inputSize: 4, layers: [dense(8, { activation: 'sigmoid' }), dense(3, { activation: 'sigmoid' })],
      optimizer: sgd({ learningRate: 1 }), seed: 11, backend,
    });
    const history = net.fitSync(x, oneHot, { epochs: 200, batchSize: 10 });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0] / 5);
    const correct = net.predict(x).filter((y, i) => argmax(y) === labels[i]).length;
    expect(correct / 150).toBeGreaterThanOrEqual(0.95);
    net.dispose();
  });

  it('same seed, same data → bit-identical weights; another seed → different ones', async () => {
    const { inputs, oneHot } = irisData();
    const train = async (seed: number) => {
      const net = sequential({
        inputSize: 4, layers: [dense(6, { activation: 'tanh' }), dense(3, { activation: 'sigmoid' })],
        optimizer: sgd({ learningRate: 0.1 }), seed, backend,
      });
      net.fitSync(inputs, oneHot, { epochs: 5, batchSize: 7, shuffle: true });
      await net.fit(inputs, oneHot, { epochs: 2, batchSize: 16 });
      const weights = net.getWeights();
      net.dispose();
      return weights;
    };
    const first = await train(123);
    expect(await train(123)).toEqual(first);
    expect(await train(124)).not.toEqual(first);
  });
});
