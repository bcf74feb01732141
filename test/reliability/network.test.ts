/**
 * Issue 10, the Network class and its training loop: nothing a caller does
 * through Network (dispose from a callback, assignments to its fields, holes,
 * numbers beyond float32, misspelt options) can write outside its own memory,
 * and every refusal is a coded error thrown before anything changes.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  adam, adamw, dense, Network, rmsprop, sequential, sgd, type FitOptions, type LayerWeights,
} from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const X = Array.from({ length: 24 }, (_, i) => [Math.sin(i), Math.cos(i * 0.7)]);
const T = X.map(([a, b]) => [a * b > 0 ? 1 : 0]);
const build = (seed = 3) => sequential({
  inputSize: 2, layers: [dense(6, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })], optimizer: adam({ learningRate: 0.05 }), seed,
});

/** Runs `action` and returns what it threw (or rejected with), failing if it did not. */
async function thrown(action: () => unknown): Promise<Error & { code?: string }> {
  try {
    await action();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected it to throw');
}

function thrownSync(action: () => unknown): Error & { code?: string } {
  try {
    action();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected it to throw');
}

/** An Adam run from scratch: its weights change if anything wrote into the module's static data or the heap's other blocks. */
function adamRun(): LayerWeights[] {
  const net = build(11);
  net.fitSync(X, T, { epochs: 6, batchSize: 5 });
  const weights = net.getWeights();
  net.dispose();
  return weights;
}

describe('1. dispose() during training: fit rejects with WASMGRAD_DISPOSED and writes nothing', () => {
  type Case = [string, (dispose: () => void) => FitOptions];
  const cases: Case[] = [
    ['onEpochEnd, early stopping that restores the best weights, validationSplit',
      (dispose) => ({ epochs: 3, earlyStopping: { patience: 5 }, validationSplit: 0.25, onEpochEnd: (e) => { if (e === 1) dispose(); } })],
    ['onEpochEnd on the last epoch, early stopping (the restore comes next)',
      (dispose) => ({ epochs: 2, earlyStopping: { monitor: 'loss', patience: 9 }, onEpochEnd: (e) => { if (e === 1) dispose(); } })],
    ['onEpochEnd, validationData and metrics',
      (dispose) => ({ epochs: 3, validationData: [X, T], metrics: ['accuracy'], onEpochEnd: () => dispose() })],
    ['onBatchEnd on an epoch\'s last batch, metrics and validationData (the evaluation comes next)',
      (dispose) => ({ epochs: 2, batchSize: 6, metrics: ['accuracy'], validationData: [X, T], onBatchEnd: (b) => { if (b === 3) dispose(); } })],
    ['onBatchEnd mid-epoch, early stopping',
      (dispose) => ({ epochs: 2, batchSize: 4, earlyStopping: {}, onBatchEnd: (b) => { if (b === 1) dispose(); } })],
    ['onWarning, early stopping (the snapshot comes next)',
      (dispose) => ({ epochs: 2, explodingGradientThreshold: 1e-9, earlyStopping: { monitor: 'loss' }, onWarning: () => dispose() })],
    ['onTrainEnd after early stopping restored the best weights',
      (dispose) => ({ epochs: 3, earlyStopping: { monitor: 'loss' }, onTrainEnd: () => dispose() })],
  ];

  let reference: LayerWeights[];
  beforeAll(() => { reference = adamRun(); });

  for (const method of ['fit', 'fitSync'] as const) {
    it.each(cases)(`${method}: %s`, async (_, options) => {
      const sentinel = build(5);
      const sentinelWeights = sentinel.getWeights();
      const victim = build(7);
      let squatter: Network | null = null;
      let squatterWeights: LayerWeights[] = [];
      const fitOptions = options(() => {
        victim.dispose();
        // A new network of the same size is likely to get the freed block: nothing may write into it.
        squatter = build(8);
        squatterWeights = squatter.getWeights();
      });
      const liveBlocks = runtime().heap.liveBlocks;
      const error = await thrown(() => (method === 'fit' ? victim.fit(X, T, fitOptions) : victim.fitSync(X, T, fitOptions)));
      expect(error.code).toBe('WASMGRAD_DISPOSED');
      expect(error.message).toMatch(new RegExp(`Network.${method}: the network was disposed during training`));
      expect(squatter).not.toBeNull();
      expect(squatter!.getWeights()).toEqual(squatterWeights);
      expect(sentinel.getWeights()).toEqual(sentinelWeights);
      // The run's data block is freed, the victim's block went back at dispose, the squatter's is new.
      expect(runtime().heap.liveBlocks).toBe(liveBlocks);
      expect(adamRun()).toEqual(reference);
      sentinel.dispose();
      squatter!.dispose();
    });
  }

  it('a second fit from inside a callback throws WASMGRAD_BUSY, and the first run is unharmed', async () => {
    const net = build(), twin = build();
    const errors: (string | undefined)[] = [];
    net.fitSync(X, T, {
      epochs: 2, batchSize: 6,
      onEpochEnd: () => { errors.push(thrownSync(() => net.fitSync(X, T)).code); },
      onBatchEnd: (b) => { if (b === 0) errors.push(thrownSync(() => net.fitSync(X, T)).code); },
    });
    errors.push((await thrown(() => net.fit(X, T, { onEpochEnd: async () => { await net.fit(X, T); } }))).code);
    twin.fitSync(X, T, { epochs: 2, batchSize: 6 });
    expect(errors).toEqual(['WASMGRAD_BUSY', 'WASMGRAD_BUSY', 'WASMGRAD_BUSY', 'WASMGRAD_BUSY', 'WASMGRAD_BUSY']);
    net.dispose();
    twin.dispose();
  });

  it('predict with more rows than the batch capacity, from onBatchEnd, changes nothing about the run', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => [Math.sin(i), Math.cos(i)]);
    const a = build(), b = build();
    const sentinel = build(5);
    const sentinelWeights = sentinel.getWeights();
    await a.fit(X, T, { epochs: 2, batchSize: 4, earlyStopping: { monitor: 'loss' }, onBatchEnd: () => { a.predict(many); a.evaluate(many, many.map(() => [0])); } });
    await b.fit(X, T, { epochs: 2, batchSize: 4, earlyStopping: { monitor: 'loss' } });
    expect(a.getWeights()).toEqual(b.getWeights());
    expect(sentinel.getWeights()).toEqual(sentinelWeights);
    [a, b, sentinel].forEach((n) => n.dispose());
  });
});

