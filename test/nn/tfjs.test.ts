/**
 * TF.js Layers interop, checked against the real @tensorflow/tfjs (CPU backend):
 * exported models load and predict like wasmgrad, models built and saved in
 * TF.js import and keep training, round trips are bit-exact, and bad artifacts
 * are refused whole. Predictions must agree to TOLERANCE (absolute): both sides
 * compute in float32, so only summation order and exp/tanh implementations differ.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, sequential, type Network } from '../../src/index.js';
import { fromTfjs, loadTfjs, saveTfjs, toTfjs, type TfjsModelJson } from '../../src/nn/tfjs.js';
import { runtime } from '../../src/runtime.js';
import { Random } from '../../src/random.js';
import { initFromBuild, maxAbsDiff, randomMatrix } from '../helpers.js';

const TOLERANCE = 1e-6;
let largestDiff = 0;

beforeAll(async () => {
  await initFromBuild();
  await tf.setBackend('cpu');
});
afterAll(() => {
  console.log(`tfjs interop: largest |wasmgrad - tf.js| prediction difference ${largestDiff.toExponential(3)} (tolerance ${TOLERANCE})`);
});

const random = new Random(7);
const x4 = randomMatrix(random, 32, 4, -2, 2);
const x5 = randomMatrix(random, 32, 5, -2, 2);
/** One-hot targets for a 3-class problem on x4 (the argmax of a fixed linear map). */
const t3 = x4.map((r) => { const k = [r[0] + r[1], r[2] - r[0], r[3] - r[1]]; const m = k.indexOf(Math.max(...k)); return [0, 1, 2].map((j) => (j === m ? 1 : 0)); });

let tfSeed = 100;
/** tf.layers.dense with a seeded kernel initializer, so every run checks the same weights. */
const tfDense = (args: Parameters<typeof tf.layers.dense>[0]) => tf.layers.dense({ kernelInitializer: tf.initializers.glorotUniform({ seed: tfSeed++ }), ...args });

function tfPredict(model: tf.LayersModel, x: number[][]): number[][] {
  return tf.tidy(() => (model.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][]);
}

function expectClose(a: number[][], b: number[][]): void {
  const diff = maxAbsDiff(a, b);
  largestDiff = Math.max(largestDiff, diff);
  expect(diff).toBeLessThanOrEqual(TOLERANCE);
}

/** Loads a wasmgrad export into TF.js, through JSON text as a file would be. */
async function toTfModel(net: Network): Promise<tf.LayersModel> {
  const { modelJson, weightData } = toTfjs(net);
  const parsed = JSON.parse(JSON.stringify(modelJson)) as TfjsModelJson;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs: parsed.weightsManifest[0].weights, weightData }));
}

/** What TF.js hands a save handler: { modelTopology, weightSpecs, weightData, format, ... }. */
async function capture(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  return artifacts!;
}

/** The same artifacts as a model.json (weightsManifest instead of weightSpecs), as tf.io's file and HTTP savers write. */
function asModelJson(a: tf.io.ModelArtifacts) {
  return { modelTopology: a.modelTopology, format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] };
}

const mixed = () => sequential({
  inputSize: 5, seed: 11, optimizer: adam({ learningRate: 0.01 }),
  layers: [dense(6, { activation: 'relu' }), dense(6, { activation: 'sigmoid' }), dense(5, { activation: 'elu' }),
    dense(4, { activation: 'softplus' }), dense(4, { activation: 'leakyRelu' }), dense(2, { activation: 'tanh' }), dense(3)],
});

