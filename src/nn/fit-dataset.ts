/**
 * fitDataset: training from a source of batches, for data that does not fit
 * in memory (files read line by line, fetch() streams, generators). Each
 * batch is checked, copied into a block sized for the largest batch so far,
 * and trained as one gradient step by the same kernel call fit uses
 * (Trainee.trainBatches): memory stays one batch, plus validation data.
 */
import type { Heap } from '../heap.js';
import { codedError, disposedError, shapeError } from '../errors.js';
import type { Loss } from '../backend/kinds.js';
import { checkFloat32Shape, nonFiniteError, toMatrix, type Matrix, type MatrixInput } from './data.js';
import { targetsToMatrix, type TargetsInput } from './targets.js';
import { planTrainingData } from './layout.js';
import { learningRateAt } from './optimizers.js';
import type { Metric } from './metrics.js';
import { checkFitOptions, type EarlyStoppingOptions, type EpochLogs, type FitOptions, type FitSettings, type History } from './fit-options.js';
import { EarlyStopping, withHistory } from './early-stopping.js';
import { isThenable, notifyTrainError, runHooks, trainingContext, type TrainingContext } from './callbacks/callback.js';
import type { Trainee } from './training-calls.js';
import { checkScheduledRates, divergedError, now, recordEpoch, SLICE_MS, yieldToEventLoop } from './training-shared.js';
import { argumentError, plainObject, positiveInteger, rejectUnknownKeys } from './validate.js';

/**
 * One batch: inputs and targets of as many samples, each number[][] or a
 * row-major Float32Array; with 'sparseCategoricalCrossentropy', `ys` is one
 * class index per sample (number[] or a typed array), as fit takes them.
 */
export interface DatasetBatch {
  xs: MatrixInput;
  ys: TargetsInput;
}

/** Batches, in order: an iterable (array, generator) or an async iterable (async generator, stream of batches). */
export type BatchIterable = Iterable<DatasetBatch> | AsyncIterable<DatasetBatch>;

/**
 * What fitDataset trains from: batches, or a function that returns a new
 * iterable of them, called once per epoch (so a generator restarts).
 */
export type DatasetSource = BatchIterable | (() => BatchIterable);

/** fitDataset's options: fit's, less what a stream of batches decides for itself (batchSize, shuffle, validationSplit). */
export interface FitDatasetOptions {
  /** Passes over the source. Default 1. */
  epochs?: number;
  /** Batches that make an epoch, for endless sources (then one iterable may serve every epoch). Default: until the source ends. */
  batchesPerEpoch?: number;
  onEpochEnd?: FitOptions['onEpochEnd'];
  onBatchEnd?: FitOptions['onBatchEnd'];
  onTrainEnd?: FitOptions['onTrainEnd'];
  onWarning?: FitOptions['onWarning'];
  /** Data to evaluate after each epoch: [inputs, targets], in memory. */
  validationData?: readonly [unknown, unknown];
  /** ['accuracy']: on each batch before its step (as the loss is), and on the validation data. */
  metrics?: Metric[];
  earlyStopping?: EarlyStoppingOptions;
  /**
   * As in fit: stops within one batch or ~10 ms, whichever is later. The
   * source is read once more to see whether the epoch has ended (then it
   * counts, as in fit); a batch read after the abort is not trained.
   */
  signal?: AbortSignal;
  /** As in fit: run after each epoch (and at the start and end); checkpoint's saves are awaited. */
  callbacks?: FitOptions['callbacks'];
  /** As in fit: the progress bar (no samples/s: a stream's epoch length is not known ahead). */
  progress?: FitOptions['progress'];
}

const OPTIONS = ['epochs', 'batchesPerEpoch', 'onEpochEnd', 'onBatchEnd', 'onTrainEnd', 'onWarning', 'validationData', 'metrics', 'earlyStopping', 'signal',
  'callbacks', 'progress'];

