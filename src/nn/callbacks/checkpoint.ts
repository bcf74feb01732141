/**
 * checkpoint: saves the network while it trains, so a long run that is
 * killed (a server's timeout, a crash, a closed laptop) loses at most the
 * epochs since the last save. Each save is `save()`'s: atomic (a temporary
 * file, fsync, rename), so the file on disk is always a whole model, the
 * previous one or the new one. In browsers the path may be an
 * `indexeddb://` or `localstorage://` URL, as save takes.
 */
import { save } from '../files.js';
import { argumentError, optionalBoolean, orDefault, plainObject, positiveInteger, rejectUnknownKeys } from '../validate.js';
import type { TrainingCallback, TrainingContext } from './callback.js';
import { checkMinDelta, checkMonitor, improves, monitored, resolveMonitor, type Monitor } from './monitor.js';

export interface CheckpointOptions {
  /**
   * Save only when the monitored value improves on the best so far in this
   * fit (the file then holds the best weights). Default false: save every
   * `every` epochs.
   */
  best?: boolean;
  /** With best: the value to watch. Default 'valLoss' with validation data, else 'loss'. */
  monitor?: Monitor;
  /** With best: the smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Without best: save after every this many epochs (and after the last). Default 1. */
  every?: number;
  /** Kept in each file's header, as save's options.preprocessing. */
  preprocessing?: Record<string, unknown>;
  /** Called after each save with the path written and the epoch (0-based in the fit). */
  onSave?: (path: string, epoch: number) => void;
}

const WHERE = 'checkpoint';
const KEYS = ['best', 'monitor', 'minDelta', 'every', 'preprocessing', 'onSave'];

/**
 * A callback for `fit` or `fitDataset` (`callbacks: [checkpoint('model.wgm')]`)
 * that saves the network with `save()` after epochs: the best so far
 * (`best: true`) or every `every` epochs. `{epoch}` in the path is replaced by
 * the epoch's number counting from 1 (model-{epoch}.wgm keeps every file;
 * without it each save replaces the last). Each file's header says, under
 * `extra.checkpoint`, which epoch it holds and that epoch's logs. Training
 * waits for each save; fitSync refuses it (saving is asynchronous). A failed
 * save rejects the fit (WASMGRAD_IO), with the weights as trained so far.
 */
export function checkpoint(path: string, options: CheckpointOptions = {}): TrainingCallback {
  if (typeof path !== 'string' || path === '')
    throw argumentError(WHERE, 'path', 'a file path (or an indexeddb:// or localstorage:// URL)', path);
  const o = plainObject(WHERE, 'options', options);
  rejectUnknownKeys(WHERE, 'options', o, KEYS);
  const best = optionalBoolean(WHERE, 'options.best', o.best, false);
  const monitorOption = checkMonitor(WHERE, 'options.monitor', o.monitor);
  if (!best && (o.monitor !== undefined || o.minDelta !== undefined)) {
    throw argumentError(
      WHERE,
      o.monitor !== undefined ? 'options.monitor' : 'options.minDelta',
      'absent unless options.best is true',
      o.monitor ?? o.minDelta,
    );
  }
  if (best && o.every !== undefined) throw argumentError(WHERE, 'options.every', 'absent when options.best is true', o.every);
  const every = positiveInteger(WHERE, 'options.every', orDefault(o.every, 1));
  const minDelta = checkMinDelta(WHERE, 'options.minDelta', o.minDelta);
  const preprocessing = o.preprocessing === undefined ? undefined : plainObject(WHERE, 'options.preprocessing', o.preprocessing);
  if (o.onSave !== undefined && typeof o.onSave !== 'function') throw argumentError(WHERE, 'options.onSave', 'a function', o.onSave);
  const onSave = o.onSave as CheckpointOptions['onSave'];

  // Per run, as reduceLROnPlateau's: one checkpoint given to two fits at once keeps two bests.
  const runs = new WeakMap<TrainingContext, { monitor: Monitor; best: number | null }>();
  return {
    name: WHERE,
    needsAsync: true,
    onTrainBegin(context) {
      runs.set(context, { monitor: best ? resolveMonitor(WHERE, monitorOption, context) : 'loss', best: null });
    },
    async onEpochEnd(epoch, logs, context) {
      const run = runs.get(context)!;
      const { monitor } = run;
      if (best) {
        const value = monitored(monitor, logs);
        if (!improves(monitor, value, run.best, minDelta)) return;
        run.best = value;
      } else if ((epoch + 1) % every !== 0 && epoch + 1 !== context.epochs) {
        return;
      }
      const file = path.replaceAll('{epoch}', String(epoch + 1));
      const { gradientNorms: _, ...values } = logs;
      await save(context.network, file, {
        ...(preprocessing ? { preprocessing } : {}),
        extra: { checkpoint: { epoch: context.network.epochsTrained, ...(best ? { monitor } : {}), ...values } },
      });
      onSave?.(file, epoch);
    },
  };
}
