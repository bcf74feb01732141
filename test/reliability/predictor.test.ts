/**
 * createPredictor off the happy path: a network trained (fitSync, fitDataset)
 * while calls are queued, predict calls made from inside training callbacks
 * (which re-lay the network's block for more rows mid-run: training must not
 * notice), and a predictor closed or disposed from its own answers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createPredictor, dense, sequential, sgd, type DatasetBatch, type Network } from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { runtime } from '../../src/runtime.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const BACKENDS: BackendName[] = ['wasm', 'js'];

const make = (backend: BackendName): Network => sequential({
  inputSize: 3, layers: [dense(5, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.3, momentum: 0.9 }), seed: 9, backend,
});

function rows(n: number, seed: number, width = 3): number[][] {
  const random = new Random(seed);
  return Array.from({ length: n }, () => Array.from({ length: width }, () => random.uniform(-1, 1)));
}

describe.each(BACKENDS)('createPredictor off the happy path (%s backend)', (backend) => {
  const x = rows(16, 1), t = rows(16, 2, 2).map((r) => r.map((v) => Math.abs(v)));

  it('calls queued before a fitSync are answered after it, with the trained weights (fitSync holds the thread)', async () => {
    const net = make(backend);
    const predictor = createPredictor(net, { maxBatch: 8, maxDelayMs: 0 });
    const queued = [predictor.predict(x[0]), predictor.predict(x[1])];
    const before = net.predict([x[0], x[1]]);
    net.fitSync(x, t, { epochs: 5, batchSize: 4 });
    const after = net.predict([x[0], x[1]]);
    const answers = await Promise.all(queued);
    answers.forEach((row, i) => expect([...row]).toEqual(after[i]));
    expect(after[0]).not.toEqual(before[0]);
    await predictor.close();
    net.dispose();
  });

  it('predict calls from inside training callbacks, some with more rows than the batch (the block is re-laid), train bit for bit as none', async () => {
    const wide = rows(300, 3);
    for (const run of ['fitSync', 'fit', 'fitDataset'] as const) {
      const net = make(backend), reference = make(backend);
      const predictor = createPredictor(net, { maxBatch: 1 }); // each call runs at once, inside the callback
      let calls = 0;
      const meddle = () => {
        net.predict(wide.slice(0, 10 + 50 * (calls++ % 6)));
        void predictor.predict(x[calls % 16]);
      };
      const options = { epochs: 3, batchSize: 4, shuffle: false, gradientNorms: false } as const;
      const batches: DatasetBatch[] = [0, 4, 8, 12].map((i) => ({ xs: x.slice(i, i + 4), ys: t.slice(i, i + 4) }));
      const history = run === 'fitSync' ? net.fitSync(x, t, { ...options, onBatchEnd: meddle, onEpochEnd: meddle })
        : run === 'fit' ? await net.fit(x, t, { ...options, onBatchEnd: meddle, onEpochEnd: meddle })
        : await net.fitDataset(batches, { epochs: 3, onBatchEnd: meddle, onEpochEnd: meddle });
      const expected = reference.fitSync(x, t, options);
      expect(history.loss, run).toEqual(expected.loss);
      expect(JSON.stringify(net.getWeights()), run).toBe(JSON.stringify(reference.getWeights()));
      expect(calls).toBeGreaterThan(12);
      await predictor.close();
      net.dispose();
      reference.dispose();
    }
  });

  it('calls during fitDataset from a slow source are answered between batches, not after training', async () => {
    const net = make(backend);
    const predictor = createPredictor(net, { maxDelayMs: 0 });
    let trainingDone = false;
    let answeredDuringTraining = 0;
    async function* slow(): AsyncGenerator<DatasetBatch> {
      for (let i = 0; i < 16; i += 4) {
        await new Promise((r) => setTimeout(r, 5));
        void predictor.predict(x[i]).then(() => { if (!trainingDone) answeredDuringTraining++; });
        yield { xs: x.slice(i, i + 4), ys: t.slice(i, i + 4) };
      }
    }
    await net.fitDataset(slow, { epochs: 2 });
    trainingDone = true;
    expect(answeredDuringTraining).toBeGreaterThanOrEqual(6);
    await predictor.close();
    net.dispose();
  });

  it('close() and dispose() from inside an answer: later calls reject with the right code, nothing is left queued or allocated', async () => {
    const blocks = runtime().heap.liveBlocks;
    const net = make(backend);
    const predictor = createPredictor(net, { maxBatch: 2, maxDelayMs: 0 });
    const first = predictor.predict(x[0]).then(async () => {
      await predictor.close();
      return predictor.predict(x[2]);
    });
    const second = predictor.predict(x[1]);
    await expect(second).resolves.toBeInstanceOf(Float32Array);
    await expect(first).rejects.toMatchObject({ code: 'WASMGRAD_CLOSED' });

    const other = createPredictor(net, { maxDelayMs: 0 });
    const late = other.predict(x[3]).then(() => { net.dispose(); return other.predict(x[4]); });
    const queued = other.predict(x[5]);
    await expect(late).rejects.toMatchObject({ code: 'WASMGRAD_DISPOSED' });
    await expect(queued).resolves.toBeInstanceOf(Float32Array); // in the same batch as the call that disposed
    expect(other.stats.pending).toBe(0);
    await other.close();
    expect(runtime().heap.liveBlocks).toBe(blocks);
  });
});