describe('toTfjs: wasmgrad → TF.js', () => {
  it('a trained 4-8-3 tanh/softmax network predicts the same in TF.js', async () => {
    const net = sequential({ inputSize: 4, layers: [dense(8, { activation: 'tanh' }), dense(3, { activation: 'softmax' })], loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.05 }), seed: 1 });
    net.fitSync(x4, t3, { epochs: 30, batchSize: 8 });
    const { modelJson, weightData } = toTfjs(net);
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.generatedBy).toBe('wasmgrad');
    expect(modelJson.convertedBy).toBeNull();
    expect(modelJson.modelTopology.config.layers[0].config).toMatchObject({ units: 8, activation: 'tanh', use_bias: true, batch_input_shape: [null, 4] });
    expect(modelJson.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: [
      { name: 'dense_1/kernel', shape: [4, 8], dtype: 'float32' }, { name: 'dense_1/bias', shape: [8], dtype: 'float32' },
      { name: 'dense_2/kernel', shape: [8, 3], dtype: 'float32' }, { name: 'dense_2/bias', shape: [3], dtype: 'float32' }] }]);
    expect(weightData.byteLength).toBe(4 * net.parameterCount);
    // Kernels are in×out row-major in the bytes, exactly as getWeights gives them.
    const w = net.getWeights();
    expect(new DataView(weightData).getFloat32(4 * 9, true)).toBe(w[0].weights[1][1]);
    const model = await toTfModel(net);
    expectClose(tfPredict(model, x4), net.predict(x4));
    model.dispose();
    net.dispose();
  });

  it('relu, sigmoid, elu, softplus, leakyRelu (as Dense + LeakyReLU), tanh and linear layers predict the same in TF.js', async () => {
    const net = mixed();
    net.fitSync(x5, randomMatrix(random, 32, 3), { epochs: 20, batchSize: 8 });
    const model = await toTfModel(net);
    expect(model.layers.map((l) => l.getClassName())).toEqual(['Dense', 'Dense', 'Dense', 'Dense', 'Dense', 'LeakyReLU', 'Dense', 'Dense']);
    expect(model.layers[5].getConfig().alpha).toBeCloseTo(0.01, 12);
    expectClose(tfPredict(model, x5), net.predict(x5));
    model.dispose();
    net.dispose();
  });
});

