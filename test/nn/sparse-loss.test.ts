/**
 * The class-index loss 'sparseCategoricalCrossentropy' (src/nn/targets.ts,
 * CLASS_INDEX_LOSS_TABLE in src/backend/kinds.ts): on both backends it
 * trains, evaluates and differentiates bit for bit as
 * 'categoricalCrossentropy' on one-hot rows built here by hand; accuracy
 * agrees with an argmax computed here; bad indices are refused naming the
 * sample, with nothing changed; a non-softmax last layer is refused; the
 * loss survives model files, JSON and TF.js import.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  dense, fromBytes, fromJSON, fromTfjs, isWasmgradError, sequential, sgd, adam, toBytes, toTfjs, type FitOptions, type Loss, type Network, type Optimizer,
} from '../../src/index.js';
import { targetsToMatrix } from '../../src/nn/targets.js';
import { Random } from '../../src/random.js';
import { currentPaths } from '../../src/nn/paths.js';
import { initFromBuild, referenceForward, referenceLoss, type ReferenceLayer } from '../helpers.js';

beforeAll(async () => { await initFromBuild(); });

const BACKENDS = ['wasm', 'js'] as const;
const CLASSES = 4;

/** Seeded inputs and class indices: the class depends on the inputs, so training can learn it. */
function data(rows: number, inputSize: number, seed = 11) {
  const random = new Random(seed);
  const x = Array.from({ length: rows }, () => Array.from({ length: inputSize }, () => random.uniform(-1, 1)));
  const labels = x.map((row) => (row[0] > 0 ? 1 : 0) + (row[1] > 0 ? 2 : 0));
  // One-hot rows written out here, independently of the library's expansion.
  const oneHot = labels.map((c) => Array.from({ length: CLASSES }, (_, j) => (j === c ? 1 : 0)));
  return { x, labels, oneHot };
}

/** Two nets alike but for the loss: `hidden` ≤ 16 takes the narrow path on wasm, wider the general one. */
function pair(backend: 'wasm' | 'js', hidden: number, optimizer: () => Optimizer = () => adam({ learningRate: 0.02 })): [Network, Network] {
  const build = (loss: Loss) => sequential({
    inputSize: 3, loss, optimizer: optimizer(), seed: 42, backend,
    layers: [dense(hidden, { activation: 'tanh' }), dense(CLASSES, { activation: 'softmax' })],
  });
  return [build('sparseCategoricalCrossentropy'), build('categoricalCrossentropy')];
}

const bits = (values: number[]) => Array.from(new Uint32Array(new Float32Array(values).buffer));
const flatWeights = (net: Network) => bits(net.getWeights().flatMap((l) => [...l.weights.flat(), ...l.bias]));
const flatGradients = (layers: ReturnType<Network['gradients']>) => bits(layers.flatMap((l) => [...l.weights.flat(), ...l.bias]));

describe('bit for bit as categoricalCrossentropy on one-hot rows', () => {
  for (const backend of BACKENDS) {
    for (const hidden of [8, 40]) {
      it(`${backend}, hidden ${hidden}: fitSync with metrics and validation, evaluate, gradients, weights, JSON`, () => {
        const [sparse, onehot] = pair(backend, hidden);
        const train = data(37, 3), val = data(9, 3, 12);
        try {
          if (backend === 'wasm') expect(currentPaths(sparse)).toEqual(currentPaths(onehot));
          if (backend === 'wasm') expect(currentPaths(sparse)).toEqual(hidden <= 16 ? ['narrow'] : []);
          const options = (targets: unknown): FitOptions => ({
            epochs: 4, batchSize: 5, metrics: ['accuracy'], validationData: [val.x, targets], onWarning: () => {},
          });
          const hs = sparse.fitSync(train.x, train.labels, options(val.labels));
          const ho = onehot.fitSync(train.x, train.oneHot, options(val.oneHot));
          expect(hs).toEqual(ho);
          expect(flatWeights(sparse)).toEqual(flatWeights(onehot));
          expect(sparse.evaluate(val.x, val.labels, { metrics: ['accuracy'] })).toEqual(onehot.evaluate(val.x, val.oneHot, { metrics: ['accuracy'] }));
          expect(flatGradients(sparse.gradients(train.x, train.labels))).toEqual(flatGradients(onehot.gradients(train.x, train.oneHot)));
          const js = sparse.toJSON(), jo = onehot.toJSON();
          expect(js.loss).toBe('sparseCategoricalCrossentropy');
          expect(js.weights).toEqual(jo.weights);
          expect(js.optimizerState).toEqual(jo.optimizerState);
        } finally {
          sparse.dispose();
          onehot.dispose();
        }
      });
    }

    it(`${backend}: many epochs per kernel call (no callbacks), validationSplit, and async fit`, async () => {
      const [sparse, onehot] = pair(backend, 8, () => sgd({ learningRate: 0.1, momentum: 0.9 }));
      const train = data(24, 3);
      try {
        expect(sparse.fitSync(train.x, train.labels, { epochs: 30, batchSize: 4 })).toEqual(onehot.fitSync(train.x, train.oneHot, { epochs: 30, batchSize: 4 }));
        const split = { epochs: 3, batchSize: 6, validationSplit: 0.25, metrics: ['accuracy'] } as FitOptions;
        expect(await sparse.fit(train.x, train.labels, split)).toEqual(await onehot.fit(train.x, train.oneHot, split));
        expect(flatWeights(sparse)).toEqual(flatWeights(onehot));
      } finally {
        sparse.dispose();
        onehot.dispose();
      }
    });
  }

  it('every accepted index form gives the same bits: number[], Int32Array, Uint8Array, Uint16Array, Float32Array, Float64Array', () => {
    const train = data(20, 3);
    const forms = [train.labels, Int32Array.from(train.labels), Uint8Array.from(train.labels), Uint16Array.from(train.labels),
      Float32Array.from(train.labels), Float64Array.from(train.labels)];
    const results = forms.map((labels) => {
      const [net, other] = pair('wasm', 8);
      other.dispose();
      const history = net.fitSync(train.x, labels, { epochs: 2, batchSize: 4 });
      const weights = flatWeights(net);
      net.dispose();
      return { history, weights };
    });
    for (const r of results.slice(1)) expect(r).toEqual(results[0]);
  });
});