describe('2. internals are off the public class, and a disposed network refuses every use', () => {
  it('completeEpoch, evaluateChecked, snapshotParameters, restoreParameters, trainBatches are unreachable', () => {
    const net = build();
    for (const name of ['completeEpoch', 'evaluateChecked', 'snapshotParameters', 'restoreParameters', 'trainBatches']) {
      expect(name in net, name).toBe(false);
      expect(Object.getOwnPropertyNames(Network.prototype)).not.toContain(name);
    }
    net.dispose();
  });

  it('every public method of a disposed network throws WASMGRAD_DISPOSED', async () => {
    const net = build();
    const weights = net.getWeights();
    net.dispose();
    const calls: Record<string, () => unknown> = {
      predict: () => net.predict(X), predictFloat32: () => net.predict(new Float32Array(2)), evaluate: () => net.evaluate(X, T),
      gradients: () => net.gradients(X, T), fit: () => net.fit(X, T), fitSync: () => net.fitSync(X, T), getWeights: () => net.getWeights(),
      setWeights: () => net.setWeights(weights), toJSON: () => net.toJSON(),
      fitDataset: () => net.fitDataset([{ xs: X, ys: T }]), stopTraining: () => net.stopTraining(), summary: () => net.summary(),
    };
    const methods = Object.getOwnPropertyNames(Network.prototype)
      .filter((name) => typeof Object.getOwnPropertyDescriptor(Network.prototype, name)!.value === 'function')
      .filter((name) => !['constructor', 'dispose'].includes(name));
    expect(methods.filter((name) => !(name in calls)), 'a method this test does not call').toEqual([]);
    for (const [name, call] of Object.entries(calls)) expect((await thrown(call)).code, name).toBe('WASMGRAD_DISPOSED');
  });
});

