/**
 * What fit's loop (TrainingRun, training.ts) and fitDataset's (DatasetRun,
 * fit-dataset.ts) share: the time slicing of the async loops, the check of a
 * schedule's rates, an epoch's bookkeeping and the divergence error.
 */
import { codedError } from '../errors.js';
import { attachHistory } from './early-stopping.js';
import type { EpochLogs, FitData, History } from './fit-options.js';
import type { Metric } from './metrics.js';
import { learningRateAt, type Optimizer } from './optimizers.js';
import type { Trainee } from './training-calls.js';

/** The async loops yield about this often; an abort is noticed within it (or one batch, if longer). */
export const SLICE_MS = 10;

/**
 * Lets the event loop run: setImmediate in Node; in browsers a MessageChannel
 * message, because setTimeout(0) is stretched to 4 ms once timers nest (300
 * yields would cost over a second).
 */
export const yieldToEventLoop: () => Promise<void> = typeof setImmediate === 'function'
  ? () => new Promise((resolve) => setImmediate(resolve))
  : typeof MessageChannel === 'function'
    ? () => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    })
    : () => new Promise((resolve) => setTimeout(resolve, 0));


/**
 * The kernels take the learning rate as a float32: refuse, before any step, a
 * schedule whose rate leaves float32's range during this fit. Step and
 * exponential schedules are monotone and cosine stays between its ends, so
 * the largest rate is at the first or the last epoch.
 */
export function checkScheduledRates(where: string, optimizer: Optimizer, firstEpoch: number, epochs: number, multiplier = 1): void {
  for (const epoch of [firstEpoch, firstEpoch + epochs - 1]) {
    const rate = learningRateAt(optimizer, epoch, multiplier);
    if (!Number.isFinite(Math.fround(rate))) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: the optimizer's schedule gives a learning rate of ${rate} in epoch ${epoch}, `
        + 'which float32 cannot hold (above 3.4e38); use a smaller schedule factor or fewer epochs', 'RangeError');
    }
  }
}

/**
 * Books a finished epoch (fit's and fitDataset's): its loss and training
 * accuracy (when measured) into the history and its logs, one more epoch on
 * the network's count, then the validation loss (and accuracy when `metrics`
 * asks for it). Returns the logs.
 */
export function recordEpoch(net: Trainee, history: History, loss: number, accuracy: number | undefined,
  validation: FitData['validation'], metrics: readonly Metric[]): EpochLogs {
  history.loss.push(loss);
  history.epochs++;
  net.completeEpoch();
  const logs: EpochLogs = { loss };
  if (accuracy !== undefined) {
    logs.accuracy = accuracy;
    (history.accuracy ??= []).push(accuracy);
  }
  if (validation) {
    const result = net.evaluate(validation.x, validation.t, metrics);
    logs.valLoss = result.loss;
    (history.valLoss ??= []).push(result.loss);
    if (result.accuracy !== undefined) {
      logs.valAccuracy = result.accuracy;
      (history.valAccuracy ??= []).push(result.accuracy);
    }
  }
  return logs;
}

/**
 * The error of a training step the kernel refused (fit's and fitDataset's):
 * `place` says where, e.g. "epoch 2 at sample 5 of 40"; it carries `history`.
 */
export function divergedError(where: string, place: string, history: History): Error {
  return attachHistory(codedError('WASMGRAD_DIVERGED', `${where}: training diverged in ${place}: `
    + 'the loss or a gradient became NaN or Infinity. That step was not applied; the weights are those of the last finite step. '
    + 'Try a smaller learningRate or inputs of a smaller scale.', 'RangeError'), history);
}

/** Milliseconds, for slicing the async loops (fit and fitDataset). */
export function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
