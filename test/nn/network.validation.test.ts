/**
 * Bad input: a thrown error that names the argument and what was expected,
 * and no change to the network (weights, later training) or to the heap.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, fromJSON, sequential, sgd, type Network } from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const build = () => sequential({
  inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })],
  optimizer: sgd({ learningRate: 0.5 }), seed: 5,
});
const X = [[0, 1], [1, 0], [0.5, 0.5]];
const T = [[1, 0], [0, 1], [0.5, 0.5]];

/** Asserts `action` throws a message matching every pattern, leaving weights and heap as they were. */
function expectRejected(net: Network, action: () => unknown, ...patterns: RegExp[]) {
  const weights = net.getWeights();
  const { liveBytes, memoryBytes, liveBlocks } = runtime().heap;
  let message = '';
  try {
    action();
  } catch (error) {
    message = (error as Error).message;
  }
  expect(message, 'it should throw').not.toBe('');
  for (const pattern of patterns) expect(message).toMatch(pattern);
  expect(net.getWeights()).toEqual(weights);
  expect(runtime().heap.liveBytes).toBe(liveBytes);
  expect(runtime().heap.liveBlocks).toBe(liveBlocks);
  expect(runtime().heap.memoryBytes).toBe(memoryBytes);
}

describe('data errors name the argument, the row and what was expected', () => {
  const cases: [string, (net: Network) => unknown, RegExp[]][] = [
    ['a row of the wrong length', (n) => n.fitSync([[0, 1], [1]], [[1, 0], [0, 1]]), [/inputs\[1\]/, /1 values/, /expected 2/]],
    ['a target row of the wrong length', (n) => n.evaluate(X, [[1, 0], [0, 1], [1]]), [/targets\[2\]/, /expected 2/]],
    ['different sample counts', (n) => n.fitSync(X, T.slice(0, 2)), [/same number of samples/, /3 inputs and 2 targets/]],
    ['NaN in inputs', (n) => n.fitSync([[0, NaN], [1, 0], [0, 0]], T), [/inputs\[0\]\[1\]/, /finite number/, /NaN/]],
    ['Infinity in targets', (n) => n.gradients(X, [[1, 0], [0, Infinity], [0, 0]]), [/targets\[1\]\[1\]/, /Infinity/]],
    ['NaN in a Float32Array', (n) => n.predict(new Float32Array([0, 1, NaN, 0])), [/inputs\[2\]/, /row 1, column 0/]],
    ['a Float32Array of the wrong length', (n) => n.predict(new Float32Array(5)), [/multiple of 2/, /length 5/]],
    ['no rows', (n) => n.predict([]), [/inputs/, /non-empty/]],
    ['not an array', (n) => n.predict('0,1' as never), [/inputs/, /number\[\]\[\]/]],
    ['a non-number value', (n) => n.predict([[0, '1']] as never), [/inputs\[0\]\[1\]/, /finite number/, /"1"/]],
    ['batchSize 0', (n) => n.fitSync(X, T, { batchSize: 0 }), [/options.batchSize/, /positive integer/, /got 0/]],
    ['epochs -1', (n) => n.fitSync(X, T, { epochs: -1 }), [/options.epochs/, /positive integer/]],
    ['a fractional batch size', (n) => n.fitSync(X, T, { batchSize: 2.5 }), [/options.batchSize/, /2.5/]],
    ['an unknown fit option', (n) => n.fitSync(X, T, { epoch: 3 } as never), [/options.epoch\b/, /not a known option/]],
    ['setWeights with a wrong count of layers', (n) => n.setWeights([{ weights: [[1, 2, 3], [4, 5, 6]], bias: [0, 0, 0] }]), [/layers/, /2 \{ weights, bias \}/]],
    ['setWeights with a wrongly shaped matrix', (n) => n.setWeights([
      { weights: [[1, 2, 3]], bias: [0, 0, 0] }, { weights: [[1, 2], [3, 4], [5, 6]], bias: [0, 0] },
    ]), [/layers\[0\].weights/, /2 rows/]],
    ['setWeights with NaN in a later layer', (n) => n.setWeights([
      { weights: [[1, 2, 3], [4, 5, 6]], bias: [0, 0, 0] }, { weights: [[1, 2], [3, NaN], [5, 6]], bias: [0, 0] },
    ]), [/layers\[1\].weights\[1\]\[1\]/, /finite/]],
    ['setWeights with a short bias', (n) => n.setWeights([
      { weights: [[1, 2, 3], [4, 5, 6]], bias: [0, 0] }, { weights: [[1, 2], [3, 4], [5, 6]], bias: [0, 0] },
    ]), [/layers\[0\].bias/, /expected 3/]],
  ];
  it.each(cases)('%s', (_, action, patterns) => {
    const net = build();
    expectRejected(net, () => action(net), ...patterns);
    // The network still trains exactly like an untouched twin.
    const twin = build();
    net.fitSync(X, T, { epochs: 2, batchSize: 2 });
    twin.fitSync(X, T, { epochs: 2, batchSize: 2 });
    expect(net.getWeights()).toEqual(twin.getWeights());
    net.dispose();
    twin.dispose();
  });
});