describe('3. the definition is read-only, and `new Network` checks what it is given', () => {
  it('assignments to inputSize, layers, loss, optimizer, seed, backend throw and change nothing', () => {
    const net = build(), sentinel = build(5);
    const sentinelWeights = sentinel.getWeights();
    const target = net as unknown as Record<string, unknown>;
    for (const [field, value] of [['inputSize', 2000], ['layers', []], ['loss', 'mse'], ['optimizer', sgd()], ['seed', 1], ['backend', 'js']] as const) {
      expect(() => { target[field] = value; }, field).toThrow(TypeError);
    }
    expect(() => { (net.layers as unknown as DenseLike[])[0].units = 2000; }).toThrow(TypeError);
    expect(() => { (net.layers as unknown as DenseLike[]).pop(); }).toThrow(TypeError);
    expect(() => { (net.optimizer as unknown as Record<string, number>).learningRate = 1e6; }).toThrow(TypeError);
    const scheduled = sequential({ inputSize: 1, layers: [dense(1)], optimizer: sgd({ schedule: { type: 'exponential', factor: 0.5 } }) });
    expect(() => { (scheduled.optimizer.schedule as { factor: number }).factor = 1e30; }).toThrow(TypeError);
    expect(net.inputSize).toBe(2);
    expect(net.predict(X.slice(0, 2))).toHaveLength(2);
    expect(sentinel.getWeights()).toEqual(sentinelWeights);
    [net, sentinel, scheduled].forEach((n) => n.dispose());
  });

  it('new Network validates its config, parameters and optimizer state before taking memory', () => {
    const { liveBlocks } = runtime().heap;
    const bad: [() => unknown, string, RegExp][] = [
      [() => new Network({ inputSize: 0, layers: [dense(1)] }), 'WASMGRAD_INVALID_ARGUMENT', /new Network: config.inputSize must be a positive integer/],
      [() => new Network({ inputSize: 2, layers: [] }), 'WASMGRAD_INVALID_ARGUMENT', /config.layers/],
      [() => new Network({ inputSize: 2, layers: [{ units: 3 }] } as never), 'WASMGRAD_INVALID_ARGUMENT', /config.layers\[0\].type/],
      [() => new Network({ inputSize: 2, layers: [dense(1)], optimizer: { type: 'sgd', learningRate: -1 } } as never), 'WASMGRAD_INVALID_ARGUMENT', /config.optimizer.learningRate/],
      [() => new Network({ inputSize: 2, layers: [dense(1)] }, [[new Float32Array(3), new Float32Array(1)]]), 'WASMGRAD_SHAPE', /parameters\[0\]\[0\] holds 3 values, expected 2/],
      [() => new Network({ inputSize: 2, layers: [dense(1)] }, [[new Float32Array([1, Infinity]), new Float32Array(1)]]), 'WASMGRAD_INVALID_ARGUMENT', /parameters\[0\]\[0\]\[1\]/],
      [() => new Network({ inputSize: 2, layers: [dense(1)] }, undefined, { step: -1 }), 'WASMGRAD_INVALID_ARGUMENT', /optimizerState.step/],
      [() => new Network({ inputSize: 2, layers: [dense(1)], optimizer: adam() }, undefined, { step: 1, state2: new Float32Array([0, -1, 0]) }), 'WASMGRAD_INVALID_ARGUMENT', /optimizerState.state2\[1\]/],
      [() => new Network({ inputSize: 2, layers: [dense(1)] }, undefined, { step: 1, state1: new Float32Array(3) }), 'WASMGRAD_INVALID_ARGUMENT', /state1 must be absent/],
    ];
    for (const [action, code, message] of bad) {
      const error = thrownSync(action);
      expect(error.code, error.message).toBe(code);
      expect(error.message).toMatch(message);
    }
    expect(runtime().heap.liveBlocks).toBe(liveBlocks);
    const net = new Network({ inputSize: 2, layers: [dense(1)], seed: 4 });
    expect(net.predict([[1, 2]])).toHaveLength(1);
    net.dispose();
  });

  it('a wasm network under init({ backend: \'js\' }) is refused at construction with WASMGRAD_UNSUPPORTED', async () => {
    vi.resetModules(); // a fresh runtime, initialised without WebAssembly
    const fresh = await import('../../src/index.js');
    await fresh.init({ backend: 'js' });
    const error = thrownSync(() => fresh.sequential({ inputSize: 2, layers: [fresh.dense(1)], backend: 'wasm' }));
    expect(error.code).toBe('WASMGRAD_UNSUPPORTED');
    expect(error.message).toMatch(/sequential: config.backend is "wasm", but init\(\{ backend: 'js' \}\) loaded no WebAssembly/);
    const js = fresh.sequential({ inputSize: 2, layers: [fresh.dense(1)], seed: 1 });
    expect(js.backend).toBe('js');
    js.dispose();
  });
});

