/**
 * gelu and silu, the activations whose derivative needs the pre-activation a
 * (their layers keep a = x·W + b; the others keep only y): on tiny (every
 * width ≤ 4), narrow (≤ 16) and wide networks, on both backends, forward
 * against a float64 reference, `gradients` against central differences,
 * training, dropout, the autograd ops and TF.js export.
 *
 * Tolerances as test/nn/network.gradcheck.test.ts: forward 1e-6·(1 + |y|),
 * gradients 1e-3·|numeric| + 2e-6.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, checkGradients, dense, fromBytes, fromJSON, fromTfjs, gelu, sequential, silu, tensor, toBytes, toTfjs, type Activation, type Loss, type TfjsModelJson } from '../../src/index.js';
import { HIDDEN_ACTIVATIONS } from '../../src/cli/choices.js';
import { planNetwork } from '../../src/nn/layout.js';
import { currentPaths } from '../../src/nn/paths.js';
import { Random } from '../../src/random.js';
import { checkAgainstFiniteDifferences, initFromBuild, maxAbsDiff, randomMatrix, referenceForward, referenceLoss, type ReferenceLayer } from '../helpers.js';

beforeAll(initFromBuild);

const BACKENDS = ['wasm', 'js'] as const;

/** Tiny (every width ≤ 4), narrow (≤ 16) and wide. */
const cases: { name: string; sizes: number[]; activations: Activation[]; samples: number; loss: Loss }[] = [
  { name: 'tiny', sizes: [2, 3, 2], activations: ['gelu', 'sigmoid'], samples: 5, loss: 'l2' },
  { name: 'tiny', sizes: [3, 4, 1], activations: ['silu', 'linear'], samples: 6, loss: 'l2' },
  { name: 'narrow', sizes: [6, 12, 16, 3], activations: ['gelu', 'silu', 'linear'], samples: 9, loss: 'mse' },
  { name: 'narrow', sizes: [5, 9, 4], activations: ['silu', 'gelu'], samples: 7, loss: 'mse' },
  { name: 'wide', sizes: [20, 40, 5], activations: ['gelu', 'softmax'], samples: 11, loss: 'categoricalCrossentropy' },
  { name: 'wide', sizes: [17, 33, 24, 2], activations: ['silu', 'tanh', 'sigmoid'], samples: 8, loss: 'binaryCrossentropy' },
];

/** Targets a network can learn: a fixed random linear map of the inputs, squashed (one-hot of its argmax for categorical, its signs for binary). */
function learnableTargets(random: Random, loss: Loss, inputs: number[][], outputs: number): number[][] {
  const map = randomMatrix(random, inputs[0].length, outputs, -1, 1);
  return inputs.map((x) => {
    const z = map[0].map((_, j) => x.reduce((sum, v, i) => sum + v * map[i][j], 0));
    if (loss === 'categoricalCrossentropy') return z.map((v) => (v === Math.max(...z) ? 1 : 0));
    // Cross-entropy's floor is the targets' own entropy: 0/1 targets let it fall towards 0.
    if (loss === 'binaryCrossentropy') return z.map((v) => (v > 0 ? 1 : 0));
    return z.map((v) => 1 / (1 + Math.exp(-v)));
  });
}

function targetsFor(random: Random, loss: Loss, samples: number, outputs: number): number[][] {
  return loss === 'categoricalCrossentropy'
    ? Array.from({ length: samples }, (_, s) => Array.from({ length: outputs }, (_, j) => (j === s % outputs ? 1 : 0)))
    : randomMatrix(random, samples, outputs, 0, 1);
}

