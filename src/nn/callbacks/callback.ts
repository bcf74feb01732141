/**
 * Training callbacks: objects with hooks that fit, fitSync and fitDataset
 * call at the start, after each epoch and at the end, in the order of
 * `options.callbacks` (then `options.onEpochEnd`). reduceLROnPlateau,
 * checkpoint and the progress bar are callbacks. Like onEpochEnd, a callback
 * takes control between epochs, so fit then trains an epoch per kernel call
 * (no epoch batching).
 */
import { argumentError, plainObject } from '../validate.js';
import type { EpochLogs, History } from '../fit-options.js';
import type { Metric } from '../metrics.js';
import type { Network } from '../network.js';
import { codedError } from '../../errors.js';
import { isLearningRateMultiplier, learningRateAt } from '../optimizers.js';
import type { Trainee } from '../training-calls.js';

/** What a callback's hooks get besides the epoch's logs: the network and what the run knows. */
export interface TrainingContext {
  /** The network being trained (save it, read its weights; do not start another fit on it). */
  readonly network: Network;
  /** Epochs this call trains (options.epochs). */
  readonly epochs: number;
  /** Training samples per epoch, where known (fit, fitSync); undefined for fitDataset. */
  readonly samplesPerEpoch: number | undefined;
  /** Whether the run has validation data (so logs carry valLoss). */
  readonly hasValidation: boolean;
  /** The metrics the logs carry besides the loss. */
  readonly metrics: readonly Metric[];
  /**
   * The multiplier of the schedule's learning rate (reduceLROnPlateau lowers
   * it). Setting it takes effect from the next epoch and is kept with the
   * optimizer's state (saved in model files). A number > 0 that float32 holds.
   */
  learningRateMultiplier: number;
  /** The rate the next epoch trains with: the schedule's rate at `network.epochsTrained` times the multiplier. */
  readonly learningRate: number;
}

/**
 * A training callback: any of the hooks. A hook may return a promise, which
 * fit and fitDataset await before training on; fitSync does not await, so a
 * callback whose hooks must be awaited (checkpoint's saves) says
 * `needsAsync: true` and fitSync refuses it before training.
 */
export interface TrainingCallback {
  /** Names the callback in messages. */
  readonly name?: string;
  /** True when its hooks return promises that must be awaited: fitSync refuses it. */
  readonly needsAsync?: boolean;
  onTrainBegin?(context: TrainingContext): void | Promise<void>;
  /** After epoch `epoch` (0-based in this call) with its logs, after early stopping has seen them. */
  onEpochEnd?(epoch: number, logs: EpochLogs, context: TrainingContext): void | Promise<void>;
  onTrainEnd?(history: History, context: TrainingContext): void | Promise<void>;
  /**
   * When the run ends with an error (a divergence, a hook's throw, a
   * disposal), just before fit rejects with it (`error.history` is set by
   * then): for cleanup, such as ending a progress line. Not awaited; its own
   * errors are ignored, so the run's error is the one reported.
   */
  onTrainError?(error: unknown, context: TrainingContext): void;
}

const HOOKS = ['onTrainBegin', 'onEpochEnd', 'onTrainEnd', 'onTrainError'] as const;

/** options.callbacks, checked: an array of objects whose hooks are functions. */
export function checkCallbacks(where: string, value: unknown): TrainingCallback[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw argumentError(where, 'options.callbacks', 'an array of callbacks (e.g. [reduceLROnPlateau(), checkpoint(path)])', value);
  return value.map((callback, i) => {
    const name = `options.callbacks[${i}]`;
    const c = plainObjectOrInstance(where, name, callback);
    for (const hook of HOOKS) {
      if (c[hook] !== undefined && typeof c[hook] !== 'function') throw argumentError(where, `${name}.${hook}`, 'a function', c[hook]);
    }
    if (!HOOKS.some((hook) => typeof c[hook] === 'function')) {
      throw argumentError(where, name, 'a callback with onTrainBegin, onEpochEnd, onTrainEnd or onTrainError', callback);
    }
    return callback as TrainingCallback;
  });
}

/** Callbacks may be class instances: any non-null object that is not an array. */
function plainObjectOrInstance(where: string, name: string, value: unknown): Record<string, unknown> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  return plainObject(where, name, value);
}