type DenseLike = { units: number };

describe('4. holes in sparse arrays are refused by index', () => {
  /* eslint-disable no-sparse-arrays */
  it.each([
    ['a layer', () => sequential({ inputSize: 2, layers: [dense(2), , dense(1)] as never }), /sequential: config.layers\[1\] must be a layer .*empty slot/],
    ['a value in a row', (n: Network) => n.predict([[1, , ]] as never), /Network.predict: inputs\[0\]\[1\] must be a finite number, got an empty slot/],
    ['a row', (n: Network) => n.fitSync([[1, 2], , [3, 4]] as never, [[1], [0], [1]]), /Network.fitSync: inputs\[1\] must be an array of 2 numbers, got an empty slot/],
    ['a target', (n: Network) => n.evaluate([[1, 2]], [[, ]] as never), /targets\[0\]\[0\] .*empty slot/],
    ['a metric', (n: Network) => n.fitSync(X, T, { metrics: [, 'accuracy'] as never }), /options.metrics\[0\] .*empty slot/],
    ['a bias value', (n: Network) => n.setWeights([{ weights: [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1]], bias: [0, , 0, 0, 0, 0] }, n.getWeights()[1]] as never),
      /setWeights: layers\[0\].bias\[1\] .*empty slot/],
  ] as [string, (n: Network) => unknown, RegExp][])('%s', (_, action, message) => {
    const net = build();
    const weights = net.getWeights();
    const error = thrownSync(() => action(net));
    expect(error.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
    expect(net.getWeights()).toEqual(weights);
    net.dispose();
  });
  /* eslint-enable no-sparse-arrays */
});