describe('targetsToMatrix', () => {
  it('expands each index to its one-hot row; other losses keep their rows', () => {
    const m = targetsToMatrix('t', 'ys', 'sparseCategoricalCrossentropy', new Uint8Array([2, 0, 1]), 3);
    expect(m.rows).toBe(3);
    expect(m.cols).toBe(3);
    expect(Array.from(m.data)).toEqual([0, 0, 1, 1, 0, 0, 0, 1, 0]);
    const rows = targetsToMatrix('t', 'ys', 'categoricalCrossentropy', [[0, 1], [1, 0]], 2);
    expect(Array.from(rows.data)).toEqual([0, 1, 1, 0]);
  });

  it('class indices given to categoricalCrossentropy: the error names the loss that takes them', () => {
    const [sparse, onehot] = pair('wasm', 5);
    sparse.dispose();
    expect(() => onehot.fitSync(data(4, 3).x, [0, 1, 2, 3])).toThrow(
      'Network.fitSync: targets[0] must be a row of 4 numbers (loss "categoricalCrossentropy" takes one-hot rows; '
      + 'for one class index per sample use loss "sparseCategoricalCrossentropy"), got 0');
    expect(onehot.epochsTrained).toBe(0);
    onehot.dispose();
  });
});

describe('the loss and accuracy against independent computations', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: evaluate's loss is the float64 mean of -ln y_c; accuracy is the share of argmax = c`, () => {
      const [net, other] = pair(backend, 6);
      other.dispose();
      const { x, labels } = data(30, 3);
      net.fitSync(x, labels, { epochs: 5, batchSize: 6 });
      const reference: ReferenceLayer[] = net.getWeights().map((l, i) => ({ ...l, activation: net.layers[i].activation }));
      const result = net.evaluate(x, labels, { metrics: ['accuracy'] });
      expect(result.loss).toBeCloseTo(referenceLoss(reference, x, labels.map((c) => [c]), 'sparseCategoricalCrossentropy'), 5);
      const argmax = (row: number[]) => row.indexOf(Math.max(...row));
      const correct = x.filter((row, i) => argmax(referenceForward(reference, row).at(-1)!) === labels[i]).length;
      expect(result.accuracy).toBe(correct / x.length);
      expect(correct).toBeGreaterThan(0);
      net.dispose();
    });
  }
});