/** What a run knows besides the network: its length and data. */
export interface RunFacts {
  epochs: number;
  samplesPerEpoch: number | undefined;
  hasValidation: boolean;
  metrics: readonly Metric[];
}

/**
 * Calls every callback's onTrainError after a run failed: each in turn, its
 * throw or rejection ignored (the run's error is what fit reports).
 */
export function notifyTrainError(callbacks: readonly TrainingCallback[], error: unknown, context: TrainingContext): void {
  for (const callback of callbacks) {
    try {
      const result: unknown = callback.onTrainError?.(error, context);
      if (isThenable(result)) result.then(undefined, () => {});
    } catch {
      // The run's own error is the one to report.
    }
  }
}

/**
 * The context the hooks of one run share; the multiplier's setter checks its
 * value, and refuses once `ended()` says the run is over (a context kept past
 * its run must not change a network another fit may be training).
 */
export function trainingContext(where: string, net: Trainee, facts: RunFacts, ended: () => boolean): TrainingContext {
  return {
    network: net.network,
    epochs: facts.epochs,
    samplesPerEpoch: facts.samplesPerEpoch,
    hasValidation: facts.hasValidation,
    metrics: facts.metrics,
    get learningRateMultiplier() {
      return net.learningRateMultiplier();
    },
    set learningRateMultiplier(value: number) {
      if (ended()) {
        throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: context.learningRateMultiplier was set after its run ended; `
          + 'set it from a hook while the run trains', 'TypeError');
      }
      if (!isLearningRateMultiplier(value)) {
        throw argumentError(where, 'context.learningRateMultiplier', 'a number > 0 that float32 holds', value);
      }
      // The kernels take the rate as a float32: a multiplier that would make it Infinity is refused here, not as a divergence later.
      const rate = learningRateAt(net.optimizer, net.epochsTrained(), value);
      if (!Number.isFinite(Math.fround(rate))) {
        throw argumentError(where, 'context.learningRateMultiplier', `a multiplier that keeps the learning rate within float32 (it would be ${rate})`, value);
      }
      net.setLearningRateMultiplier(value);
    },
    get learningRate() {
      return learningRateAt(net.optimizer, net.epochsTrained(), net.learningRateMultiplier());
    },
  };
}

/** fitSync cannot await: refuse, before any training, a callback that needs it. */
export function refuseAsyncCallbacks(where: string, callbacks: readonly TrainingCallback[]): void {
  callbacks.forEach((callback, i) => {
    if (callback.needsAsync) {
      throw codedError(
        'WASMGRAD_INVALID_ARGUMENT',
        `${where}: options.callbacks[${i}] (${callback.name ?? 'a callback'}) must be awaited ` +
          '(it saves files asynchronously), which fitSync cannot do: use fit or fitDataset',
        'TypeError',
      );
    }
  });
}

/** Runs one hook of every callback in order, awaiting each promise (fit, fitDataset). */
export async function runHooks(
  callbacks: readonly TrainingCallback[],
  call: (callback: TrainingCallback) => void | Promise<void>,
  afterEach: () => void,
): Promise<void> {
  for (const callback of callbacks) {
    await call(callback);
    afterEach();
  }
}

/** Runs one hook of every callback in order (fitSync, which cannot await: a hook that returns a promise is refused). */
export function runHooksSync(
  where: string,
  hook: string,
  callbacks: readonly TrainingCallback[],
  call: (callback: TrainingCallback) => void | Promise<void>,
  afterEach: () => void,
): void {
  callbacks.forEach((callback, i) => {
    refuseUnawaited(where, `options.callbacks[${i}].${hook}`, call(callback));
    afterEach();
  });
}

/** Whether a hook returned a promise (or any thenable). */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * fitSync cannot wait for a hook's promise: its work would run after fitSync
 * returned, and its rejection would be nobody's (an unhandled rejection ends a
 * Node process). Refused with an error saying so; the promise's own rejection
 * is then handled here, as this error reports the hook.
 */
export function refuseUnawaited(where: string, hook: string, result: unknown): void {
  if (!isThenable(result)) return;
  result.then(undefined, () => {});
  throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: ${hook} returned a promise, which fitSync cannot wait for: `
    + 'use fit (which awaits it), or make the hook synchronous', 'TypeError');
}
