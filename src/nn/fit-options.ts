/**
 * What fit() accepts and reports: its options, checked before anything
 * changes, the logs of each epoch and the history of a run.
 */
import type { Matrix } from './data.js';
import { toMatrix } from './data.js';
import { targetsToMatrix } from './targets.js';
import type { Loss } from '../backend/kinds.js';
import { checkMetrics, type Metric } from './metrics.js';
import { holdOut } from './validation-split.js';
import { checkCallbacks, type TrainingCallback } from './callbacks/callback.js';
import { progressCallback, type ProgressOptions } from './callbacks/progress.js';
import { checkMinDelta, MONITORS } from './callbacks/monitor.js';
import { codedError, shapeError } from '../errors.js';
import {
  argumentError, oneOf, optionalBoolean, optionalFunction, orDefault, plainObject, positiveFinite, positiveInteger, rejectUnknownKeys,
} from './validate.js';

/** What `onEpochEnd` receives. */
export interface EpochLogs {
  /** Mean loss over the epoch's samples, measured on each batch before its update. */
  loss: number;
  /** With metrics: ['accuracy'], on the training data after the epoch. */
  accuracy?: number;
  /** With validation data: its loss (and accuracy) after the epoch. */
  valLoss?: number;
  valAccuracy?: number;
  /**
   * Per layer, the root mean square of ‖∂L/∂(W, b)‖ over the epoch's first
   * NORM_BATCHES batches, in the epochs whose norms are measured (see
   * normPeriod: every epoch unless the data is small); absent in the others
   * and with `gradientNorms: false`.
   */
  gradientNorms?: number[];
}

export interface FitOptions {
  /** Passes over the data. Default 1. */
  epochs?: number;
  /** Samples per gradient step. Default 32 (the whole set if smaller). */
  batchSize?: number;
  /** Shuffle the sample order before each epoch (with the network's seeded generator). Default true. */
  shuffle?: boolean;
  /** Called after each epoch with its 0-based index; `fit` awaits it if it returns a promise (`fitSync` refuses one: it cannot wait). */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /**
   * Measure each layer's gradient norm (on the first epoch, then on a
   * schedule that keeps the measured batches within 1 % of the trained
   * samples) and warn about vanishing or exploding gradients. Default true;
   * false saves one pass over the gradients per measured batch.
   */
  gradientNorms?: boolean;
  /** A layer whose gradient norm exceeds this is reported as exploding. Default 1000. */
  explodingGradientThreshold?: number;
  /** Receives each warning (once per fit and kind). Default console.warn. */
  onWarning?: (message: string) => void;
  /** Data to evaluate after each epoch (never trained on): [inputs, targets]. */
  validationData?: readonly [unknown, unknown];
  /**
   * Hold out this fraction of the samples (rounded up) as validation data,
   * never trained on. Which ones: see `validationShuffle`.
   */
  validationSplit?: number;
  /**
   * With `validationSplit`: choose the held-out samples at random (seeded by
   * the network's seed: the same samples in every fit of the same data),
   * instead of taking the last ones. Default false, as Keras does.
   *
   * The trap: with the default, data sorted by class (the bundled Iris
   * data is) or by date validates on the last class or period only, so
   * the validation numbers say little. Shuffle (or split with
   * `trainTestSplit`) unless the order is meaningful, e.g. a time series
   * validated on its latest samples.
   */
  validationShuffle?: boolean;
  /** Metrics to report besides the loss: ['accuracy'] (one-hot or 0/1 targets, or class indices with sparseCategoricalCrossentropy). */
  metrics?: Metric[];
  /** Stop when the monitored value has not improved for `patience` epochs. */
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Called after each batch with its 0-based index in the epoch and its mean
   * loss (costs one kernel call per batch). `fit` awaits a promise it returns
   * at the end of the ~10 ms slice, `fitDataset` before the next batch;
   * `fitSync` refuses one (it cannot wait).
   */
  onBatchEnd?: (batch: number, logs: { loss: number }) => void | Promise<void>;
  /** Called once at the end with the history; `fit` awaits a promise it returns (`fitSync` refuses one). */
  onTrainEnd?: (history: History) => void | Promise<void>;
  /**
   * Stops training when aborted: within one batch or ~10 ms, whichever is
   * later (`fitSync` checks it between batches, so a callback can abort it).
   * Training then ends as at its last epoch, with the weights after the last
   * whole batch, and the history says `stopReason: 'aborted'`. A signal
   * already aborted gives an empty history at once. See also `net.stopTraining()`.
   */
  signal?: AbortSignal;
  /**
   * Callbacks run in order after each epoch (before onEpochEnd), and at the
   * start and end: `[reduceLROnPlateau(), checkpoint('model.wgm')]`. Like
   * onEpochEnd they take control after every epoch. fitSync refuses those
   * that must be awaited (checkpoint).
   */
  callbacks?: TrainingCallback[];
  /**
   * Draw the CLI's progress bar: `true` to Node's process.stderr, or
   * `{ stream }` to any object with write(text). On a terminal (stream.isTTY)
   * one line is redrawn in place; elsewhere (a log, CI) a line is written at
   * each tenth of the epochs. Default false. In a browser, pass a stream or
   * draw from onEpochEnd.
   */
  progress?: boolean | ProgressOptions;
}