/** What the run needs of the network besides the Trainee. */
export interface DatasetShape {
  inputSize: number;
  outputSize: number;
  loss: Loss;
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/** A batch's targets as rows: checked as fit checks them, class indices (sparse loss) made one-hot rows. */
function batchTargets(where: string, name: string, ys: unknown, shape: DatasetShape): Matrix {
  return targetsToMatrix(where, name, shape.loss, ys, shape.outputSize);
}

/**
 * True for an iterator (a generator object, array.values()): it ends after one
 * pass. Told by its next method, not by asking for an iterator: a reusable
 * iterable's [Symbol.iterator]() may open a file or a cursor that nothing
 * would close.
 */
function isOneShot(source: object): boolean {
  return typeof (source as { next?: unknown }).next === 'function';
}

function isIterable(value: unknown): value is BatchIterable {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<symbol, unknown>;
  return typeof v[Symbol.iterator] === 'function' || typeof v[Symbol.asyncIterator] === 'function';
}

const EXPECTED_SOURCE = 'an iterable or async iterable of { xs, ys } batches, or a function returning one';

/** One fitDataset call: checked options, the batch block, and the epoch loop. */
export class DatasetRun {
  readonly #settings: FitSettings;
  readonly #batchesPerEpoch: number;
  readonly #validation: { x: Matrix; t: Matrix } | null;
  readonly #early: EarlyStopping;
  readonly #history: History = { epochs: 0, loss: [], stopReason: 'completed' };
  /** The batch block: x, t and an identity order for up to #capacity rows; 0 until the first batch. */
  #block = 0;
  #capacity = 0;
  #data = { x: 0, t: 0, order: 0 };
  /** The iterator that serves every epoch, for a one-shot source with batchesPerEpoch. */
  #shared: AnyIterator | null = null;
  #lastYield = 0;
  readonly #context: TrainingContext;
  /** Set once run() settles: the context's multiplier is then read-only. */
  #ended = false;