describe('5. numbers beyond float32 are refused where they enter memory or a setting', () => {
  it('1e39 (finite as a double, Infinity as float32) in weights, biases, inputs and targets', async () => {
    const net = build();
    const weights = net.getWeights();
    const big = structuredClone(weights);
    big[0].weights[1][0] = 1e39;
    const bigBias = structuredClone(weights);
    bigBias[1].bias[0] = -1e39;
    const cases: [() => unknown, RegExp][] = [
      [() => net.setWeights(big), /setWeights: layers\[0\].weights\[1\]\[0\] must be a finite number that float32 can hold .*got 1e\+39/],
      [() => net.setWeights(bigBias), /setWeights: layers\[1\].bias\[0\] must be a finite number that float32 can hold/],
      [() => net.predict([[1e39, 0]]), /predict: inputs\[0\]\[0\]/],
      [() => net.fitSync(X, T.map(() => [1e39])), /fitSync: targets\[0\]\[0\]/],
      [() => net.fit(X, T, { validationData: [[[0, 1e39]], [[1]]] }), /fit: options.validationData\[0\]\[0\]\[1\]/],
      [() => net.evaluate([[0, 0]], [[-1e39]]), /evaluate: targets\[0\]\[0\]/],
      [() => net.gradients([[0, 1e39]], [[1]]), /gradients: inputs\[0\]\[1\]/],
    ];
    for (const [action, message] of cases) {
      const error = await thrown(action);
      expect(error.code, error.message).toBe('WASMGRAD_INVALID_ARGUMENT');
      expect(error.message).toMatch(message);
    }
    expect(net.getWeights()).toEqual(weights);
    // What it holds still saves and loads.
    expect(() => net.toJSON()).not.toThrow();
    net.dispose();
  });

  it('gradients and evaluate that overflow float32 from finite values throw WASMGRAD_DIVERGED instead of returning Infinity', () => {
    const net = sequential({ inputSize: 2, layers: [dense(2), dense(1)], seed: 1 });
    net.setWeights([{ weights: [[1e30, 1e30], [1e30, 1e30]], bias: [0, 0] }, { weights: [[1e30], [1e30]], bias: [0] }]);
    const weights = net.getWeights();
    for (const action of [() => net.gradients([[1e10, 1e10]], [[0]]), () => net.evaluate([[1e10, 1e10]], [[0]])]) {
      const error = thrownSync(action);
      expect(error.code, error.message).toBe('WASMGRAD_DIVERGED');
      expect(error).toBeInstanceOf(RangeError);
      expect(error.message).toMatch(/too large for float32/);
    }
    expect(net.getWeights()).toEqual(weights);
    net.dispose();
  });

  it.each([
    ['learningRate 1e39', () => sgd({ learningRate: 1e39 }), /learningRate/],
    ['learningRate 1e-46 (0 in float32)', () => sgd({ learningRate: 1e-46 }), /learningRate/],
    ['learningRate 1e-40 (subnormal in float32)', () => adam({ learningRate: 1e-40 }), /learningRate/],
    ['epsilon 1e-46', () => adam({ epsilon: 1e-46 }), /epsilon/],
    ['beta2 that rounds to 1', () => adam({ beta2: 0.99999999999 }), /beta2 must be a number in \[0, 1\)/],
    ['momentum that rounds to 1', () => sgd({ momentum: 0.999999999999 }), /momentum/],
    ['rho that rounds to 1', () => rmsprop({ rho: 0.999999999999 }), /rho/],
    ['clipNorm 1e39', () => adam({ clipNorm: 1e39 }), /clipNorm/],
    ['weightDecay 1e39', () => adamw({ weightDecay: 1e39 }), /weightDecay/],
    ['l2 1e-45', () => sgd({ l2: 1e-45 }), /l2/],
    ['a dropout rate that rounds to 1', () => dense(3, { dropout: 0.999999999999 }), /dropout/],
  ])('%s is refused', (_, action, message) => {
    const error = thrownSync(action);
    expect(error.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  it('a schedule whose rate would pass float32\'s range during the fit is refused before any step', () => {
    const net = sequential({ inputSize: 2, layers: [dense(1)], optimizer: sgd({ learningRate: 1e-3, schedule: { type: 'exponential', factor: 1e10 } }), seed: 1 });
    const weights = net.getWeights();
    const error = thrownSync(() => net.fitSync(X, T, { epochs: 10 }));
    expect(error.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(error.message).toMatch(/learning rate of 1e\+87 in epoch 9/);
    expect(net.getWeights()).toEqual(weights);
    expect(net.epochsTrained).toBe(0);
    net.dispose();
  });
});

describe('6. unknown keys and null values in options are refused, naming the key and the known ones', () => {
  it.each([
    ['sgd({ lr })', () => sgd({ lr: 0.1 } as never), /sgd: options.lr must be absent: not a known option \(known options: learningRate, clipNorm, l2, weightDecay, schedule, momentum, nesterov\)/],
    ['adam({ learning_rate })', () => adam({ learning_rate: 0.1 } as never), /adam: options.learning_rate .*known options: learningRate/],
    ['adamw({ beta })', () => adamw({ beta: 0.9 } as never), /adamw: options.beta .*beta1, beta2, epsilon/],
    ['rmsprop({ momentum })', () => rmsprop({ momentum: 0.9 } as never), /rmsprop: options.momentum .*rho, epsilon/],
    ['sgd({ type })', () => sgd({ type: 'adam' } as never), /sgd: options.type must be absent/],
    ['a schedule key', () => sgd({ schedule: { type: 'step', every: 2, factor: 0.5, gamma: 0.1 } as never }), /options.schedule.gamma must be absent: .*known step schedule fields: type, every, factor/],
    ['dense(3, \'relu\')', () => dense(3, 'relu' as never), /dense: options must be an object such as \{ activation: 'relu' \}, got "relu"/],
    ['dense(3, { activaton })', () => dense(3, { activaton: 'relu' } as never), /dense: options.activaton must be absent: .*activation, initializer, dropout/],
    ['a hand-written layer with an extra key', () => sequential({ inputSize: 1, layers: [{ type: 'dense', units: 1, activation: 'relu', bias: false } as never] }), /config.layers\[0\].bias must be absent/],
    ['an earlyStopping key', () => build().fitSync(X, T, { earlyStopping: { patients: 3 } as never }), /options.earlyStopping.patients must be absent/],
    ['an evaluate option', () => build().evaluate(X, T, { metric: ['accuracy'] } as never), /options.metric must be absent/],
    ['learningRate: null', () => sgd({ learningRate: null } as never), /options.learningRate must be .*got null/],
    ['beta1: null', () => adam({ beta1: null } as never), /options.beta1 must be .*got null/],
    ['activation: null', () => dense(2, { activation: null } as never), /options.activation must be one of .*got null/],
    ['dropout: null', () => dense(2, { dropout: null } as never), /options.dropout must be .*got null/],
    ['sgd(null)', () => sgd(null as never), /sgd: options must be an object, got null/],
    ['loss: null', () => sequential({ inputSize: 1, layers: [dense(1)], loss: null } as never), /config.loss must be one of .*got null/],
    ['optimizer: null', () => sequential({ inputSize: 1, layers: [dense(1)], optimizer: null } as never), /config.optimizer must be an object, got null/],
    ['epochs: null', () => build().fitSync(X, T, { epochs: null } as never), /options.epochs must be a positive integer, got null/],
    ['patience: null', () => build().fitSync(X, T, { earlyStopping: { patience: null } } as never), /options.earlyStopping.patience must be .*got null/],
  ])('%s', (_, action, message) => {
    const error = thrownSync(action);
    expect(error.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });
});

describe('7. every error from the network and its training carries a code', () => {
  it.each([
    ['rows of the wrong width', (n: Network) => n.predict([[1, 2, 3]]), 'WASMGRAD_SHAPE', RangeError],
    ['a Float32Array of the wrong length', (n: Network) => n.predict(new Float32Array(3)), 'WASMGRAD_SHAPE', RangeError],
    ['different sample counts', (n: Network) => n.fitSync(X, T.slice(1)), 'WASMGRAD_SHAPE', RangeError],
    ['weights with the wrong rows', (n: Network) => n.setWeights([{ weights: [[1, 1, 1, 1, 1, 1]], bias: [0, 0, 0, 0, 0, 0] }, n.getWeights()[1]]), 'WASMGRAD_SHAPE', RangeError],
    ['a short bias', (n: Network) => n.setWeights([n.getWeights()[0], { weights: [[1], [1], [1], [1], [1], [1]], bias: [] }]), 'WASMGRAD_SHAPE', RangeError],
    ['validation data of mismatched counts', (n: Network) => n.fitSync(X, T, { validationData: [X, T.slice(1)] }), 'WASMGRAD_SHAPE', RangeError],
    ['a validation split that leaves nothing', (n: Network) => n.fitSync(X.slice(0, 2), T.slice(0, 2), { validationSplit: 0.9 }), 'WASMGRAD_INVALID_ARGUMENT', RangeError],
    ['monitoring valLoss without validation data', (n: Network) => n.fitSync(X, T, { earlyStopping: { monitor: 'valLoss' } }), 'WASMGRAD_INVALID_ARGUMENT', RangeError],
    ['a layer of another type', () => sequential({ inputSize: 1, layers: [{ type: 'conv', units: 1, activation: 'relu' } as never] }), 'WASMGRAD_INVALID_ARGUMENT', TypeError],
    ['softmax before the last layer', () => sequential({ inputSize: 1, layers: [dense(2, { activation: 'softmax' }), dense(1)] }), 'WASMGRAD_INVALID_ARGUMENT', RangeError],
    ['dropout on the last layer', () => sequential({ inputSize: 1, layers: [dense(2, { dropout: 0.5 })] }), 'WASMGRAD_INVALID_ARGUMENT', RangeError],
  ] as [string, (n: Network) => unknown, string, ErrorConstructor][])('%s', (_, action, code, kind) => {
    const net = build();
    const error = thrownSync(() => action(net));
    expect(error.code, error.message).toBe(code);
    expect(error).toBeInstanceOf(kind);
    net.dispose();
  });

  it('divergence is WASMGRAD_DIVERGED and keeps the last finite weights', async () => {
    const net = sequential({ inputSize: 1, layers: [dense(1)], optimizer: sgd({ learningRate: 1e30 }), seed: 1 });
    let last: LayerWeights[] = net.getWeights();
    const error = await thrown(() => net.fit([[1e10], [2e10]], [[1], [2]], { epochs: 50, batchSize: 1, onBatchEnd: () => { last = net.getWeights(); } }));
    expect(error.code).toBe('WASMGRAD_DIVERGED');
    expect(error.message).toMatch(/diverged/);
    const now = net.getWeights();
    expect(now).toEqual(last);
    now.forEach((layer) => [...layer.weights.flat(), ...layer.bias].forEach((w) => expect(Number.isFinite(w)).toBe(true)));
    net.dispose();
  });
});