describe.each(BACKENDS)('gelu and silu layers (%s backend)', (backend) => {
  cases.forEach(({ name, sizes, activations, samples, loss }, index) => {
    const title = `${name} ${sizes.join('-')} (${activations.join(', ')}), ${loss}`;
    const build = () => sequential({
      inputSize: sizes[0], layers: activations.map((activation, l) => dense(sizes[l + 1], { activation })), loss, seed: 40 + index, backend,
    });

    it(`${title}: predict matches float64, gradients match central differences`, () => {
      const random = new Random(900 + index);
      const net = build();
      const inputs = randomMatrix(random, samples, sizes[0], -2, 2);
      const targets = targetsFor(random, loss, samples, sizes.at(-1)!);
      const weights = net.getWeights();
      weights.forEach((layer) => layer.bias.forEach((_, j) => { layer.bias[j] = Math.fround(random.uniform(-0.5, 0.5)); }));
      net.setWeights(weights);
      const reference: ReferenceLayer[] = net.getWeights().map((layer, l) => ({ ...layer, activation: activations[l] }));
      // Networks up to 16 wide take the narrow kernel (which keeps a too); the tiny kernel declines them.
      if (backend === 'wasm') expect(currentPaths(net)).toEqual(name === 'wide' ? [] : ['narrow']);
      const predicted = net.predict(inputs);
      inputs.forEach((x, s) => {
        referenceForward(reference, x).at(-1)!.forEach((y, j) => expect(Math.abs(predicted[s][j] - y)).toBeLessThan(1e-6 * (1 + Math.abs(y))));
      });
      expect(net.evaluate(inputs, targets).loss).toBeCloseTo(referenceLoss(reference, inputs, targets, loss), 5);

      const analytic = net.gradients(inputs, targets);
      const { checked } = checkAgainstFiniteDifferences(reference, inputs, targets, loss, analytic);
      expect(checked).toBe(net.parameterCount);
      net.dispose();
    });

    it(`${title}: training lowers the loss`, () => {
      const random = new Random(700 + index);
      const net = sequential({
        inputSize: sizes[0], layers: activations.map((activation, l) => dense(sizes[l + 1], { activation })), loss, seed: 40 + index, backend,
        optimizer: adam({ learningRate: 0.01 }),
      });
      const inputs = randomMatrix(random, 32, sizes[0], -1, 1);
      const targets = learnableTargets(random, loss, inputs, sizes.at(-1)!);
      const before = net.evaluate(inputs, targets).loss;
      net.fitSync(inputs, targets, { epochs: 40, batchSize: 8 });
      expect(net.evaluate(inputs, targets).loss).toBeLessThan(0.7 * before);
      net.dispose();
    });
  });
});

describe('the two backends agree on gelu/silu networks', () => {
  const settings = [
    { sizes: [2, 3, 2], activations: ['gelu', 'gelu'] as Activation[], batchSize: 1, dropout: 0 },
    { sizes: [4, 4, 4, 1], activations: ['silu', 'gelu', 'silu'] as Activation[], batchSize: 1, dropout: 0 },
    { sizes: [8, 16, 3], activations: ['silu', 'linear'] as Activation[], batchSize: 4, dropout: 0 },
    { sizes: [30, 70, 6], activations: ['gelu', 'sigmoid'] as Activation[], batchSize: 16, dropout: 0.3 },
    { sizes: [5, 12, 3], activations: ['silu', 'sigmoid'] as Activation[], batchSize: 3, dropout: 0.2 },
  ];
  settings.forEach(({ sizes, activations, batchSize, dropout }, index) => {
    it(`${sizes.join('-')} (${activations.join(', ')}), batch ${batchSize}${dropout ? `, dropout ${dropout}` : ''}: same weights after training`, () => {
      const random = new Random(300 + index);
      const inputs = randomMatrix(random, 24, sizes[0], -1, 1);
      const targets = randomMatrix(random, 24, sizes.at(-1)!, 0, 1);
      const [wasm, js] = BACKENDS.map((backend) => sequential({
        inputSize: sizes[0], seed: 5 + index, backend,
        layers: activations.map((activation, l) => dense(sizes[l + 1], { activation, ...(dropout && l === 0 ? { dropout } : {}) })),
      }));
      const histories = [wasm, js].map((net) => net.fitSync(inputs, targets, { epochs: 4, batchSize, shuffle: false }));
      expect(Math.abs(histories[0].loss.at(-1)! - histories[1].loss.at(-1)!)).toBeLessThan(1e-4 * (1 + histories[1].loss.at(-1)!));
      wasm.getWeights().forEach((layer, l) => {
        expect(maxAbsDiff(layer.weights, js.getWeights()[l].weights)).toBeLessThan(1e-4);
        expect(maxAbsDiff(layer.bias, js.getWeights()[l].bias)).toBeLessThan(1e-4);
      });
      wasm.dispose();
      js.dispose();
    });
  });
});

describe('autograd ops gelu and silu', () => {
  const sigmoid = (a: number) => 1 / (1 + Math.exp(-a));
  it('forward matches float64; checkGradients passes', () => {
    const values = [-6, -2.5, -1, -0.3, 0, 0.2, 0.9, 1.7, 4];
    const x = tensor([values.slice(0, 3), values.slice(3, 6), values.slice(6)]);
    const g = gelu(x).toArray() as number[][];
    const s = silu(x).toArray() as number[][];
    values.forEach((v, i) => {
      const cdf = 0.5 * (1 + erfReference(v / Math.SQRT2));
      expect(g[Math.floor(i / 3)][i % 3]).toBeCloseTo(v * cdf, 6);
      expect(s[Math.floor(i / 3)][i % 3]).toBeCloseTo(v * sigmoid(v), 6);
    });
    for (const op of [gelu, silu]) {
      const x = tensor([[-2.2, -0.7, 0.1], [0.8, 1.9, 3]]);
      const report = checkGradients((t) => op(t).mul(op(t)).sum(), [x]);
      expect(report.checked).toBe(6);
      expect(report.maxError, JSON.stringify(report.worst)).toBeLessThan(1e-3);
    }
  });
});