describe('definition errors name the field and the choices', () => {
  const cases: [string, () => unknown, RegExp[]][] = [
    ['an unknown activation', () => dense(3, { activation: 'softsign' as never }), [/options.activation/, /"sigmoid"/, /"softsign"/]],
    ['layer size 0', () => dense(0), [/units/, /positive integer/, /got 0/]],
    ['a negative layer size', () => dense(-4), [/units/, /-4/]],
    ['learning rate 0', () => sgd({ learningRate: 0 }), [/learningRate/, /positive finite/]],
    ['a negative learning rate', () => sgd({ learningRate: -0.1 }), [/learningRate/, /-0.1/]],
    ['a NaN learning rate', () => sgd({ learningRate: NaN }), [/learningRate/, /NaN/]],
    ['an unknown loss', () => sequential({ inputSize: 2, layers: [dense(1)], loss: 'hinge' as never }), [/config.loss/, /"l2"/, /"hinge"/]],
    ['an unknown backend', () => sequential({ inputSize: 2, layers: [dense(1)], backend: 'gpu' as never }), [/config.backend/, /"wasm", "js"/]],
    ['inputSize 0', () => sequential({ inputSize: 0, layers: [dense(1)] }), [/config.inputSize/, /positive integer/]],
    ['no layers', () => sequential({ inputSize: 2, layers: [] }), [/config.layers/, /non-empty/]],
    ['a hand-written layer with size 0', () => sequential({ inputSize: 2, layers: [{ type: 'dense', units: 0, activation: 'relu', initializer: 'heUniform', dropout: 0 }] }), [/config.layers\[0\].units/]],
    ['a misspelt field', () => sequential({ inputSize: 2, layers: [dense(1)], learningRate: 0.1 } as never), [/config.learningRate/, /known fields/]],
    ['a bad seed', () => sequential({ inputSize: 2, layers: [dense(1)], seed: -1 }), [/config.seed/, /integer/]],
  ];
  it.each(cases)('%s', (_, action, patterns) => {
    const { liveBytes } = runtime().heap;
    let message = '';
    try { action(); } catch (error) { message = (error as Error).message; }
    for (const pattern of patterns) expect(message).toMatch(pattern);
    expect(runtime().heap.liveBytes).toBe(liveBytes);
  });
});

describe('a disposed network', () => {
  it('throws on every use, naming the method', () => {
    const net = build();
    net.dispose();
    expect(net.disposed).toBe(true);
    expect(() => net.predict(X)).toThrow(/Network.predict: this network has been disposed/);
    expect(() => net.fitSync(X, T)).toThrow(/Network.fitSync: .*disposed/);
    expect(() => net.getWeights()).toThrow(/Network.getWeights: .*disposed/);
    expect(() => net.toJSON()).toThrow(/disposed/);
    expect(() => net.gradients(X, T)).toThrow(/disposed/);
    expect(() => net.evaluate(X, T)).toThrow(/disposed/);
    expect(() => net.setWeights([])).toThrow(/disposed/);
    return expect(net.fit(X, T)).rejects.toThrow(/Network.fit: .*disposed/);
  });

  it('dispose is idempotent', () => {
    const net = build();
    net.dispose();
    expect(() => net.dispose()).not.toThrow();
  });
});

