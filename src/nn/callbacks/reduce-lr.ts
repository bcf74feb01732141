/**
 * reduceLROnPlateau: when the monitored value has not improved for
 * `patience` epochs, multiply the learning rate by `factor` (down to
 * `minLearningRate`). The reduction is a multiplier kept in the optimizer's
 * state (network.learningRateMultiplier), so it multiplies whatever the
 * schedule gives, survives save/load and toJSON/fromJSON, and carries over to
 * the next fit; the patience count starts afresh with each fit, and is kept
 * per fit when one callback serves several at once.
 */
import { argumentError, nonNegativeFloat32, orDefault, plainObject, rejectUnknownKeys } from '../validate.js';
import type { TrainingCallback, TrainingContext } from './callback.js';
import { checkMinDelta, checkMonitor, improves, monitored, resolveMonitor, type Monitor } from './monitor.js';

export interface ReduceLROnPlateauOptions {
  /** Default 'valLoss' when the fit has validation data, else 'loss'. Accuracies need metrics: ['accuracy']. */
  monitor?: Monitor;
  /** The rate is multiplied by this, in (0, 1). Default 0.1 (as Keras). */
  factor?: number;
  /** Epochs without improvement before a reduction (and between two). Default 10. */
  patience?: number;
  /** The smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** The rate is never reduced below this (the schedule's rate times the multiplier). Default 0. */
  minLearningRate?: number;
  /** Called after each reduction with the epoch (0-based in the fit) and the new rate. */
  onReduce?: (epoch: number, learningRate: number) => void;
}

const WHERE = 'reduceLROnPlateau';
const KEYS = ['monitor', 'factor', 'patience', 'minDelta', 'minLearningRate', 'onReduce'];

/**
 * A callback for `fit`, `fitSync` or `fitDataset` (`callbacks: [reduceLROnPlateau()]`)
 * that lowers the learning rate when training stalls. Options are checked
 * here; the monitor against the fit's data when training starts.
 */
export function reduceLROnPlateau(options: ReduceLROnPlateauOptions = {}): TrainingCallback {
  const o = plainObject(WHERE, 'options', options);
  rejectUnknownKeys(WHERE, 'options', o, KEYS);
  const monitorOption = checkMonitor(WHERE, 'options.monitor', o.monitor);
  const factor = orDefault(o.factor, 0.1);
  if (typeof factor !== 'number' || !(factor > 0 && factor < 1))
    throw argumentError(WHERE, 'options.factor', 'a number between 0 and 1', factor);
  const patience = orDefault(o.patience, 10);
  if (typeof patience !== 'number' || !Number.isInteger(patience) || patience < 0) {
    throw argumentError(WHERE, 'options.patience', 'an integer ≥ 0', patience);
  }
  const minDelta = checkMinDelta(WHERE, 'options.minDelta', o.minDelta);
  const minLearningRate = nonNegativeFloat32(WHERE, 'options.minLearningRate', orDefault(o.minLearningRate, 0));
  if (o.onReduce !== undefined && typeof o.onReduce !== 'function')
    throw argumentError(WHERE, 'options.onReduce', 'a function', o.onReduce);
  const onReduce = o.onReduce as ReduceLROnPlateauOptions['onReduce'];

  // Per run (each run has its own context): one callback given to two fits that run at once must not mix their patience.
  const runs = new WeakMap<TrainingContext, { monitor: Monitor; best: number | null; wait: number }>();
  return {
    name: WHERE,
    onTrainBegin(context) {
      runs.set(context, { monitor: resolveMonitor(WHERE, monitorOption, context), best: null, wait: 0 });
    },
    onEpochEnd(epoch, logs, context) {
      const run = runs.get(context);
      if (!run) return; // a context this callback never saw begin
      const value = monitored(run.monitor, logs);
      if (improves(run.monitor, value, run.best, minDelta)) {
        run.best = value;
        run.wait = 0;
        return;
      }
      if (++run.wait < patience) return;
      run.wait = 0;
      const multiplier = context.learningRateMultiplier;
      const rate = context.learningRate;
      if (!(rate > minLearningRate)) return; // already at the floor
      // The next rate is rate · factor, but not below the floor: as a multiplier of the schedule's rate.
      const reduced = rate * factor >= minLearningRate ? multiplier * factor : multiplier * (minLearningRate / rate);
      if (!(reduced < multiplier) || !(Math.fround(reduced) > 0)) return;
      context.learningRateMultiplier = reduced;
      onReduce?.(epoch, context.learningRate);
    },
  };
}