describe('fromTfjs: TF.js → wasmgrad', () => {
  const build = () => {
    const model = tf.sequential();
    const biasInitializer = tf.initializers.randomNormal({ stddev: 0.5, seed: 3 }); // nonzero biases, so they are tested too
    model.add(tfDense({ inputShape: [4], units: 7, activation: 'tanh', biasInitializer }));
    model.add(tfDense({ units: 6, activation: 'relu', biasInitializer }));
    model.add(tfDense({ units: 6, activation: 'elu', biasInitializer }));
    model.add(tfDense({ units: 5, biasInitializer }));
    model.add(tf.layers.leakyReLU({ alpha: 0.01 }));
    model.add(tfDense({ units: 5, activation: 'softplus', biasInitializer }));
    model.add(tfDense({ units: 4, activation: 'sigmoid', biasInitializer }));
    model.add(tfDense({ units: 3, activation: 'softmax', biasInitializer }));
    return model;
  };

  it('a model saved by TF.js predicts the same in wasmgrad, and keeps training there', async () => {
    const model = build();
    const artifacts = await capture(model);
    expect(artifacts.weightSpecs![0].name).toMatch(/^dense_Dense\d+\/kernel$/); // TF.js's keras-style names
    for (const source of [artifacts, asModelJson(artifacts), JSON.stringify(asModelJson(artifacts))]) {
      const net = fromTfjs(source, artifacts.weightData!);
      expect(net.layers.map((l) => l.activation)).toEqual(['tanh', 'relu', 'elu', 'leakyRelu', 'softplus', 'sigmoid', 'softmax']);
      expect(net.inputSize).toBe(4);
      expect(net.loss).toBe('l2');
      expect(net.optimizer.type).toBe('sgd');
      expectClose(net.predict(x4), tfPredict(model, x4));
      net.dispose();
    }
    model.dispose();
  });

  it('an imported classifier keeps training in wasmgrad with the given loss, optimizer and backend', async () => {
    const model = tf.sequential({ layers: [
      tfDense({ inputShape: [4], units: 8, activation: 'tanh' }),
      tfDense({ units: 8 }), tf.layers.leakyReLU({ alpha: 0.01 }),
      tfDense({ units: 3, activation: 'softmax' })] });
    const artifacts = await capture(model);
    for (const backend of ['wasm', 'js'] as const) {
      const net = fromTfjs(artifacts, artifacts.weightData!, { loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.02 }), backend });
      expect([net.backend, net.loss, net.optimizer.type]).toEqual([backend, 'categoricalCrossentropy', 'adam']);
      expectClose(net.predict(x4), tfPredict(model, x4));
      const before = net.evaluate(x4, t3, { metrics: ['accuracy'] });
      const history = net.fitSync(x4, t3, { epochs: 100, batchSize: 8 });
      const after = net.evaluate(x4, t3, { metrics: ['accuracy'] });
      expect(history.loss.at(-1)!).toBeLessThan(before.loss * 0.5);
      expect(after.accuracy!).toBeGreaterThan(Math.max(before.accuracy!, 0.9));
      net.dispose();
    }
    model.dispose();
  });

  it('wasmgrad → artifact → wasmgrad, and wasmgrad → TF.js → TF.js save → wasmgrad, keep every weight bit for bit', async () => {
    const net = mixed();
    net.fitSync(x5, randomMatrix(random, 32, 3), { epochs: 5, batchSize: 8 });
    const { modelJson, weightData } = toTfjs(net);
    const copy = fromTfjs(JSON.parse(JSON.stringify(modelJson)), weightData);
    const model = await toTfModel(net);
    const viaTf = await capture(model);
    const copy2 = fromTfjs(viaTf, viaTf.weightData!);
    for (const c of [copy, copy2]) {
      expect(c.layers).toEqual(net.layers);
      expect(c.toJSON().weights).toEqual(net.toJSON().weights); // base64 of the float32 bits
      expect(c.predict(x5)).toEqual(net.predict(x5));
      c.dispose();
    }
    model.dispose();
    net.dispose();
  });

  it('reads the Keras-converted layout: model_config wrapper, InputLayer with batch_shape, LeakyReLU negative_slope as float32', () => {
    const net = mixed();
    const { modelJson, weightData } = toTfjs(net);
    const layers = modelJson.modelTopology.config.layers;
    delete layers[0].config.batch_input_shape;
    const leaky = layers.find((l) => l.class_name === 'LeakyReLU')!;
    leaky.config = { name: leaky.config.name, negative_slope: Math.fround(0.01) }; // 0.009999999776482582, as Python writes float32 0.01
    const keras = { ...modelJson, modelTopology: { keras_version: '3.0.0', backend: 'tensorflow', model_config: { class_name: 'Sequential', config: { name: 's', layers: [
      { class_name: 'InputLayer', config: { name: 'input', batch_shape: [null, 5] } }, ...layers] } } } };
    const copy = fromTfjs(keras, weightData);
    expect(copy.layers).toEqual(net.layers);
    expect(copy.toJSON().weights).toEqual(net.toJSON().weights);
    copy.dispose();
    // With no input shape anywhere, the first kernel's rows give the input width.
    const bare = fromTfjs({ ...modelJson, modelTopology: { class_name: 'Sequential', config: { layers } } }, weightData);
    expect(bare.inputSize).toBe(5);
    bare.dispose();
    net.dispose();
  });

  it('reads a model without biases (use_bias false) as zero biases', async () => {
    const model = tf.sequential({ layers: [tfDense({ inputShape: [4], units: 3, useBias: false, activation: 'sigmoid' })] });
    const a = await capture(model);
    const net = fromTfjs(a, a.weightData!);
    expect(net.getWeights()[0].bias).toEqual([0, 0, 0]);
    expectClose(net.predict(x4), tfPredict(model, x4));
    net.dispose();
    model.dispose();
  });
});

