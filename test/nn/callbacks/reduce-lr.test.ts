/**
 * reduceLROnPlateau (src/nn/callbacks/reduce-lr.ts) and the learning-rate
 * multiplier it keeps in the optimizer's state. The expected weights come
 * from networks trained in pieces at fixed, lower learning rates (through
 * toJSON, an edited learningRate and fromJSON; shuffling off, so the order
 * does not depend on the shuffle generator): the same steps, bit for bit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  adam,
  dense,
  fromBytes,
  fromJSON,
  readModelHeader,
  reduceLROnPlateau,
  sequential,
  sgd,
  toBytes,
  type Network,
  type NetworkJSON,
  type SequentialConfig,
} from '../../../src/index.js';
import type { BackendName } from '../../../src/backend/backend.js';
import { Random } from '../../../src/random.js';
import { initFromBuild, withHeader } from '../../helpers.js';

beforeAll(initFromBuild);

const BACKENDS: BackendName[] = ['wasm', 'js'];

function samples(n: number, seed: number): [number[][], number[][]] {
  const random = new Random(seed);
  const x = Array.from({ length: n }, () => [random.uniform(-1, 1), random.uniform(-1, 1)]);
  return [x, x.map(([a, b]) => [a * b > 0 ? 1 : 0])];
}

const config = (backend: BackendName, learningRate = 0.1): SequentialConfig => ({
  inputSize: 2,
  layers: [dense(4, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
  optimizer: adam({ learningRate }),
  seed: 7,
  backend,
});

/** The same network continued at another learning rate: toJSON, the rate edited, fromJSON (optimizer state and epoch kept). */
function withRate(net: Network, learningRate: number): Network {
  const json = net.toJSON(),
    backend = net.backend;
  net.dispose();
  return fromJSON({ ...json, optimizer: { ...json.optimizer, learningRate } } as NetworkJSON, { backend });
}

const weightsOf = (net: Network) => JSON.stringify(net.toJSON().weights);

describe('reduceLROnPlateau', () => {
  for (const backend of BACKENDS) {
    it(`${backend}: multiplies the rate by factor after patience epochs without improvement, as training at the lower rates would`, async () => {
      const [x, t] = samples(24, 1);
      // minDelta this large: only the first epoch improves (on nothing), so with patience 2 the rate halves after epochs 2 and 4.
      const reductions: [number, number][] = [];
      const net = sequential(config(backend));
      await net.fit(x, t, {
        epochs: 6,
        batchSize: 8,
        shuffle: false,
        callbacks: [
          reduceLROnPlateau({
            monitor: 'loss',
            factor: 0.5,
            patience: 2,
            minDelta: 1e9,
            onReduce: (e, rate) => reductions.push([e, rate]),
          }),
        ],
      });
      expect(reductions).toEqual([
        [2, 0.05],
        [4, 0.025],
      ]);
      expect(net.learningRateMultiplier).toBe(0.25);

      let reference = sequential(config(backend));
      reference.fitSync(x, t, { epochs: 3, batchSize: 8, shuffle: false });
      reference = withRate(reference, 0.05);
      reference.fitSync(x, t, { epochs: 2, batchSize: 8, shuffle: false });
      reference = withRate(reference, 0.025);
      reference.fitSync(x, t, { epochs: 1, batchSize: 8, shuffle: false });
      expect(weightsOf(net)).toBe(weightsOf(reference));
      net.dispose();
      reference.dispose();
    });
  }

  it('works in fitSync and fitDataset, and the multiplier carries over to the next fit', async () => {
    const [x, t] = samples(16, 2);
    const net = sequential(config('wasm'));
    net.fitSync(x, t, {
      epochs: 3,
      shuffle: false,
      callbacks: [reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 1e9 })],
    });
    expect(net.learningRateMultiplier).toBe(0.25); // epochs 1 and 2
    await net.fitDataset([{ xs: x, ys: t }], {
      epochs: 2,
      callbacks: [reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 1e9 })],
    });
    expect(net.learningRateMultiplier).toBe(0.125); // epoch 0 of this fit improves on nothing; epoch 1 reduces
    net.dispose();
  });

  it("never goes below minLearningRate, measured on the schedule's rate times the multiplier", () => {
    const [x, t] = samples(16, 3);
    const net = sequential({
      ...config('wasm'),
      optimizer: sgd({ learningRate: 0.1, schedule: { type: 'step', every: 100, factor: 0.5 } }),
    });
    const rates: number[] = [];
    net.fitSync(x, t, {
      epochs: 6,
      shuffle: false,
      callbacks: [
        reduceLROnPlateau({
          monitor: 'loss',
          factor: 0.1,
          patience: 1,
          minDelta: 1e9,
          minLearningRate: 0.02,
          onReduce: (_, r) => rates.push(r),
        }),
      ],
    });
    // 0.1 · 0.1 = 0.01 is below the floor: the first reduction stops at 0.02 (multiplier 0.2); later ones find the floor reached.
    expect(rates).toEqual([0.1 * (0.02 / 0.1)]);
    expect(net.learningRateMultiplier).toBe(0.02 / 0.1);
    net.dispose();
  });

  it('watches valLoss by default when there is validation data, and improvements reset the wait', () => {
    const [x, t] = samples(16, 4);
    const net = sequential(config('js'));
    const seen: number[] = [];
    const history = net.fitSync(x, t, {
      epochs: 8,
      shuffle: false,
      validationData: [x, t],
      callbacks: [
        reduceLROnPlateau({ patience: 2, factor: 0.5 }),
        {
          onEpochEnd: (_e, _l, context) => {
            seen.push(context.learningRateMultiplier);
          },
        },
      ],
    });
    // An independent replay of the rule over the history's valLoss.
    let best = Infinity,
      wait = 0,
      m = 1;
    const expected = history.valLoss!.map((v) => {
      if (v < best) {
        best = v;
        wait = 0;
      } else if (++wait >= 2) {
        wait = 0;
        m *= 0.5;
      }
      return m;
    });
    expect(seen).toEqual(expected);
    net.dispose();
  });

  it('refuses bad options by name, and a monitor the fit cannot give before any epoch trains', async () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return [(e as { code: string }).code, (e as Error).message];
      }
      return null;
    };
    expect(code(() => reduceLROnPlateau({ factor: 1 }))).toEqual([
      'WASMGRAD_INVALID_ARGUMENT',
      expect.stringContaining('reduceLROnPlateau: options.factor'),
    ]);
    expect(code(() => reduceLROnPlateau({ factor: 0 }))?.[1]).toContain('options.factor');
    expect(code(() => reduceLROnPlateau({ patience: -1 }))?.[1]).toContain('options.patience');
    expect(code(() => reduceLROnPlateau({ minLearningRate: -1 }))?.[1]).toContain('options.minLearningRate');
    expect(code(() => reduceLROnPlateau({ monitor: 'val' as 'loss' }))?.[1]).toContain('options.monitor');
    expect(code(() => reduceLROnPlateau({ cooldown: 1 } as object))?.[1]).toContain('cooldown');
    const [x, t] = samples(8, 5);
    const net = sequential(config('wasm'));
    const before = JSON.stringify(net.toJSON());
    await expect(net.fit(x, t, { callbacks: [reduceLROnPlateau({ monitor: 'valLoss' })] })).rejects.toThrow(
      /monitor is "valLoss", which needs validationData/,
    );
    await expect(net.fit(x, t, { callbacks: [reduceLROnPlateau({ monitor: 'accuracy' })] })).rejects.toThrow(/metrics: \['accuracy'\]/);
    expect(JSON.stringify(net.toJSON())).toBe(before);
    net.dispose();
  });
});