export interface EarlyStoppingOptions {
  /** Default 'valLoss' when there is validation data, else 'loss'. */
  monitor?: 'loss' | 'valLoss' | 'accuracy' | 'valAccuracy';
  /** Epochs without improvement before stopping. Default 5. */
  patience?: number;
  /** The smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Put back the weights of the best epoch when stopping (and at the end). Default true. */
  restoreBestWeights?: boolean;
}

/**
 * Batches per epoch whose gradient norms are measured: enough to see a
 * gradient vanish or explode (orders of magnitude), few enough that a
 * batch-1 epoch of a tiny network does not pay a norm pass per sample.
 */
export const NORM_BATCHES = 8;

/**
 * Trained samples per measured sample, at least (after a fit's first epoch):
 * at most 1 % of the samples go through measured batches. A measured batch
 * costs a norm pass and takes the slower general or narrow path, and a
 * measured epoch ends a run of epochs trained in one kernel call; with 4
 * samples and batches of 1, norms on every epoch would measure every sample.
 */
export const NORM_BUDGET = 100;

/**
 * Every how many epochs of a fit the gradient norms are measured: epochs 0,
 * P, 2P, … (counted from the fit's first epoch, so the same seed and data
 * give the same measurements on both training paths, sync or async). An
 * epoch measures min(samples, NORM_BATCHES · batchSize) samples, so P is
 * the smallest period that keeps those within 1/NORM_BUDGET of the
 * samples trained: 1 (every epoch) from 800 samples of batch 1 or 25 600 of batch 32
 * up, 100 for 4 samples of batch 1.
 */
export function normPeriod(samples: number, batchSize: number): number {
  const measured = Math.min(samples, NORM_BATCHES * batchSize);
  // Integers up to the division: the period is exact at the boundary (800 samples of batch 1 give 1, not 2).
  return Math.max(1, Math.ceil((measured * NORM_BUDGET) / samples));
}

/** A layer's gradient norm below this fraction of the largest one is reported as vanishing. */
export const VANISHING_RATIO = 1e-7;

/**
 * Why training ended: every epoch ran ('completed'), early stopping stopped
 * it ('earlyStopping'), or a signal or `stopTraining()` did ('aborted').
 */
export type StopReason = 'completed' | 'earlyStopping' | 'aborted';

/** What `fit` resolves to: the loss after each epoch (and the per-layer gradient norms, when measured). */
export interface History {
  epochs: number;
  loss: number[];
  accuracy?: number[];
  valLoss?: number[];
  valAccuracy?: number[];
  /**
   * One row per measured epoch (not per epoch: see normPeriod), each layer's
   * gradient norm as in EpochLogs; `gradientNormEpochs[i]` is the 0-based
   * epoch of row i. Absent with `gradientNorms: false`.
   */
  gradientNorms?: number[][];
  gradientNormEpochs?: number[];
  /**
   * Why training ended. Epochs cut short by an abort are not in the history
   * (their finished batches are in the weights).
   */
  stopReason: StopReason;
  /**
   * With early stopping: whether it stopped before `epochs`.
   * @deprecated Use `stopReason === 'earlyStopping'`.
   */
  stoppedEarly?: boolean;
  /** With early stopping: the best epoch (0-based). */
  bestEpoch?: number;
}

export interface FitSettings {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  onEpochEnd?: FitOptions['onEpochEnd'];
  gradientNorms: boolean;
  explodingGradientThreshold: number;
  onWarning: (message: string) => void;
  metrics: Metric[];
  earlyStopping: Required<EarlyStoppingOptions> | null;
  onBatchEnd?: FitOptions['onBatchEnd'];
  onTrainEnd?: FitOptions['onTrainEnd'];
  signal: AbortSignal | null;
  /** options.callbacks, then the progress bar's, in the order they run. */
  callbacks: TrainingCallback[];
}

/** The training data after a validation split, and the validation data if any. */
export interface FitData {
  x: Matrix;
  t: Matrix;
  validation: { x: Matrix; t: Matrix } | null;
}

const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'onEpochEnd', 'gradientNorms', 'explodingGradientThreshold', 'onWarning',
  'validationData', 'validationSplit', 'validationShuffle', 'metrics', 'earlyStopping', 'onBatchEnd', 'onTrainEnd', 'signal', 'callbacks', 'progress'];
const EARLY_STOPPING_OPTIONS = ['monitor', 'patience', 'minDelta', 'restoreBestWeights'];