describe('fromTfjs refuses bad artifacts whole', () => {
  const good = () => {
    const net = sequential({ inputSize: 3, seed: 5, layers: [dense(4, { activation: 'leakyRelu' }), dense(2, { activation: 'softmax' })] });
    const artifact = toTfjs(net);
    net.dispose();
    return { json: JSON.parse(JSON.stringify(artifact.modelJson)) as TfjsModelJson, bytes: artifact.weightData };
  };
  // model.json layers: [0] dense_1 (linear), [1] its LeakyReLU, [2] dense_2 (softmax).
  const cases: [string, (m: TfjsModelJson, b: ArrayBuffer) => ArrayBuffer | void, RegExp][] = [
    ['an unknown layer class', (m) => { m.modelTopology.config.layers[2].class_name = 'Conv2D'; }, /fromTfjs: modelJson\.modelTopology\.config\.layers\[2\]\.class_name must be "Dense", "LeakyReLU" .*got "Conv2D"/],
    ['an unsupported activation', (m) => { m.modelTopology.config.layers[2].config.activation = 'selu'; }, /layers\[2\]\.config\.activation must be one of "linear", .*got "selu"/],
    ['a missing weight', (m) => { m.weightsManifest[0].weights[3].name = 'dense_2/bias_0'; }, /weight "dense_2\/bias" \(the bias of .*layers\[2\]\) is missing from the weights manifest/],
    ['a weight no layer uses', (m, b) => { m.weightsManifest[0].weights.push({ name: 'extra/kernel', shape: [1], dtype: 'float32' }); const c = new Uint8Array(b.byteLength + 4); c.set(new Uint8Array(b)); return c.buffer; }, /weight "extra\/kernel" in the manifest belongs to no Dense layer/],
    ['a mis-shaped kernel', (m) => { m.weightsManifest[0].weights[2].shape = [2, 4]; }, /weight "dense_2\/kernel" has shape \[2,4\], expected \[4,2\]/],
    ['a wrong byte length', (_, b) => b.slice(0, b.byteLength - 4), /weightData holds 100 bytes, expected 104 \(the 4 float32 weights the manifest lists\)/],
    ['a NaN weight', (_, b) => { new DataView(b).setFloat32(4 * 5, NaN, true); }, /weight "dense_1\/kernel"\[5\] is NaN, expected a finite number/],
    ['an infinite bias', (_, b) => { new DataView(b).setFloat32(4 * (12 + 4 + 8 + 1), -Infinity, true); }, /weight "dense_2\/bias"\[1\] is -Infinity/],
    ['a LeakyReLU slope other than 0.01', (m) => { m.modelTopology.config.layers[1].config.alpha = 0.3; }, /layers\[1\]\.config\.alpha must be 0\.01 .*got 0\.3/],
    ['a LeakyReLU after a nonlinear Dense', (m) => { m.modelTopology.config.layers[0].config.activation = 'relu'; }, /layers\[1\] is a LeakyReLU, which wasmgrad supports only directly after a Dense with activation "linear"/],
    ['softmax before the last layer', (m) => { m.modelTopology.config.layers.splice(1, 1); m.modelTopology.config.layers[0].config.activation = 'softmax'; }, /layers\[0\] has activation "softmax", which wasmgrad supports only on the last layer/],
    ['a functional model', (m) => { (m.modelTopology as { class_name: string }).class_name = 'Functional'; }, /modelTopology\.class_name must be "Sequential".*got "Functional"/],
    ['a graph model', (m) => { (m as { format: string }).format = 'graph-model'; }, /modelJson\.format must be "layers-model".*got "graph-model"/],
    ['a float16 weight', (m) => { (m.weightsManifest[0].weights[0] as { dtype: string }).dtype = 'float16'; }, /weightsManifest\[0\]\.weights\[0\]\.dtype must be "float32", got "float16"/],
  ];

  it.each(cases)('%s: the error names it, and no memory is taken', (_, mutate, message) => {
    const { json, bytes } = good();
    const replaced = mutate(json, bytes);
    const heap = runtime().heap;
    const live = heap.liveBytes;
    expect(() => fromTfjs(json, replaced ?? bytes)).toThrow(message);
    expect(heap.liveBytes).toBe(live);
  });

  it('refuses bad arguments by name', () => {
    const { json, bytes } = good();
    expect(() => fromTfjs(json, 'bytes' as unknown as ArrayBuffer)).toThrow(/fromTfjs: weightData must be an ArrayBuffer, a typed array or an array of them, got "bytes"/);
    expect(() => fromTfjs('{"modelTopology":', bytes)).toThrow(/fromTfjs: modelJson is not valid JSON/);
    expect(() => fromTfjs(json, bytes, { loss: 'hinge' as never })).toThrow(/fromTfjs: options\.loss must be one of "l2", .*got "hinge"/);
    expect(() => fromTfjs(json, bytes, { seed: 1 } as never)).toThrow(/fromTfjs: options\.seed must be absent/);
    expect(() => toTfjs({} as Network)).toThrow(/toTfjs: net must be a Network, got an object/);
    const net = sequential({ inputSize: 2, layers: [dense(1)] });
    net.dispose();
    expect(() => toTfjs(net)).toThrow(/disposed/);
  });
});

