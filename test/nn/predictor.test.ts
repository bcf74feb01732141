/**
 * createPredictor (src/nn/predictor.ts): concurrent one-sample calls run as
 * batches (counted in stats), each call gets its own sample's row (compared
 * with net.predict of that one row, and with a float64 forward pass), a bad
 * sample rejects only its own call, close() drains then refuses, dispose()
 * rejects what is queued, and calls during an async fit are answered between
 * training slices with the weights of that moment. Timers are faked where a
 * test depends on when a batch runs, so nothing here depends on timing.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPredictor, dense, isWasmgradError, sequential, sgd, type Network, type Predictor } from '../../src/index.js';
import type { BackendName } from '../../src/backend/backend.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);
afterEach(() => {
  vi.useRealTimers();
});

const BACKENDS: BackendName[] = ['wasm', 'js'];
const INPUTS = 6;
const OUTPUTS = 3;

function network(backend: BackendName): Network {
  return sequential({
    inputSize: INPUTS, seed: 11, backend, optimizer: sgd({ learningRate: 0.05 }), loss: 'mse',
    layers: [dense(40, { activation: 'tanh' }), dense(24, { activation: 'relu' }), dense(OUTPUTS, { activation: 'linear' })],
  });
}

function samples(n: number, seed: number): number[][] {
  const random = new Random(seed);
  return Array.from({ length: n }, () => Array.from({ length: INPUTS }, () => random.uniform(-2, 2)));
}

/** The forward pass in float64 from getWeights(), written apart from the library (tanh, relu, linear). */
function reference(net: Network, x: readonly number[]): number[] {
  const activations = ['tanh', 'relu', 'linear'];
  let a: number[] = [...x];
  net.getWeights().forEach((layer, l) => {
    a = layer.bias.map((b, j) => {
      let z = b;
      for (let i = 0; i < a.length; i++) z += a[i] * layer.weights[i][j];
      return activations[l] === 'tanh' ? Math.tanh(z) : activations[l] === 'relu' ? Math.max(0, z) : z;
    });
  });
  return a;
}

