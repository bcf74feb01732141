/** Saving and loading: the JSON round trip is exact and keeps training deterministic. */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, fromJSON, sequential, sgd } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

describe('toJSON / fromJSON', () => {
  const X = [[0.1, 0.2, 0.3], [1, -1, 0.5], [0, 0, 0]];
  const T = [[1, 0], [0, 1], [0.5, 0.5]];
  const build = () => sequential({
    inputSize: 3, layers: [dense(5, { activation: 'relu' }), dense(4, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })],
    optimizer: sgd({ learningRate: 0.3 }), seed: 77,
  });

  it('writes a versioned, self-describing document', () => {
    const net = build();
    const json = net.toJSON();
    expect(json).toMatchObject({
      format: 'wasmgrad-network', version: 1, inputSize: 3, loss: 'l2', seed: 77,
      optimizer: { type: 'sgd', learningRate: 0.3 },
      layers: [{ type: 'dense', units: 5, activation: 'relu' }, { type: 'dense', units: 4, activation: 'tanh' }, { type: 'dense', units: 2, activation: 'sigmoid' }],
    });
    expect(json.weights.map((w) => [atob(w.weights).length, atob(w.bias).length])).toEqual([[60, 20], [80, 16], [32, 8]]);
    net.dispose();
  });

  it.each(['object', 'text'])('round-trips weights bit for bit (%s form) and predicts identically', (form) => {
    const net = build();
    net.fitSync(X, T, { epochs: 3, batchSize: 2 });
    const json = net.toJSON();
    const copy = fromJSON(form === 'text' ? JSON.stringify(json) : json);
    expect(copy.getWeights()).toEqual(net.getWeights());
    expect(copy.predict(X)).toEqual(net.predict(X));
    expect(copy.toJSON()).toEqual(json);
    net.dispose();
    copy.dispose();
  });

  it('loads onto the other backend on request', () => {
    const net = build();
    const copy = fromJSON(net.toJSON(), { backend: 'js' });
    expect(copy.backend).toBe('js');
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.dispose();
    copy.dispose();
  });
});