describe('TF.js export', () => {
  it.each([['gelu', 'gelu'], ['silu', 'swish']] as const)('%s exports as Keras "%s" and tf.loadLayersModel predicts the same', async (activation, kerasName) => {
    const net = sequential({ inputSize: 4, layers: [dense(8, { activation }), dense(3, { activation: 'linear' })], seed: 3 });
    const { modelJson, weightData } = toTfjs(net);
    const parsed = JSON.parse(JSON.stringify(modelJson)) as TfjsModelJson;
    expect(JSON.stringify(parsed.modelTopology)).toContain(`"activation":"${kerasName}"`);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: parsed.modelTopology, weightSpecs: parsed.weightsManifest[0].weights, weightData }));
    const x = randomMatrix(new Random(11), 6, 4, -3, 3);
    const theirs = tf.tidy(() => (model.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][]);
    // TF.js's CPU erf is Abramowitz–Stegun 7.1.26 (error ≤ 1.5e-7), hence 1e-5 rather than float32 rounding.
    expect(maxAbsDiff(net.predict(x) as number[][], theirs)).toBeLessThan(1e-5);
    model.dispose();
    net.dispose();
  });
});

describe('TF.js import', () => {
  it('a TF.js model with Dense activations "gelu" and "swish" loads as gelu and silu and predicts the same', async () => {
    const model = tf.sequential({ layers: [
      tf.layers.dense({ inputShape: [4], units: 7, activation: 'gelu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }),
      tf.layers.dense({ units: 5, activation: 'swish', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ] });
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
    const net = fromTfjs(artifacts, artifacts!.weightData!);
    expect(net.layers.map((l) => l.activation)).toEqual(['gelu', 'silu', 'linear']);
    const x = randomMatrix(new Random(12), 6, 4, -3, 3);
    const theirs = tf.tidy(() => (model.predict(tf.tensor2d(x)) as tf.Tensor).arraySync() as number[][]);
    expect(maxAbsDiff(net.predict(x) as number[][], theirs)).toBeLessThan(1e-5);
    model.dispose();
    net.dispose();
  });
});

describe('memory, model files and the CLI', () => {
  it('only layers whose derivative needs a keep a pre-activation buffer (capacity × units floats)', () => {
    const plan = (hidden: Activation) => planNetwork(5, [{ units: 12, activation: hidden }, { units: 3, activation: 'tanh' }], 16);
    const tanh = plan('tanh'), gelu = plan('gelu'), silu = plan('silu');
    expect(tanh.layers.map((l) => l.pre)).toEqual([0, 0]);
    expect(gelu.layers[0].pre).toBeGreaterThan(0);
    expect(gelu.layers[1].pre).toBe(0);
    // One 64-byte-aligned block of 16 × 12 floats (plus the vector slack) more than tanh, nothing else.
    expect(gelu.bytes - tanh.bytes).toBe(Math.ceil((16 * 12 * 4 + 16) / 64) * 64);
    expect(silu.bytes).toBe(gelu.bytes);
  });

  it('gelu and silu survive toJSON/fromJSON and toBytes/fromBytes', () => {
    const net = sequential({ inputSize: 3, layers: [dense(6, { activation: 'gelu' }), dense(5, { activation: 'silu' }), dense(2)], seed: 9 });
    const x = randomMatrix(new Random(4), 5, 3, -2, 2);
    const want = net.predict(x);
    for (const copy of [fromJSON(net.toJSON()), fromBytes(toBytes(net))]) {
      expect(copy.layers.map((l) => l.activation)).toEqual(['gelu', 'silu', 'linear']);
      expect(copy.predict(x)).toEqual(want);
      copy.dispose();
    }
    net.dispose();
  });

  it('the CLI offers them for --activation (from the registry)', () => {
    expect(HIDDEN_ACTIVATIONS).toContain('gelu');
    expect(HIDDEN_ACTIVATIONS).toContain('silu');
  });
});

/** erf by its Taylor series (float64; |x| ≤ 5 here), independent of the library's. */
function erfReference(x: number): number {
  let term = x, sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