/** |actual - expected| within `relative` of expected (plus a floor for values near 0). */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative: number, floor = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    expect(Math.abs(actual[i] - expected[i]), `value ${i}: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(relative * Math.abs(expected[i]) + floor);
  }
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe.each(BACKENDS)('createPredictor (%s backend)', (backend) => {
  it('batches concurrent calls: full batches at once, the rest after maxDelayMs; each call gets its own row', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const net = network(backend);
    const predictor = createPredictor(net, { maxBatch: 8, maxDelayMs: 50 });
    const xs = samples(20, 1);
    // Half as number[], half as Float32Array.
    const answers = xs.map((x, i) => predictor.predict(i % 2 ? x : Float32Array.from(x)));
    // Two full batches ran inside predict; the last 4 wait for the timer.
    expect(predictor.stats).toMatchObject({ calls: 16, batches: 2, pending: 4 });
    vi.advanceTimersByTime(49);
    expect(predictor.stats.pending).toBe(4);
    vi.advanceTimersByTime(1);
    expect(predictor.stats).toMatchObject({ calls: 20, batches: 3, pending: 0 });
    expect(predictor.stats.meanBatchSize).toBeCloseTo(20 / 3, 12);
    const rows = await Promise.all(answers);
    rows.forEach((row, i) => {
      expect(row).toBeInstanceOf(Float32Array);
      // net.predict of this one sample: the same sums, maybe in another order (a batch takes the matrix-product path).
      expectClose(row, net.predict(Float32Array.from(xs[i])), 1e-6);
      expectClose(row, reference(net, xs[i]), 1e-5, 1e-6);
    });
    // Rows are copies: no two callers share a buffer.
    expect(new Set(rows.map((r) => r.buffer)).size).toBe(rows.length);
    await predictor.close();
    net.dispose();
  });

  it('stats: queue-wait percentiles (nearest rank) from arrival to the start of the batch', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const net = network(backend);
    const predictor = createPredictor(net, { maxBatch: 64, maxDelayMs: 100 });
    expect(predictor.stats).toEqual({ calls: 0, batches: 0, meanBatchSize: 0, pending: 0, queueWaitMs: { p50: 0, p90: 0, p99: 0 } });
    const [a, b, c] = samples(3, 2);
    const answers = [predictor.predict(a)];
    vi.advanceTimersByTime(10);
    answers.push(predictor.predict(b));
    vi.advanceTimersByTime(30);
    answers.push(predictor.predict(c));
    vi.advanceTimersByTime(60);
    await Promise.all(answers);
    // Waits 100, 90 and 60 ms: p50 is the 2nd smallest, p90 and p99 the 3rd.
    expect(predictor.stats).toEqual({ calls: 3, batches: 1, meanBatchSize: 3, pending: 0, queueWaitMs: { p50: 90, p90: 100, p99: 100 } });
    await predictor.close();
    net.dispose();
  });

  it('a sample is copied on entry: changing the caller\'s array afterwards changes nothing', async () => {
    const net = network(backend);
    const predictor = createPredictor(net);
    const [x] = samples(1, 3);
    const mine = Float32Array.from(x);
    const answer = predictor.predict(mine);
    mine.fill(100);
    expectClose(await answer, reference(net, x), 1e-5, 1e-6);
    await predictor.close();
    net.dispose();
  });

  it('a bad sample rejects only its own call, naming x; its batch-mates are answered', async () => {
    const net = network(backend);
    const predictor = createPredictor(net, { maxBatch: 64, maxDelayMs: 0 });
    const xs = samples(4, 4);
    const bad: [unknown, string, RegExp][] = [
      [[1, 2, 3], 'WASMGRAD_SHAPE', /Predictor\.predict: x has 3 values, expected 6/],
      [new Float32Array(7), 'WASMGRAD_SHAPE', /Predictor\.predict: x has 7 values, expected 6/],
      [[1, 2, Number.NaN, 4, 5, 6], 'WASMGRAD_INVALID_ARGUMENT', /Predictor\.predict: x\[2\] must be a finite number, got NaN/],
      [Float32Array.of(1, 2, 3, 4, 5, Number.POSITIVE_INFINITY), 'WASMGRAD_INVALID_ARGUMENT', /x\[5\] must be a finite number, got Infinity/],
      [[1, 2, 3, 1e39, 5, 6], 'WASMGRAD_INVALID_ARGUMENT', /x\[3\] must be a finite number that float32 can hold/],
      [[1, 2, 3, '4', 5, 6], 'WASMGRAD_INVALID_ARGUMENT', /x\[3\] must be a finite number, got "4"/],
      ['abcdef', 'WASMGRAD_INVALID_ARGUMENT', /Predictor\.predict: x must be an array of 6 numbers or a Float32Array, got "abcdef"/],
      [new Float64Array(6), 'WASMGRAD_INVALID_ARGUMENT', /x must be an array of 6 numbers or a Float32Array, got a Float64Array/],
      [[xs[0]], 'WASMGRAD_SHAPE', /x has 1 values, expected 6 \(the network's inputSize; one sample per call\)/],
    ];
    const good = xs.map((x) => predictor.predict(x));
    const refused = bad.map(([x]) => predictor.predict(x as number[]));
    good.push(predictor.predict(xs[0]));
    expect(predictor.stats.pending).toBe(5);
    for (const [i, [, code, message]] of bad.entries()) {
      const error = await rejection(refused[i]);
      expect(isWasmgradError(error, code as 'WASMGRAD_SHAPE')).toBe(true);
      expect(error.message).toMatch(message);
    }
    const rows = await Promise.all(good);
    [...xs, xs[0]].forEach((x, i) => expectClose(rows[i], reference(net, x), 1e-5, 1e-6));
    expect(predictor.stats).toMatchObject({ calls: 5, batches: 1 });
    await predictor.close();
    net.dispose();
  });

  it('close() runs the queued calls, resolves once they are answered, then refuses new calls with WASMGRAD_CLOSED', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const net = network(backend);
    const predictor = createPredictor(net, { maxDelayMs: 10_000 });
    const xs = samples(3, 5);
    const settled: number[] = [];
    const answers = xs.map((x, i) => predictor.predict(x).then((row) => { settled.push(i); return row; }));
    expect(predictor.closed).toBe(false);
    await predictor.close();
    // Drained without the timer: every call settled before close() resolved.
    expect(settled).toEqual([0, 1, 2]);
    expect(predictor.closed).toBe(true);
    expect(predictor.stats).toMatchObject({ calls: 3, batches: 1, pending: 0 });
    (await Promise.all(answers)).forEach((row, i) => expectClose(row, reference(net, xs[i]), 1e-5, 1e-6));
    const error = await rejection(predictor.predict(xs[0]));
    expect(isWasmgradError(error, 'WASMGRAD_CLOSED')).toBe(true);
    expect(error.message).toBe('Predictor.predict: this predictor is closed (close() was called)');
    await predictor.close();
    // The network is untouched by its predictor's close.
    expect(net.disposed).toBe(false);
    expectClose(net.predict([xs[0]])[0], reference(net, xs[0]), 1e-5, 1e-6);
    net.dispose();
  });

  it('net.dispose() rejects the queued calls at once with WASMGRAD_DISPOSED, and every later call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const net = network(backend);
    const predictor = createPredictor(net, { maxDelayMs: 10_000 });
    const other = network(backend);
    const otherPredictor = createPredictor(other, { maxDelayMs: 10_000 });
    const xs = samples(3, 6);
    const answers = xs.map((x) => predictor.predict(x));
    const otherAnswer = otherPredictor.predict(xs[0]);
    net.dispose();
    // No timer has fired: the rejections come from dispose() itself.
    for (const answer of answers) {
      const error = await rejection(answer);
      expect(isWasmgradError(error, 'WASMGRAD_DISPOSED')).toBe(true);
      expect(error.message).toMatch(/Predictor\.predict: the network was disposed before this call's batch ran/);
    }
    expect(predictor.stats).toMatchObject({ calls: 0, batches: 0, pending: 0 });
    const later = await rejection(predictor.predict(xs[0]));
    expect(isWasmgradError(later, 'WASMGRAD_DISPOSED')).toBe(true);
    expect(later.message).toBe('Predictor.predict: the network has been disposed');
    await predictor.close();
    // Another network's predictor is not affected.
    expect(otherPredictor.stats.pending).toBe(1);
    vi.advanceTimersByTime(10_000);
    expectClose(await otherAnswer, reference(other, xs[0]), 1e-5, 1e-6);
    await otherPredictor.close();
    other.dispose();
    expect(() => createPredictor(net)).toThrow(expect.objectContaining({ code: 'WASMGRAD_DISPOSED', message: 'createPredictor: the network has been disposed' }));
  });

  it('a caller\'s callback that disposes the network: its batch-mates keep their rows, a call it queued rejects, the predictor closes cleanly', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const net = network(backend);
    const predictor = createPredictor(net, { maxDelayMs: 10 });
    const xs = samples(4, 13);
    const expected = xs.map((x) => reference(net, x)); // before the weights are gone
    let queuedInCallback: Promise<Float32Array> | undefined;
    const answers = xs.slice(0, 3).map((x, i) => predictor.predict(x).then((row) => {
      if (i === 0) {
        queuedInCallback = predictor.predict(xs[3]);
        net.dispose();
      }
      return row;
    }));
    vi.advanceTimersByTime(10);
    const rows = await Promise.all(answers);
    expect(net.disposed).toBe(true);
    // All three were answered by the batch, before the first caller's callback ran.
    rows.forEach((row, i) => expectClose(row, expected[i], 1e-5, 1e-6));
    const error = await rejection(queuedInCallback!);
    expect(isWasmgradError(error, 'WASMGRAD_DISPOSED')).toBe(true);
    expect(error.message).toMatch(/the network was disposed before this call's batch ran/);
    expect(predictor.stats).toMatchObject({ calls: 3, batches: 1, pending: 0 });
    // No timer is left to run a batch on the disposed network.
    expect(vi.getTimerCount()).toBe(0);
    await predictor.close();
    expect(predictor.closed).toBe(true);
  });

  it('a one-input, one-output network with maxBatch 2: tiny rows batch and grow like any other', async () => {
    const net = sequential({ inputSize: 1, seed: 3, backend, layers: [dense(1, { activation: 'linear' })] });
    const [[w]] = net.getWeights()[0].weights;
    const [b] = net.getWeights()[0].bias;
    const predictor = createPredictor(net, { maxBatch: 2, maxDelayMs: 0 });
    const xs = [0.5, -3, 2, 1e-3, 7];
    const rows = await Promise.all(xs.map((x) => predictor.predict([x])));
    // y = w·x + b by hand in float64: the network's float32 result within its rounding (fused or not).
    rows.forEach((row, i) => expectClose(row, [w * xs[i] + b], 1e-6, 1e-7));
    expect(rows.every((row) => row.length === 1)).toBe(true);
    expect(predictor.stats).toMatchObject({ calls: 5, batches: 3, meanBatchSize: 5 / 3, pending: 0 });
    await predictor.close();
    net.dispose();
  });

  it('calls made during an async fit are answered between training slices, with the weights of that moment', async () => {
    const net = network(backend);
    const predictor = createPredictor(net, { maxBatch: 64, maxDelayMs: 1 });
    const full = createPredictor(net, { maxBatch: 4, maxDelayMs: 10_000 });
    const xs = samples(10, 7);
    const before = net.predict(xs);
    const [x, t] = [samples(64, 8), samples(64, 9).map((row) => row.slice(0, OUTPUTS))];
    let fitDone = false;
    // Many epochs: the fit cannot end on its own during this test; it is stopped below.
    const fit = net.fit(x, t, { epochs: 1_000_000, batchSize: 4 }).finally(() => { fitDone = true; });
    // Wait until it has trained, so that the weights the calls see are not the initial ones.
    while (net.epochsTrained === 0) await new Promise((resolve) => setImmediate(resolve));
    // A full batch runs inside the predict call that fills it: with the weights of this line.
    const fullAnswers = xs.slice(0, 4).map((sample) => full.predict(sample));
    const atFill = net.predict(xs.slice(0, 4));
    // A batch run by its timer: its answers arrive in that timer's microtasks, while the fit waits for a turn of the event loop,
    // so net.predict in the same continuation sees the weights the batch used.
    const now = await Promise.all(xs.map((sample) => predictor.predict(sample).then((row) => [row, net.predict(Float32Array.from(sample))])));
    expect(fitDone).toBe(false);
    now.forEach(([row, alone], i) => {
      expectClose(row, alone, 1e-6);
      expect(row.some((v, j) => Math.abs(v - before[i][j]) > 1e-6)).toBe(true);
    });
    (await Promise.all(fullAnswers)).forEach((row, i) => expectClose(row, atFill[i], 1e-6));
    net.stopTraining();
    const history = await fit;
    expect(history.stopReason).toBe('aborted');
    // The predictors keep working after the fit, with the final weights.
    expectClose(await predictor.predict(xs[0]), reference(net, xs[0]), 1e-5, 1e-6);
    await Promise.all([predictor.close(), full.close()]);
    net.dispose();
  });

  it('a queue past the first 16 rows grows (keeping the queued samples); a bad sample while it grows costs only its own call', async () => {
    const net = network(backend);
    const predictor = createPredictor(net, { maxBatch: 40, maxDelayMs: 0 });
    const xs = samples(37, 12);
    const answers = xs.map((x, i) => predictor.predict(i % 2 ? x : Float32Array.from(x)));
    // The 17th and 33rd samples grow the buffers; a bad one right after a grow leaves the queued rows as they were.
    const refused = predictor.predict([1, 2, 3, 4, 5, Number.NaN]);
    expect(predictor.stats.pending).toBe(37);
    expect((await rejection(refused)).code).toBe('WASMGRAD_INVALID_ARGUMENT');
    const rows = await Promise.all(answers);
    rows.forEach((row, i) => expectClose(row, reference(net, xs[i]), 1e-5, 1e-6));
    expect(predictor.stats).toMatchObject({ calls: 37, batches: 1 });
    await predictor.close();
    net.dispose();
  });

  it('many calls over several turns of the event loop: fewer batches than calls, every row right', async () => {
    const net = network(backend);
    const predictor: Predictor = createPredictor(net, { maxBatch: 16 });
    const xs = samples(100, 10);
    const answers: Promise<Float32Array>[] = [];
    for (let i = 0; i < xs.length; i++) {
      answers.push(predictor.predict(xs[i]));
      if (i % 30 === 29) await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const rows = await Promise.all(answers);
    rows.forEach((row, i) => expectClose(row, net.predict(Float32Array.from(xs[i])), 1e-6));
    const { calls, batches, meanBatchSize } = predictor.stats;
    expect(calls).toBe(100);
    expect(batches).toBeLessThan(calls);
    expect(batches).toBeGreaterThanOrEqual(7);
    expect(meanBatchSize).toBeCloseTo(100 / batches, 12);
    await predictor.close();
    net.dispose();
  });
});

describe('createPredictor: options', () => {
  it('refuses a bad network or option, naming it', async () => {
    const net = network('wasm');
    const refused: [unknown, unknown, string, RegExp][] = [
      [{}, {}, 'WASMGRAD_INVALID_ARGUMENT', /createPredictor: net must be a Network .*got an object/],
      [net, null, 'WASMGRAD_INVALID_ARGUMENT', /createPredictor: options must be an object, got null/],
      [net, { maxBatch: 0 }, 'WASMGRAD_INVALID_ARGUMENT', /createPredictor: options\.maxBatch must be a positive integer, got 0/],
      [net, { maxBatch: 2.5 }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxBatch must be a positive integer, got 2\.5/],
      [net, { maxBatch: '8' }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxBatch must be a positive integer, got "8"/],
      [net, { maxBatch: null }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxBatch must be a positive integer, got null/],
      [net, { maxDelayMs: -1 }, 'WASMGRAD_INVALID_ARGUMENT', /createPredictor: options\.maxDelayMs must be a finite number from 0 to 2147483647 \(milliseconds\), got -1/],
      [net, { maxDelayMs: Number.POSITIVE_INFINITY }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxDelayMs must be .*got Infinity/],
      [net, { maxDelayMs: Number.NaN }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxDelayMs must be .*got NaN/],
      [net, { maxDelayMs: 2 ** 31 }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxDelayMs must be .*got 2147483648/],
      [net, { maxDelayMs: '1' }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxDelayMs must be .*got "1"/],
      [net, { maxbatch: 8 }, 'WASMGRAD_INVALID_ARGUMENT', /options\.maxbatch must be absent: not a known option \(known options: maxBatch, maxDelayMs\)/],
    ];
    for (const [target, options, code, message] of refused) {
      let error: unknown;
      try {
        createPredictor(target as Network, options as object);
      } catch (caught) {
        error = caught;
      }
      expect(isWasmgradError(error, code as 'WASMGRAD_INVALID_ARGUMENT'), String(message)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
    // Boundaries that are accepted.
    for (const options of [{ maxBatch: 1 }, { maxDelayMs: 0 }, { maxDelayMs: 2 ** 31 - 1 }, {}, undefined]) await createPredictor(net, options).close();
    net.dispose();
  });

  it('maxBatch 1 runs every call as its own batch, at once', async () => {
    const net = network('wasm');
    const predictor = createPredictor(net, { maxBatch: 1, maxDelayMs: 10_000 });
    const xs = samples(3, 12);
    const answers = xs.map((x) => predictor.predict(x));
    expect(predictor.stats).toMatchObject({ calls: 3, batches: 3, meanBatchSize: 1, pending: 0 });
    // Batch 1 takes the same path as net.predict of one row: the same bits.
    (await Promise.all(answers)).forEach((row, i) => expect(row).toEqual(net.predict(Float32Array.from(xs[i]))));
    await predictor.close();
    net.dispose();
  });
});
