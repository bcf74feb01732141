/**
 * Early stopping and the end of a run, shared by fit (TrainingRun) and
 * fitDataset (DatasetRun): the best monitored value, its epoch and weights,
 * and how the history says why training ended.
 */
import type { EarlyStoppingOptions, EpochLogs, History, StopReason } from './fit-options.js';
import { improves } from './callbacks/monitor.js';

/** What the rule needs of the network: a copy of its parameters, and putting one back. */
export interface ParameterStore {
  snapshotParameters(): Float32Array;
  restoreParameters(snapshot: Float32Array): void;
}

/** Watches the monitored value epoch by epoch; `stop` turns true after `patience` epochs without improvement. */
export class EarlyStopping {
  #best: { value: number; epoch: number; weights: Float32Array | null } | null = null;
  stop = false;

  constructor(private readonly rule: Required<EarlyStoppingOptions> | null) {}

  /** After epoch `epoch` (0-based) with its logs: remember it if it is the best so far (and its weights). */
  observe(epoch: number, logs: EpochLogs, net: ParameterStore): void {
    const rule = this.rule;
    if (!rule) return;
    const value = logs[rule.monitor]!;
    if (improves(rule.monitor, value, this.#best?.value ?? null, rule.minDelta)) {
      this.#best = { value, epoch, weights: rule.restoreBestWeights ? net.snapshotParameters() : null };
    } else if (epoch - this.#best!.epoch >= rule.patience) {
      this.stop = true;
    }
  }

  /**
   * At any end of training (all epochs, early stop, abort): records why in
   * `history.stopReason` (and the deprecated `stoppedEarly`, with a rule),
   * the best epoch, and puts the best weights back if the rule says so.
   */
  finish(history: History, aborted: boolean, net: ParameterStore): void {
    const reason: StopReason = this.stop ? 'earlyStopping' : aborted ? 'aborted' : 'completed';
    history.stopReason = reason;
    if (!this.rule || !this.#best) return;
    history.stoppedEarly = reason === 'earlyStopping';
    history.bestEpoch = this.#best.epoch;
    if (this.#best.weights) net.restoreParameters(this.#best.weights);
  }
}

/**
 * The history a WASMGRAD_DIVERGED error carries (`error.history`): a copy of
 * the epochs completed before the step that was refused, without stopReason.
 */
export function attachHistory<E extends Error>(error: E, history: History): E {
  const { stopReason: _, ...done } = history;
  // structuredClone, not a JSON round trip: a validation loss of Infinity (huge validation inputs) must stay Infinity, not become null.
  const copy: Omit<History, 'stopReason'> = structuredClone(done);
  Object.defineProperty(error, 'history', { value: copy, enumerable: false, writable: false, configurable: true });
  return error;
}

/**
 * `error` with the history of the epochs done (attachHistory), for whatever
 * ends a run early: a callback's throw, a failed checkpoint save, a disposal.
 * An error that already carries one (a divergence), a value that is not an
 * object, or a frozen one is left as it is.
 */
export function withHistory(error: unknown, history: History): unknown {
  if (error instanceof Error && !Object.hasOwn(error, 'history') && Object.isExtensible(error)) attachHistory(error, history);
  return error;
}