describe('bad targets are refused naming the sample, and nothing changes', () => {
  const cases: [string, unknown, RegExp][] = [
    ['an index past the last class', [0, 1, 4, 2], /targets\[2\] must be a class index: an integer from 0 to 3 \(the last layer has 4 units\), got 4/],
    ['a negative index', new Int32Array([0, -1, 2, 3]), /targets\[1\] .* got -1/],
    ['a fraction', new Float32Array([0, 1, 2, 1.5]), /targets\[3\] .* got 1\.5/],
    ['NaN', [0, NaN, 1, 1], /targets\[1\] .* got NaN/],
    ['a hole', [0, 1, , 3], /targets\[2\]/],
    ['a string', [0, '1', 2, 3], /targets\[1\] .* got "1"/],
    ['one-hot rows', [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], /targets\[0\] .*for one-hot rows use "categoricalCrossentropy"/],
    ['an empty array', [], /targets must be a non-empty array of class indices/],
    ['not an array', 3, /targets must be a non-empty array of class indices/],
    ['too few samples', [0, 1, 2], /same number of samples, got 4 inputs and 3 targets/],
  ];
  const x = data(4, 3).x;
  for (const backend of BACKENDS) {
    for (const [what, targets, message] of cases) {
      it(`${backend}: ${what}`, () => {
        const [net, twin] = pair(backend, 5);
        try {
          const before = flatWeights(net), json = JSON.stringify(net.toJSON());
          for (const call of [() => net.fitSync(x, targets as number[]), () => net.evaluate(x, targets as number[]), () => net.gradients(x, targets as number[])]) {
            let error: unknown;
            try { call(); } catch (e) { error = e; }
            expect(isWasmgradError(error), String(error)).toBe(true);
            expect((error as Error).message).toMatch(message);
          }
          expect(flatWeights(net)).toEqual(before);
          expect(JSON.stringify(net.toJSON())).toBe(json);
          expect(net.epochsTrained).toBe(0);
          // Not even the shuffle stream moved: the next fit is the one a fresh network makes.
          const good = [0, 1, 2, 3];
          expect(net.fitSync(x, good, { epochs: 2, batchSize: 2 })).toEqual(twin.fitSync(x, [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]], { epochs: 2, batchSize: 2 }));
          expect(flatWeights(net)).toEqual(flatWeights(twin));
        } finally {
          net.dispose();
          twin.dispose();
        }
      });
    }
  }

  it('validationData: its targets are class indices too, named as options.validationData[1][i]', () => {
    const [net, other] = pair('wasm', 5);
    other.dispose();
    expect(() => net.fitSync(x, [0, 1, 2, 3], { validationData: [x, [0, 1, 9, 3]] })).toThrow(/options\.validationData\[1\]\[2\] must be a class index/);
    expect(net.epochsTrained).toBe(0);
    net.dispose();
  });
});

describe('the last layer must be softmax', () => {
  it('sequential refuses another activation, naming the loss and the layer', () => {
    for (const activation of ['sigmoid', 'linear', 'relu'] as const) {
      let error: unknown;
      try {
        sequential({ inputSize: 2, loss: 'sparseCategoricalCrossentropy', layers: [dense(3), dense(2, { activation })] });
      } catch (e) { error = e; }
      expect(isWasmgradError(error, 'WASMGRAD_INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toBe(`sequential: config.loss "sparseCategoricalCrossentropy" needs a softmax last layer (its outputs are the class `
        + `probabilities the class indices pick from), but config.layers[1].activation is "${activation}"`);
    }
  });

  it('so do fromJSON and fromTfjs', () => {
    const net = sequential({ inputSize: 2, loss: 'l2', seed: 1, layers: [dense(3), dense(2, { activation: 'sigmoid' })] });
    const json = { ...net.toJSON(), loss: 'sparseCategoricalCrossentropy' };
    expect(() => fromJSON(json)).toThrow(/needs a softmax last layer/);
    const { modelJson, weightData } = toTfjs(net);
    expect(() => fromTfjs(modelJson, weightData, { loss: 'sparseCategoricalCrossentropy' })).toThrow(/needs a softmax last layer/);
    net.dispose();
  });
});

describe('saved and loaded', () => {
  /** A trained network, and a function that checks a copy continues training with the same bits. */
  function trained() {
    const [net, other] = pair('wasm', 6);
    other.dispose();
    const { x, labels } = data(16, 3);
    net.fitSync(x, labels, { epochs: 2, batchSize: 4 });
    const continues = (copy: Network) => {
      expect(copy.loss).toBe('sparseCategoricalCrossentropy');
      expect(flatWeights(copy)).toEqual(flatWeights(net));
      expect(copy.evaluate(x, labels)).toEqual(net.evaluate(x, labels));
    };
    return { net, x, labels, continues };
  }

  it('toBytes/fromBytes and toJSON/fromJSON keep the loss, the weights and the optimizer state', () => {
    const { net, x, labels, continues } = trained();
    for (const copy of [fromBytes(toBytes(net)), fromJSON(JSON.parse(JSON.stringify(net.toJSON())))]) {
      continues(copy);
      // The optimizer state came along: a further epoch matches. (The copy's shuffle stream starts afresh, so no shuffle.)
      const options = { epochs: 1, batchSize: 4, shuffle: false } as const;
      const probe = fromJSON(net.toJSON());
      expect(copy.fitSync(x, labels, options)).toEqual(probe.fitSync(x, labels, options));
      expect(flatWeights(copy)).toEqual(flatWeights(probe));
      copy.dispose();
      probe.dispose();
    }
    net.dispose();
  });

  it('TF.js: the export is the softmax Dense stack (model.json has no loss); fromTfjs({ loss }) gives it back', () => {
    const { net, continues } = trained();
    const { modelJson, weightData } = toTfjs(net);
    const layers = modelJson.modelTopology.config.layers;
    expect((layers.at(-1)!.config as { activation: string }).activation).toBe('softmax');
    expect(JSON.stringify(modelJson)).not.toMatch(/loss/i);
    const back = fromTfjs(modelJson, weightData, { loss: 'sparseCategoricalCrossentropy' });
    continues(back);
    back.dispose();
    net.dispose();
  });
});
