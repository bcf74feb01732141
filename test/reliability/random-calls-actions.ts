/**
 * The random-call adversary's steps for the training-control and serving
 * APIs (test/reliability/random-calls.test.ts drives them): fitDataset from
 * good and bad sources, abort signals and stopTraining at random moments and
 * from callbacks, callback objects that dispose or throw, a predictor with
 * concurrent calls closed or disposed at random, summary, and ONNX round
 * trips (also of damaged bytes).
 */
import { expect } from 'vitest';
import {
  createPredictor, fromOnnx, reduceLROnPlateau, toOnnx,
  type DatasetBatch, type DatasetSource, type FitDatasetOptions, type History, type Network, type TrainingCallback,
} from '../../src/index.js';

/** An error our own callbacks and sources throw: it must reach the caller unchanged. */
export class CallbackError extends Error {}

export interface Tracked { net: Network; inputSize: number; outputSize: number; weights: Uint32Array }

/** What an action needs of the adversary. */
export interface Adversary {
  int(n: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  value(): number;
  rows(count: number, width: number): number[][];
  liveNets(): Tracked[];
  track(net: Network): Tracked;
  /** The steps so far, printed when one fails: actions add what they chose. */
  readonly log: string[];
}

/**
 * One step's verdict: `bad` when the call must throw a coded error and change
 * nothing; `allowed` the further codes a good call may end with (a failure
 * mid-run, after some batches trained); `changed` the networks it may change.
 */
export interface Step {
  bad: boolean;
  allowed: string[];
  changed: Set<Tracked>;
  attempt(fn: () => unknown): Promise<void>;
  /** Timers the step set (a stopTraining at a random moment): awaited before the step ends, so none reaches a later step's run. */
  timers: Promise<void>[];
}

const STOP_REASONS = ['completed', 'earlyStopping', 'aborted'];

/** Targets in [0, 1], right for every output activation's loss. */
function targets(a: Adversary, count: number, width: number): number[][] {
  return a.rows(count, width).map((r) => r.map((v) => Math.abs(v) / 4));
}

/** How training is told to stop, if at all. */
type Control = 'none' | 'preAborted' | 'abortFromBatch' | 'stopFromBatch' | 'stopFromCallback' | 'abortByTimer' | 'stopByTimer' | 'stopFromSource';

function pickControl(a: Adversary, sourceCanStop: boolean): Control {
  const c = a.pick(['none', 'none', 'none', 'preAborted', 'abortFromBatch', 'stopFromBatch', 'stopFromCallback', 'abortByTimer', 'stopByTimer', 'stopFromSource'] as const);
  return c === 'stopFromSource' && !sourceCanStop ? 'none' : c;
}

/**
 * fit's, fitSync's and fitDataset's shared options: the stop control, and a
 * callback (a plain hook or a callback object's) that disposes this network
 * or another one, or throws.
 */
function trainingOptions(a: Adversary, s: Step, target: Tracked, control: Control, controller: AbortController) {
  const { net } = target;
  const other = a.pick(a.liveNets());
  const behaviour = a.int(7);
  const fire = () => {
    if (behaviour === 1) net.dispose();
    if (behaviour === 2) other.net.dispose();
    if (behaviour === 3) throw new CallbackError('callback threw');
  };
  const stopAt = a.int(4);
  let batches = 0;
  const onBatchEnd = (): void => {
    if (batches++ === stopAt) {
      if (control === 'abortFromBatch') controller.abort();
      if (control === 'stopFromBatch') net.stopTraining();
    }
  };
  const hook = a.pick(['onEpochEnd', 'onBatchEnd', 'onTrainEnd', 'callbackBegin', 'callbackEpoch', 'callbackEnd'] as const);
  const callback: TrainingCallback = {
    name: 'adversary',
    onTrainBegin: () => { if (hook === 'callbackBegin') fire(); },
    onEpochEnd: (epoch) => {
      if (hook === 'callbackEpoch') fire();
      if (control === 'stopFromCallback' && epoch === stopAt % 2) net.stopTraining();
    },
    onTrainEnd: () => { if (hook === 'callbackEnd') fire(); },
  };
  const callbacks: TrainingCallback[] = [callback];
  if (a.chance(0.3)) callbacks.unshift(reduceLROnPlateau({ patience: a.int(2), factor: 0.5, minLearningRate: a.chance(0.5) ? 1 : 0 }));
  if (control === 'preAborted') controller.abort();
  if (control === 'abortByTimer') setTimeout(() => controller.abort(), a.int(3));
  // Often after the run has ended: then it must do nothing, and not stop the next run (which checkHistory's 'none' case checks).
  if (control === 'stopByTimer') s.timers.push(new Promise((done) => setTimeout(() => { if (!net.disposed) net.stopTraining(); done(); }, a.int(3))));
  if (behaviour === 2) s.changed.add(other);
  return {
    callbacks,
    ...(control === 'none' && a.chance(0.7) ? {} : { signal: controller.signal }),
    ...(a.chance(0.3) ? { earlyStopping: { patience: 1, restoreBestWeights: a.chance(0.7) } } : {}),
    ...(a.chance(0.3) ? { metrics: ['accuracy' as const] } : {}),
    onBatchEnd: (...args: unknown[]) => { onBatchEnd(); if (hook === 'onBatchEnd') fire(); void args; },
    onEpochEnd: () => { if (hook === 'onEpochEnd') fire(); },
    onTrainEnd: () => { if (hook === 'onTrainEnd') fire(); },
    onWarning: () => {},
  };
}

/** What any resolved training call must say of itself. */
function checkHistory(history: History, epochs: number, control: Control, early: boolean): void {
  expect(STOP_REASONS).toContain(history.stopReason);
  expect(history.loss.length).toBe(history.epochs);
  expect(history.epochs).toBeLessThanOrEqual(epochs);
  if (control === 'preAborted') {
    expect(history.stopReason).toBe('aborted');
    expect(history.epochs).toBe(0);
  }
  // stopTraining() with no training running, or a stop asked of an earlier run, never carries over.
  if (control === 'none' && !early) {
    expect(history.stopReason, 'a run nobody stopped').toBe('completed');
    expect(history.epochs).toBe(epochs);
  }
}

/** fit or fitSync with a stop control and callback objects (good inputs: bad ones are random-calls' own fit step). */
export async function fitWithControl(a: Adversary, s: Step, target: Tracked, sync: boolean): Promise<void> {
  const { net } = target;
  const samples = 2 + a.int(10);
  const x = a.rows(samples, target.inputSize), t = targets(a, samples, target.outputSize);
  const control = pickControl(a, false);
  const controller = new AbortController();
  // fitSync refuses a callback that must be awaited: checkpoint is the only one, so none here needs it.
  const options = { epochs: 1 + a.int(4), batchSize: 1 + a.int(4), ...trainingOptions(a, s, target, control, controller) };
  const early = 'earlyStopping' in options;
  if (control !== 'preAborted') s.changed.add(target);
  a.log.push(`   control ${control}, options ${JSON.stringify(options)}`);
  await s.attempt(async () => {
    const history = sync ? net.fitSync(x, t, options) : await net.fit(x, t, options);
    checkHistory(history, options.epochs, control, early);
  });
}

/** Batches of `size` samples, as number[][], as row-major copies, or as views into one buffer the source overwrites next. */
function batchList(a: Adversary, target: Tracked, form: number): { list: DatasetBatch[]; epochs: number } {
  const samples = 2 + a.int(10), size = 1 + a.int(4);
  const x = a.rows(samples, target.inputSize), t = targets(a, samples, target.outputSize);
  const list: DatasetBatch[] = [];
  for (let i = 0; i < samples; i += size) {
    const xs = x.slice(i, i + size), ys = t.slice(i, i + size);
    list.push(form === 0 ? { xs, ys } : { xs: Float32Array.from(xs.flat()), ys: Float32Array.from(ys.flat()) });
  }
  return { list, epochs: 1 + a.int(3) };
}

/** fitDataset from a random source (good, or one that throws, gives a ragged or non-finite batch, or is a one-shot iterator reused). */
export async function fitDatasetStep(a: Adversary, s: Step, target: Tracked): Promise<void> {
  const { net } = target;
  const form = a.int(3); // 0: number[][], 1: Float32Array copies, 2: views into one buffer rewritten per batch
  const { list, epochs } = batchList(a, target, form);
  const fault = a.pick(['none', 'none', 'none', 'throws', 'ragged', 'mismatched', 'nonFinite', 'badOptions'] as const);
  const faultAt = a.int(list.length);
  const kind = a.pick(['array', 'generator', 'asyncGenerator', 'oneShot'] as const);
  const control = pickControl(a, kind === 'generator' || kind === 'asyncGenerator');
  const controller = new AbortController();
  const shared = { xs: new Float32Array(64), ys: new Float32Array(64) };
  const batchAt = (i: number): DatasetBatch => {
    if (i === faultAt && kind !== 'array') {
      if (fault === 'throws') throw new CallbackError('source threw');
      if (fault === 'ragged') return { xs: [a.rows(1, target.inputSize + 1)[0]], ys: targets(a, 1, target.outputSize) };
      if (fault === 'mismatched') return { xs: a.rows(2, target.inputSize), ys: targets(a, 1, target.outputSize) };
      if (fault === 'nonFinite') return { xs: [Array(target.inputSize).fill(Number.NaN)], ys: targets(a, 1, target.outputSize) };
    }
    const b = list[i];
    if (form !== 2) return b;
    // The same buffers every time, overwritten: fitDataset must have copied the last batch before asking for the next.
    const xs = b.xs as Float32Array, ys = b.ys as Float32Array;
    shared.xs.set(xs);
    shared.ys.set(ys);
    return { xs: shared.xs.subarray(0, xs.length), ys: shared.ys.subarray(0, ys.length) };
  };
  function* generate(): Generator<DatasetBatch> {
    for (let i = 0; i < list.length; i++) {
      if (control === 'stopFromSource' && i === 1) net.stopTraining();
      yield batchAt(i);
    }
  }
  async function* generateAsync(): AsyncGenerator<DatasetBatch> {
    for (let i = 0; i < list.length; i++) {
      if (a.chance(0.2)) await new Promise((r) => setTimeout(r, 0));
      if (control === 'stopFromSource' && i === 1) net.stopTraining();
      yield batchAt(i);
    }
  }
  const batchesPerEpoch = kind === 'oneShot' && a.chance(0.5) ? 1 + a.int(list.length) : undefined;
  let source: DatasetSource;
  // An array is read again each epoch: no faults in it (views into one buffer make it one batch repeated).
  if (kind === 'array') source = list.map((_, i) => batchAt(i));
  else if (kind === 'generator') source = generate;
  else if (kind === 'asyncGenerator') source = generateAsync;
  else source = generate();
  // A one-shot iterator for more than one epoch, with no batchesPerEpoch to share it, is refused before training.
  s.bad ||= kind === 'oneShot' && epochs > 1 && batchesPerEpoch === undefined;
  s.bad ||= fault === 'badOptions';
  if (kind !== 'array' && ['ragged', 'mismatched', 'nonFinite'].includes(fault)) s.allowed.push('WASMGRAD_SHAPE', 'WASMGRAD_INVALID_ARGUMENT');
  // A shared one-shot iterator runs dry: an epoch with no batches is refused, after the earlier ones trained.
  if (kind === 'oneShot') s.allowed.push('WASMGRAD_INVALID_ARGUMENT');
  const options = {
    epochs,
    ...(batchesPerEpoch ? { batchesPerEpoch } : {}),
    ...(a.chance(0.3) ? { validationData: [a.rows(2, target.inputSize), targets(a, 2, target.outputSize)] as const } : {}),
    ...trainingOptions(a, s, target, control, controller),
    // Last, so nothing above overrides it.
    ...(fault === 'badOptions' ? a.pick([{ batchSize: 4 }, { epochs: 0 }, { batchesPerEpoch: 1.5 }, { validationData: [[[1]], []] }, { callbacks: [{}] }]) : {}),
  };
  const early = 'earlyStopping' in options;
  if (!s.bad && control !== 'preAborted') s.changed.add(target);
  const concurrent = !s.bad && a.chance(0.25);
  a.log.push(`   source ${kind} of ${list.length} batches (form ${form}), fault ${fault} at ${faultAt}, control ${control}, `
    + `options ${JSON.stringify(options)}${concurrent ? ', concurrent calls' : ''}`);
  await s.attempt(async () => {
    const running = net.fitDataset(source, options as FitDatasetOptions);
    if (concurrent) {
      // Training holds the network from the call until it settles: a second run is refused, predict is allowed.
      expect(() => net.fitSync([Array(target.inputSize).fill(0)], targets(a, 1, target.outputSize))).toThrow(/already training|disposed/);
      await expect(net.fitDataset([{ xs: [Array(target.inputSize).fill(0)], ys: targets(a, 1, target.outputSize) }])).rejects.toThrow(/already training|disposed/);
      if (!net.disposed) net.predict([Array(target.inputSize).fill(0.5)]);
      if (a.chance(0.5) && !net.disposed) net.stopTraining();
    }
    const history = await running;
    if (!concurrent && (fault === 'none' || kind === 'array')) checkHistory(history, epochs, control, early || batchesPerEpoch !== undefined);
  });
}

/** net.stopTraining() with nothing running: it does nothing, and the next run is not stopped (checkHistory's 'none' case). */
export async function stopTrainingStep(s: Step, target: Tracked): Promise<void> {
  s.bad ||= target.net.disposed;
  await s.attempt(() => target.net.stopTraining());
}

/** The same promise, marked handled: it is awaited later, after other calls and timers. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

/** A predictor's concurrent calls, good and bad, with close, dispose and training at random moments. */
export async function predictorStep(a: Adversary, s: Step, target: Tracked): Promise<void> {
  const { net } = target;
  if (net.disposed) {
    s.bad = true;
    await s.attempt(() => createPredictor(net));
    return;
  }
  const predictor = createPredictor(net, { maxBatch: 1 + a.int(6), maxDelayMs: a.int(3) });
  const calls: { sample: number[]; answer: Promise<Float32Array>; closed: boolean; bad: boolean }[] = [];
  let trained = false;
  const training: Promise<unknown>[] = [];
  const count = 1 + a.int(12);
  for (let k = 0; k < count; k++) {
    const what = a.int(14);
    if (what === 0) {
      const sample = a.pick([a.rows(1, target.inputSize + 1)[0], Array(target.inputSize).fill(Number.NaN), 'x' as unknown as number[]]);
      calls.push({ sample, answer: handled(predictor.predict(sample)), closed: predictor.closed, bad: true });
    } else if (what === 1) {
      void predictor.close();
    } else if (what === 2 && a.chance(0.3)) {
      net.dispose();
    } else if (what === 3) {
      await new Promise((r) => setTimeout(r, a.int(3)));
    } else if (what === 4 && !net.disposed) {
      trained = true;
      s.changed.add(target);
      try {
        net.fitSync(a.rows(2, target.inputSize), targets(a, 2, target.outputSize), { epochs: 1, onWarning: () => {} });
      } catch (error) {
        // Weights grown huge by earlier steps may diverge; an async fit started below may be running (BUSY).
        if (!['WASMGRAD_DIVERGED', 'WASMGRAD_BUSY'].includes((error as { code?: string }).code ?? '')) throw error;
      }
    } else if (what === 5 && !net.disposed) {
      // An async fit in the background: the calls that follow are answered between its slices (or rejected if it disposes).
      trained = true;
      s.changed.add(target);
      const samples = 2 + a.int(30);
      training.push(handled(net.fit(a.rows(samples, target.inputSize), targets(a, samples, target.outputSize), {
        epochs: 1 + a.int(20), batchSize: 1 + a.int(4), onWarning: () => {},
      })));
    } else {
      const sample = a.rows(1, target.inputSize)[0];
      calls.push({ sample, answer: handled(predictor.predict(a.chance(0.5) ? Float32Array.from(sample) : sample)), closed: predictor.closed, bad: false });
    }
  }
  await s.attempt(async () => {
    for (const result of await Promise.allSettled(training)) {
      if (result.status === 'rejected') expect(['WASMGRAD_DIVERGED', 'WASMGRAD_BUSY', 'WASMGRAD_DISPOSED']).toContain((result.reason as { code?: string }).code);
    }
    const settled = await Promise.allSettled(calls.map((c) => c.answer));
    settled.forEach((result, k) => {
      const call = calls[k];
      if (result.status === 'rejected') {
        const code = (result.reason as { code?: string }).code;
        if (call.bad) expect(['WASMGRAD_SHAPE', 'WASMGRAD_INVALID_ARGUMENT', 'WASMGRAD_CLOSED', 'WASMGRAD_DISPOSED']).toContain(code);
        else if (call.closed) expect(code).toBe('WASMGRAD_CLOSED');
        else expect(code, `a good call rejected: ${(result.reason as Error).message}`).toBe('WASMGRAD_DISPOSED');
        return;
      }
      expect(call.bad || call.closed, 'a bad or closed call was answered').toBe(false);
      // Weights that did not change since the call: its row is net.predict's (up to a batch's summation order).
      if (!trained && !net.disposed) {
        const expected = net.predict([call.sample])[0];
        // Weights grown huge by earlier steps may give ±Infinity (as net.predict does): then the same value.
        result.value.forEach((v, j) => {
          if (v !== expected[j]) expect(Math.abs(v - expected[j])).toBeLessThanOrEqual(1e-6 * Math.abs(expected[j]) + 1e-7);
        });
      }
    });
    await predictor.close();
    expect(predictor.stats.pending).toBe(0);
    await expect(predictor.predict(Array(target.inputSize).fill(0))).rejects.toMatchObject({ code: 'WASMGRAD_CLOSED' });
  });
}

/** summary(): its parameter total is the count of weights and biases. */
export async function summaryStep(s: Step, target: Tracked): Promise<void> {
  s.bad ||= target.net.disposed;
  await s.attempt(() => {
    const text = target.net.summary();
    const total = target.net.getWeights().reduce((n, l) => n + l.weights.length * l.weights[0].length + l.bias.length, 0);
    expect(text).toContain(`Total parameters: ${total}`);
  });
}

/** toOnnx then fromOnnx: the same weights bit for bit; damaged bytes imported whole or refused with a coded error. */
export async function onnxStep(a: Adversary, s: Step, target: Tracked): Promise<void> {
  const { net } = target;
  s.bad ||= net.disposed;
  const damage = a.int(4); // 0: flip a byte, 1: truncate, else none
  if (damage < 2) s.allowed.push('WASMGRAD_BAD_MODEL_FILE', 'WASMGRAD_UNSUPPORTED', 'WASMGRAD_INVALID_ARGUMENT', 'WASMGRAD_SHAPE', 'WASMGRAD_OUT_OF_MEMORY');
  await s.attempt(() => {
    const bytes = toOnnx(net);
    if (damage === 0) bytes[a.int(bytes.length)] ^= 1 << a.int(8);
    const input = damage === 1 ? bytes.subarray(0, a.int(bytes.length)) : bytes;
    const copy = fromOnnx(input, { backend: a.pick(['wasm', 'js'] as const) });
    const tracked = a.track(copy);
    s.changed.add(tracked);
    if (damage >= 2) expect(tracked.weights).toEqual(target.weights);
  });
}