  /** Checks everything (source, options, validation data) before any memory is taken. */
  constructor(
    readonly where: string,
    private readonly net: Trainee,
    private readonly heap: Heap,
    private readonly source: DatasetSource,
    options: unknown,
    private readonly shape: DatasetShape,
  ) {
    if (typeof source !== 'function' && !isIterable(source)) throw argumentError(where, 'source', EXPECTED_SOURCE, source);
    const o = plainObject(where, 'options', options ?? {});
    rejectUnknownKeys(where, 'options', o, OPTIONS);
    this.#batchesPerEpoch = o.batchesPerEpoch === undefined ? Infinity : positiveInteger(where, 'options.batchesPerEpoch', o.batchesPerEpoch);
    this.#validation = this.#checkValidation(o.validationData);
    const { batchesPerEpoch: _, validationData: __, ...rest } = o;
    // fit's checks for what the two share (each message names options.X); no norms: a stream has no budget to spend them on.
    this.#settings = checkFitOptions(where, { ...rest, gradientNorms: false }, 1, this.#validation !== null);
    const epochs = this.#settings.epochs;
    if (typeof source !== 'function' && epochs > 1 && this.#batchesPerEpoch === Infinity && isOneShot(source)) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: source is a one-shot iterable (an iterator or generator object ends after one pass), `
        + `so it cannot serve options.epochs = ${epochs}: pass a function that returns a new iterable for each epoch, e.g. () => batches(), `
        + 'or set options.batchesPerEpoch to draw every epoch from one endless source', 'TypeError');
    }
    checkScheduledRates(where, net.optimizer, net.epochsTrained(), epochs, net.learningRateMultiplier());
    this.#early = new EarlyStopping(this.#settings.earlyStopping);
    this.#context = trainingContext(where, net, {
      epochs, samplesPerEpoch: undefined, hasValidation: this.#validation !== null, metrics: this.#settings.metrics,
    }, () => this.#ended);
  }

  #checkValidation(value: unknown): { x: Matrix; t: Matrix } | null {
    if (value === undefined) return null;
    const where = this.where;
    if (!Array.isArray(value) || value.length !== 2) throw argumentError(where, 'options.validationData', '[inputs, targets]', value);
    const x = toMatrix(where, 'options.validationData[0]', value[0], this.shape.inputSize, 'the network\'s inputSize');
    const t = batchTargets(where, 'options.validationData[1]', value[1], this.shape);
    if (x.rows !== t.rows) throw shapeError(`${where}: options.validationData must have as many inputs as targets, got ${x.rows} and ${t.rows}`);
    return { x, t };
  }

  #aborted(): boolean {
    return this.#settings.signal?.aborted === true || this.net.stopRequested();
  }

  #checkLive(): void {
    if (this.net.disposed()) throw disposedError(`${this.where}: the network was disposed during training`);
  }

  /**
   * Trains every epoch; resolves with the history (also after an abort or
   * early stop). An error that ends the run carries the epochs done
   * (`error.history`).
   */
  async run(): Promise<History> {
    try {
      return await this.#run();
    } catch (error) {
      withHistory(error, this.#history);
      notifyTrainError(this.#settings.callbacks, error, this.#context);
      throw error;
    } finally {
      this.#ended = true;
    }
  }

  async #run(): Promise<History> {
    const { epochs } = this.#settings;
    this.#lastYield = now();
    const { callbacks } = this.#settings;
    const live = () => this.#checkLive();
    await runHooks(callbacks, (c) => c.onTrainBegin?.(this.#context), live);
    try {
      for (let epoch = 0; epoch < epochs && !this.#early.stop && !this.#aborted(); epoch++) {
        const logs = await this.#epoch(epoch);
        if (!logs) break;
        await runHooks(callbacks, (c) => c.onEpochEnd?.(epoch, logs, this.#context), live);
        await this.#settings.onEpochEnd?.(epoch, logs);
        this.#checkLive();
      }
    } finally {
      await closeIterator(this.#shared);
    }
    this.#early.finish(this.#history, this.#history.epochs < epochs, this.net);
    await runHooks(callbacks, (c) => c.onTrainEnd?.(this.#history, this.#context), live);
    await this.#settings.onTrainEnd?.(this.#history);
    this.#checkLive();
    return this.#history;
  }

  /** This epoch's iterator: a new one from a function or a reusable iterable; the shared one for a one-shot source with batchesPerEpoch. */
  #open(): { iterator: AnyIterator; own: boolean } {
    if (this.#shared) return { iterator: this.#shared, own: false };
    const where = this.where;
    const iterable = typeof this.source === 'function' ? this.source() : this.source;
    if (!isIterable(iterable)) throw argumentError(where, 'source()', 'an iterable or async iterable of { xs, ys } batches', iterable);
    const i = iterable as { [Symbol.iterator]?: () => AnyIterator; [Symbol.asyncIterator]?: () => AnyIterator };
    const iterator = i[Symbol.asyncIterator] ? i[Symbol.asyncIterator]!() : i[Symbol.iterator]!();
    if (typeof this.source !== 'function' && this.#batchesPerEpoch !== Infinity && (iterator as unknown) === iterable) {
      this.#shared = iterator;
      return { iterator, own: false };
    }
    return { iterator, own: true };
  }

  /** One epoch: every batch the source gives (up to batchesPerEpoch); its logs, or null when an abort cut it short. */
  async #epoch(epoch: number): Promise<EpochLogs | null> {
    const { iterator, own } = this.#open();
    let lossSum = 0, correct = 0, samples = 0, batch = 0;
    const measureAccuracy = this.#settings.metrics.includes('accuracy');
    try {
      while (batch < this.#batchesPerEpoch) {
        const next = iterator.next();
        // A sync iterator's result is used as it is: awaiting it would cost a microtask per batch.
        const result = isThenable(next) ? await next : next;
        if (result.done) break;
        // Checked once the source has said whether the epoch goes on: an abort after its last batch ends a whole epoch,
        // which counts (as in fit); one that comes mid-epoch drops the batch just read and the epoch.
        if (this.#aborted()) return null;
        const at = `${this.where}: batch ${batch} of epoch ${epoch + 1}`;
        const [x, t] = this.#checkBatch(at, result.value);
        if (measureAccuracy) correct += Math.round(this.net.evaluate(x, t, ['accuracy']).accuracy! * x.rows);
        const batchLoss = this.#train(at, epoch, batch, x, t);
        lossSum += batchLoss;
        samples += x.rows;
        if (this.#settings.onBatchEnd) {
          const returned: unknown = this.#settings.onBatchEnd(batch, { loss: batchLoss / x.rows });
          if (isThenable(returned)) await returned;
          this.#checkLive();
        }
        batch++;
        if (now() - this.#lastYield >= SLICE_MS) {
          await yieldToEventLoop();
          this.#lastYield = now();
          this.#checkLive();
        }
      }
    } finally {
      if (own) await closeIterator(iterator);
    }
    if (batch === 0) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `${this.where}: source gave no batches in epoch ${epoch + 1}`
        + (epoch > 0 && typeof this.source !== 'function' ? ': an iterable that ends after one pass cannot serve more epochs; '
          + 'pass a function that returns a new iterable for each epoch, e.g. () => batches()' : ''), 'RangeError');
    }
    return this.#finishEpoch(lossSum / samples, measureAccuracy ? correct / samples : undefined);
  }

  /** A batch's xs and ys as checked matrices of as many rows; nothing is written before this returns. */
  #checkBatch(at: string, value: unknown): [Matrix, Matrix] {
    if (typeof value !== 'object' || value === null) throw argumentError(at, 'the batch', 'an object { xs, ys }', value);
    const { xs, ys } = value as { xs?: unknown; ys?: unknown };
    // A Float32Array's values are checked by a kernel once staged (#train): a JS pass over every value cost
    // ~10 % of a 784-128-10 batch of 32.
    const x: Matrix = xs instanceof Float32Array
      ? { rows: checkFloat32Shape(at, 'xs', xs, this.shape.inputSize, 'the network\'s inputSize'), cols: this.shape.inputSize, data: xs }
      : toMatrix(at, 'xs', xs, this.shape.inputSize, 'the network\'s inputSize');
    const t = batchTargets(at, 'ys', ys, this.shape);
    if (x.rows !== t.rows) throw shapeError(`${at}: xs and ys must have the same number of samples, got ${x.rows} and ${t.rows}`);
    return [x, t];
  }

  /** One gradient step on the batch; returns its loss sum. On divergence the step is not applied and it throws. */
  #train(at: string, epoch: number, batch: number, x: Matrix, t: Matrix): number {
    this.#reserve(x.rows);
    const f32 = this.heap.views.f32;
    f32.set(x.data, this.#data.x >>> 2);
    f32.set(t.data, this.#data.t >>> 2);
    // Before any step: a bad batch leaves the weights as after the last good one.
    const bad = this.net.firstNonFinite(x.rows * x.cols, this.#data.x);
    if (bad >= 0) throw nonFiniteError(at, 'xs', x.data, bad, x.cols);
    const rate = learningRateAt(this.net.optimizer, this.net.epochsTrained(), this.net.learningRateMultiplier());
    const { lossSum, diverged } = this.net.trainBatches(this.#data, 0, x.rows, x.rows, rate, null);
    if (diverged) {
      throw divergedError(this.where, `epoch ${epoch + 1} at batch ${batch}`, this.#history);
    }
    return lossSum;
  }

  /** Room for a batch of `rows`: the block grows to the largest batch so far (its order is the identity). */
  #reserve(rows: number): void {
    this.net.ensureCapacity(rows);
    if (rows <= this.#capacity) return;
    const plan = planTrainingData(rows * this.shape.inputSize, rows * this.shape.outputSize, rows);
    const block = this.heap.alloc(plan.bytes);
    if (this.#block) this.heap.free(this.#block);
    this.#block = block;
    this.#capacity = rows;
    this.#data = { x: block + plan.x, t: block + plan.t, order: block + plan.order };
    const order = this.heap.views.i32.subarray(this.#data.order >>> 2, (this.#data.order >>> 2) + rows);
    for (let i = 0; i < rows; i++) order[i] = i;
  }

  #finishEpoch(loss: number, accuracy: number | undefined): EpochLogs {
    const logs = recordEpoch(this.net, this.#history, loss, accuracy, this.#validation, this.#settings.metrics);
    this.#early.observe(this.#history.epochs - 1, logs, this.net);
    return logs;
  }

  /** Frees the batch block. Idempotent. */
  close(): void {
    if (this.#block) this.heap.free(this.#block);
    this.#block = 0;
    this.#capacity = 0;
  }
}

/** Lets a generator run its finally blocks (close a file) when training stops before it ends. */
async function closeIterator(iterator: AnyIterator | null): Promise<void> {
  if (!iterator || typeof iterator.return !== 'function') return;
  const result = iterator.return();
  if (isThenable(result)) await result;
}