describe('the learning-rate multiplier in saved networks', () => {
  it('toJSON/fromJSON and toBytes/fromBytes keep it; files without it load with 1; the header shows it only when not 1', async () => {
    const [x, t] = samples(16, 6);
    const net = sequential(config('wasm'));
    expect(net.toJSON().optimizerState.learningRateMultiplier).toBeUndefined();
    expect(readModelHeader(toBytes(net)).optimizerState).toEqual({ step: 0, epoch: 0 });
    await net.fit(x, t, { epochs: 2, callbacks: [reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 1e9 })] });
    expect(net.learningRateMultiplier).toBe(0.5);
    expect(net.toJSON().optimizerState.learningRateMultiplier).toBe(0.5);
    expect(fromJSON(net.toJSON()).learningRateMultiplier).toBe(0.5);
    const bytes = toBytes(net);
    expect(readModelHeader(bytes).optimizerState.learningRateMultiplier).toBe(0.5);
    const loaded = fromBytes(bytes);
    expect(loaded.learningRateMultiplier).toBe(0.5);
    // The loaded network trains on at the lowered rate: as the original does.
    net.fitSync(x, t, { epochs: 1, shuffle: false });
    loaded.fitSync(x, t, { epochs: 1, shuffle: false });
    expect(weightsOf(loaded)).toBe(weightsOf(net));
    const { learningRateMultiplier: _, ...older } = net.toJSON().optimizerState;
    expect(fromJSON({ ...net.toJSON(), optimizerState: older }).learningRateMultiplier).toBe(1);
    net.dispose();
    loaded.dispose();
  });

  it('a damaged multiplier is refused whole (WASMGRAD_BAD_MODEL_FILE), in JSON and in the binary header', () => {
    const net = sequential(config('wasm'));
    const json = net.toJSON();
    for (const bad of [0, -1, Number.NaN, 1e39, 1e-50, '0.5', null]) {
      expect(() => fromJSON({ ...json, optimizerState: { ...json.optimizerState, learningRateMultiplier: bad as number } })).toThrow(
        expect.objectContaining({
          code: 'WASMGRAD_BAD_MODEL_FILE',
          message: expect.stringContaining('json.optimizerState.learningRateMultiplier'),
        }),
      );
    }
    const bytes = toBytes(net);
    expect(
      fromBytes(
        withHeader(bytes, (h) => {
          h.optimizerState.learningRateMultiplier = 0.5;
        }),
      ).learningRateMultiplier,
    ).toBe(0.5);
    for (const bad of [0, -2, '1', null, 1e39]) {
      expect(() =>
        fromBytes(
          withHeader(bytes, (h) => {
            h.optimizerState.learningRateMultiplier = bad;
          }),
        ),
      ).toThrow(
        expect.objectContaining({
          code: 'WASMGRAD_BAD_MODEL_FILE',
          message: expect.stringContaining('header.optimizerState.learningRateMultiplier'),
        }),
      );
    }
    expect(() =>
      fromBytes(
        withHeader(bytes, (h) => {
          h.optimizerState.rate = 1;
        }),
      ),
    ).toThrow(/header.optimizerState.rate is not a field/);
    expect(() => new (net.constructor as typeof Network)({ ...config('wasm') }, undefined, { step: 0, learningRateMultiplier: 0 })).toThrow(
      /optimizerState.learningRateMultiplier must be a number > 0/,
    );
    net.dispose();
  });
});