/** Splits off or checks the validation data (`seed`: the network's, for validationShuffle); throws before anything changes. */
export function fitData(where: string, options: unknown, x: Matrix, t: Matrix, loss: Loss, seed: number): FitData {
  const o = plainObject(where, 'options', orDefault(options, {}));
  if (o.validationData !== undefined && o.validationSplit !== undefined) {
    throw argumentError(where, 'options.validationSplit', 'absent when options.validationData is given', o.validationSplit);
  }
  if (o.validationShuffle !== undefined && o.validationSplit === undefined) {
    throw argumentError(where, 'options.validationShuffle', 'absent unless options.validationSplit is given', o.validationShuffle);
  }
  if (o.validationData !== undefined) {
    if (!Array.isArray(o.validationData) || o.validationData.length !== 2) {
      throw argumentError(where, 'options.validationData', '[inputs, targets]', o.validationData);
    }
    const vx = toMatrix(where, 'options.validationData[0]', o.validationData[0], x.cols, 'the network\'s inputSize');
    const vt = targetsToMatrix(where, 'options.validationData[1]', loss, o.validationData[1], t.cols);
    if (vx.rows !== vt.rows) {
      throw shapeError(`${where}: options.validationData must have as many inputs as targets, got ${vx.rows} and ${vt.rows}`);
    }
    return { x, t, validation: { x: vx, t: vt } };
  }
  if (o.validationSplit !== undefined) {
    const split = o.validationSplit;
    if (typeof split !== 'number' || !(split > 0 && split < 1)) throw argumentError(where, 'options.validationSplit', 'a number between 0 and 1', split);
    const held = Math.ceil(x.rows * split);
    if (held >= x.rows) throw argumentError(where, 'options.validationSplit', `a fraction that leaves samples to train on (${x.rows} samples)`, split);
    const shuffle = optionalBoolean(where, 'options.validationShuffle', o.validationShuffle, false);
    return holdOut(x, t, held, shuffle ? seed : null);
  }
  return { x, t, validation: null };
}

function checkEarlyStopping(where: string, value: unknown, hasValidation: boolean): Required<EarlyStoppingOptions> | null {
  if (value === undefined) return null;
  const e = plainObject(where, 'options.earlyStopping', value);
  rejectUnknownKeys(where, 'options.earlyStopping', e, EARLY_STOPPING_OPTIONS);
  const monitor = oneOf(where, 'options.earlyStopping.monitor', orDefault(e.monitor, hasValidation ? 'valLoss' : 'loss'), MONITORS);
  if (monitor.startsWith('val') && !hasValidation) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: options.earlyStopping.monitor is "${monitor}", which needs validationData or validationSplit`, 'RangeError');
  }
  const patience = e.patience === 0 ? 0 : positiveInteger(where, 'options.earlyStopping.patience', orDefault(e.patience, 5));
  const minDelta = checkMinDelta(where, 'options.earlyStopping.minDelta', e.minDelta);
  const restoreBestWeights = optionalBoolean(where, 'options.earlyStopping.restoreBestWeights', e.restoreBestWeights, true);
  return { monitor, patience, minDelta, restoreBestWeights };
}

/** An AbortSignal (or any object with a boolean `aborted`, as polyfills give), or absent. */
export function checkSignal(where: string, value: unknown): AbortSignal | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || typeof (value as { aborted?: unknown }).aborted !== 'boolean') {
    throw argumentError(where, 'options.signal', 'an AbortSignal (e.g. new AbortController().signal)', value);
  }
  return value as AbortSignal;
}

export function checkFitOptions(where: string, options: unknown, samples: number, hasValidation: boolean): FitSettings {
  const o = plainObject(where, 'options', orDefault(options, {}));
  rejectUnknownKeys(where, 'options', o, FIT_OPTIONS);
  const epochs = positiveInteger(where, 'options.epochs', orDefault(o.epochs, 1));
  const batchSize = positiveInteger(where, 'options.batchSize', orDefault(o.batchSize, 32));
  const shuffle = optionalBoolean(where, 'options.shuffle', o.shuffle, true);
  optionalFunction(where, 'options.onEpochEnd', o.onEpochEnd);
  optionalFunction(where, 'options.onWarning', o.onWarning);
  optionalFunction(where, 'options.onBatchEnd', o.onBatchEnd);
  optionalFunction(where, 'options.onTrainEnd', o.onTrainEnd);
  const metrics = checkMetrics(where, o.metrics);
  const earlyStopping = checkEarlyStopping(where, o.earlyStopping, hasValidation);
  if (earlyStopping?.monitor.endsWith('ccuracy') && !metrics.includes('accuracy')) metrics.push('accuracy');
  const gradientNorms = optionalBoolean(where, 'options.gradientNorms', o.gradientNorms, true);
  const explodingGradientThreshold = positiveFinite(where, 'options.explodingGradientThreshold', orDefault(o.explodingGradientThreshold, 1000));
  const signal = checkSignal(where, o.signal);
  const callbacks = checkCallbacks(where, o.callbacks);
  const progress = progressCallback(where, o.progress);
  if (progress) callbacks.push(progress);
  return {
    epochs, batchSize: Math.min(batchSize, samples), shuffle, onEpochEnd: o.onEpochEnd as FitSettings['onEpochEnd'],
    gradientNorms, explodingGradientThreshold,
    onWarning: (o.onWarning as FitSettings['onWarning'] | undefined) ?? ((message) => console.warn(message)),
    metrics, earlyStopping,
    onBatchEnd: o.onBatchEnd as FitSettings['onBatchEnd'], onTrainEnd: o.onTrainEnd as FitSettings['onTrainEnd'],
    signal, callbacks,
  };
}