describe('malformed model JSON is refused before anything is built', () => {
  const good = () => {
    const net = build();
    const json = net.toJSON();
    net.dispose();
    return json;
  };
  const cases: [string, (json: Record<string, any>) => unknown, RegExp[]][] = [
    ['text that is not JSON', () => '{"format": ', [/not valid JSON/]],
    ['not an object', () => 42, [/json must be an object/]],
    ['a wrong format tag', (j) => ({ ...j, format: 'keras' }), [/json.format/, /"wasmgrad-network"/]],
    ['an unknown version', (j) => ({ ...j, version: 99 }), [/json.version/, /99/]],
    ['a missing inputSize', (j) => ({ ...j, inputSize: undefined }), [/inputSize/, /positive integer/]],
    ['an unknown activation', (j) => ({ ...j, layers: [j.layers[0], { ...j.layers[1], activation: 'swish' }] }), [/layers\[1\].activation/, /"swish"/]],
    ['a missing weights entry', (j) => ({ ...j, weights: j.weights.slice(0, 1) }), [/json.weights/, /2 \{ weights, bias \}/]],
    ['truncated weights', (j) => ({ ...j, weights: [{ ...j.weights[0], weights: j.weights[0].weights.slice(0, 16) }, j.weights[1]] }), [/json.weights\[0\].weights/, /holds 3 float32 values, expected 6/]],
    ['weights cut mid-value', (j) => ({ ...j, weights: [{ ...j.weights[0], weights: j.weights[0].weights.slice(0, 8) }, j.weights[1]] }), [/json.weights\[0\].weights/, /6 bytes/, /not a whole number of float32/]],
    ['bad base64', (j) => ({ ...j, weights: [{ ...j.weights[0], bias: '@@@' }, j.weights[1]] }), [/json.weights\[0\].bias/, /base64/]],
    ['a NaN weight', (j) => ({ ...j, weights: [j.weights[0], { ...j.weights[1], bias: btoa('\x00\x00\xc0\x7f\x00\x00\x00\x00') }] }), [/json.weights\[1\].bias\[0\]/, /NaN/]],
    ['a bad learning rate', (j) => ({ ...j, optimizer: { type: 'sgd', learningRate: -1 } }), [/optimizer.learningRate/]],
  ];
  it.each(cases)('%s', (_, tamper, patterns) => {
    const json = tamper(good());
    const { liveBytes, liveBlocks } = runtime().heap;
    let message = '';
    try { fromJSON(json); } catch (error) { message = (error as Error).message; }
    expect(message).toMatch(/^fromJSON: /);
    for (const pattern of patterns) expect(message).toMatch(pattern);
    expect(runtime().heap.liveBytes).toBe(liveBytes);
    expect(runtime().heap.liveBlocks).toBe(liveBlocks);
  });
});

describe('predict into a caller buffer', () => {
  it('a NaN anywhere, even past the first chunk of 1,024 rows, leaves `out` untouched', () => {
    const net = build();
    const x = new Float32Array(3000 * 2).fill(0.5);
    x[2500 * 2 + 1] = NaN;
    const out = new Float32Array(3000 * 2).fill(7);
    expect(() => net.predict(x, out)).toThrow(/inputs\[5001\] \(row 2500, column 1\) is NaN/);
    expect(out.every((v) => v === 7)).toBe(true);
    const small = new Float32Array([0, 1, Infinity, 0]);
    const smallOut = new Float32Array(4).fill(7);
    expect(() => net.predict(small, smallOut)).toThrow(/inputs\[2\] \(row 1, column 0\) is Infinity/);
    expect(Array.from(smallOut)).toEqual([7, 7, 7, 7]);
    net.dispose();
  });
});