describe('saveTfjs and loadTfjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-tfjs-'));

  it('writes model.json and weights.bin that load back exactly, and that TF.js reads', async () => {
    const net = mixed();
    net.fitSync(x5, randomMatrix(random, 32, 3), { epochs: 3, batchSize: 8 });
    const modelDir = join(dir, 'nested', 'model');
    await saveTfjs(net, modelDir);
    await saveTfjs(net, modelDir); // overwriting is fine
    expect(readdirSync(modelDir).sort()).toEqual(['model.json', 'weights.bin']); // no temporary files left
    for (const path of [modelDir, join(modelDir, 'model.json')]) {
      const copy = await loadTfjs(path, { backend: 'js' });
      expect(copy.toJSON().weights).toEqual(net.toJSON().weights);
      copy.dispose();
    }
    const json = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as TfjsModelJson;
    const bin = readFileSync(join(modelDir, 'weights.bin'));
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights, weightData: new Uint8Array(bin).buffer }));
    expectClose(tfPredict(model, x5), net.predict(x5));
    model.dispose();
    net.dispose();
  });

  it('loads a model TF.js saved, with its keras-style names', async () => {
    const model = tf.sequential({ layers: [tfDense({ inputShape: [4], units: 5, activation: 'relu', biasInitializer: 'ones' }), tfDense({ units: 2 })] });
    const a = await capture(model);
    const modelDir = join(dir, 'from-tf');
    mkdirSync(modelDir);
    writeFileSync(join(modelDir, 'model.json'), JSON.stringify(asModelJson(a)));
    writeFileSync(join(modelDir, 'weights.bin'), new Uint8Array(a.weightData as ArrayBuffer));
    const net = await loadTfjs(modelDir);
    expectClose(net.predict(x4), tfPredict(model, x4));
    net.dispose();
    model.dispose();
  });

  it('refuses missing files, weight paths outside the model directory, and bad files, naming them', async () => {
    const live = runtime().heap.liveBytes;
    await expect(loadTfjs(join(dir, 'nope'))).rejects.toThrow(/loadTfjs: cannot read .*nope/);
    const modelDir = join(dir, 'bad');
    const net = sequential({ inputSize: 2, layers: [dense(3)] });
    await saveTfjs(net, modelDir);
    net.dispose();
    const path = join(modelDir, 'model.json');
    const json = JSON.parse(readFileSync(path, 'utf8')) as TfjsModelJson;
    json.weightsManifest[0].paths = ['../../etc/passwd'];
    writeFileSync(path, JSON.stringify(json));
    await expect(loadTfjs(modelDir)).rejects.toThrow(/loadTfjs: weight file 0 of .*model.json must be a relative path beside it, got "..\/..\/etc\/passwd"/);
    json.weightsManifest[0].paths = ['weights.bin'];
    json.modelTopology.config.layers[0].config.units = 4;
    writeFileSync(path, JSON.stringify(json));
    await expect(loadTfjs(modelDir)).rejects.toThrow(/fromTfjs: weight "dense_1\/kernel" has shape \[2,3\], expected \[2,4\] \(in .*model.json\)/);
    writeFileSync(path, '{"modelTopology":');
    await expect(loadTfjs(path)).rejects.toThrow(/loadTfjs: .*model.json is not valid JSON/);
    expect(runtime().heap.liveBytes).toBe(live);
  });
});
