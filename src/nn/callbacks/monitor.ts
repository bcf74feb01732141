/**
 * The monitored value of reduceLROnPlateau and checkpoint: which log entry,
 * checked against what the run reports, and whether a value improves on the
 * best so far (as early stopping decides it).
 */
import { codedError } from '../../errors.js';
import type { EpochLogs } from '../fit-options.js';
import { argumentError, oneOf, orDefault } from '../validate.js';
import type { TrainingContext } from './callback.js';

export const MONITORS = ['loss', 'valLoss', 'accuracy', 'valAccuracy'] as const;
export type Monitor = (typeof MONITORS)[number];

/** The option, checked (absent: decided at the start of training, see resolveMonitor). */
export function checkMonitor(where: string, name: string, value: unknown): Monitor | undefined {
  return value === undefined ? undefined : oneOf(where, name, value, MONITORS);
}

/**
 * The monitor for this run: the option, or 'valLoss' with validation data and
 * 'loss' without. Refused (before any epoch trains) when the logs will not
 * carry it.
 */
export function resolveMonitor(where: string, monitor: Monitor | undefined, context: TrainingContext): Monitor {
  const m = monitor ?? (context.hasValidation ? 'valLoss' : 'loss');
  if (m.startsWith('val') && !context.hasValidation) {
    throw codedError(
      'WASMGRAD_INVALID_ARGUMENT',
      `${where}: monitor is "${m}", which needs validationData (or validationSplit)`,
      'RangeError',
    );
  }
  if (m.endsWith('ccuracy') && !context.metrics.includes('accuracy')) {
    throw codedError(
      'WASMGRAD_INVALID_ARGUMENT',
      `${where}: monitor is "${m}", which needs metrics: ['accuracy'] in the fit options`,
      'RangeError',
    );
  }
  return m;
}

/** A minDelta option (earlyStopping's, reduceLROnPlateau's, checkpoint's): a finite number ≥ 0, default 0. */
export function checkMinDelta(where: string, name: string, value: unknown): number {
  const minDelta = orDefault(value, 0);
  if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) throw argumentError(where, name, 'a number ≥ 0', minDelta);
  return minDelta;
}

/** Whether `value` improves on `best` by more than minDelta (higher is better for accuracies); any value improves on none. */
export function improves(monitor: Monitor, value: number, best: number | null, minDelta: number): boolean {
  if (best === null) return true;
  return monitor.endsWith('ccuracy') ? value > best + minDelta : value < best - minDelta;
}

/** The monitored value of an epoch's logs. */
export function monitored(monitor: Monitor, logs: EpochLogs): number {
  return logs[monitor] as number;
}
