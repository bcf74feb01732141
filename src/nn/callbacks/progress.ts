/**
 * The training progress bar, one implementation for the library's
 * `progress` option and the CLI's `train` command: on a terminal one line
 * redrawn in place (at most every 50 ms, so drawing never slows training
 * down), elsewhere (a log file, CI) one line per tenth of the epochs.
 */
import { unsupportedError } from '../../errors.js';
import { argumentError, plainObject, rejectUnknownKeys } from '../validate.js';
import type { TrainingCallback } from './callback.js';
import { now } from '../training-shared.js';

/** Where the bar is drawn: a writable text stream (process.stderr's shape). */
export interface ProgressStream {
  write(text: string): unknown;
  /** True on a terminal: the line is redrawn in place; otherwise one line per tenth of the epochs. */
  isTTY?: boolean;
}

/** `progress: true` draws to process.stderr; `{ stream }` draws elsewhere (a file stream, a test's buffer). */
export interface ProgressOptions {
  stream?: ProgressStream;
}

/** Colours for the bar's two parts (the CLI's, on a terminal); none by default. */
export interface ProgressPaint {
  filled(text: string): string;
  empty(text: string): string;
}

const SLOTS = 24;
const PLAIN: ProgressPaint = { filled: (t) => t, empty: (t) => t };

/**
 * `  epoch  3/10 ███████░░░ loss 0.12345  val loss 0.23456  1,234 samples/s`
 * (each part only when known; a label, such as the demo's backend, before "epoch").
 */
export function progressLine(
  epoch: number,
  epochs: number,
  loss: number,
  extra: { label?: string; valLoss?: number; samplesPerSecond?: number },
  paint: ProgressPaint = PLAIN,
): string {
  const filled = Math.round((epoch / epochs) * SLOTS);
  return (
    `  ${extra.label === undefined ? '' : `${extra.label.padEnd(5)} `}epoch ${String(epoch).padStart(String(epochs).length)}/${epochs} ` +
    `${paint.filled('█'.repeat(filled))}${paint.empty('░'.repeat(SLOTS - filled))} loss ${loss.toFixed(5)}` +
    `${extra.valLoss === undefined ? '' : `  val loss ${extra.valLoss.toFixed(5)}`}` +
    `${extra.samplesPerSecond === undefined ? '' : `  ${Math.round(extra.samplesPerSecond).toLocaleString('en-US')} samples/s`}`
  );
}

/** How a bar looks and tells time. */
export interface ProgressBarOptions {
  /** Colours (the CLI's on a terminal). Default none. */
  paint?: ProgressPaint;
  /** Shown before "epoch" (the demo's backend). */
  label?: string;
  /** Milliseconds (tests pass their own). Default performance.now. */
  clock?: () => number;
}

/** The bar of one run of `epochs` epochs of `samples` samples each (samples unknown: no speed shown). */
export class ProgressBar {
  readonly #start: number;
  #lastDraw = -Infinity;
  #lastTenth = 0;
  #open = false;

  readonly #paint: ProgressPaint;
  readonly #label: string | undefined;
  readonly #clock: () => number;

  constructor(
    readonly stream: ProgressStream,
    readonly epochs: number,
    readonly samples: number | undefined,
    options: ProgressBarOptions = {},
  ) {
    this.#paint = options.paint ?? PLAIN;
    this.#label = options.label;
    this.#clock = options.clock ?? now;
    this.#start = this.#clock();
  }

  get tty(): boolean {
    return this.stream.isTTY === true;
  }

  /** After epoch `epoch` (counting from 1). */
  update(epoch: number, loss: number, valLoss?: number): void {
    const time = this.#clock();
    const tenth = Math.floor((epoch * 10) / this.epochs);
    if (this.tty ? epoch < this.epochs && time - this.#lastDraw < 50 : tenth === this.#lastTenth) return;
    this.#lastDraw = time;
    this.#lastTenth = tenth;
    const samplesPerSecond = this.samples === undefined ? undefined : (epoch * this.samples) / Math.max((time - this.#start) / 1000, 1e-6);
    const line = progressLine(epoch, this.epochs, loss, { label: this.#label, valLoss, samplesPerSecond }, this.#paint);
    this.#open = this.tty && epoch < this.epochs;
    this.stream.write(this.tty ? `\r${line}\x1b[K${epoch === this.epochs ? '\n' : ''}` : `${line}\n`);
  }

  /** Ends a bar that stopped short of its last epoch (early stopping, an abort) with its line break. */
  finish(): void {
    if (this.#open) this.stream.write('\n');
    this.#open = false;
  }
}

/** The default stream: Node's process.stderr (read when training starts, never at import: browsers have no process). */
function defaultStream(where: string): ProgressStream {
  const stderr = (globalThis as { process?: { stderr?: ProgressStream } }).process?.stderr;
  if (!stderr || typeof stderr.write !== 'function') {
    throw unsupportedError(
      `${where}: options.progress: true draws to process.stderr, which this runtime does not have; ` +
        'pass options.progress = { stream: { write(text) { … } } } or draw from onEpochEnd',
    );
  }
  return stderr;
}

/** options.progress, checked: the callback that draws the bar, or null. */
export function progressCallback(where: string, value: unknown): TrainingCallback | null {
  if (value === undefined || value === false) return null;
  let stream: ProgressStream;
  if (value === true) {
    stream = defaultStream(where);
  } else {
    const o = plainObject(where, 'options.progress', value);
    rejectUnknownKeys(where, 'options.progress', o, ['stream']);
    if (o.stream === undefined) {
      stream = defaultStream(where);
    } else {
      const s = o.stream as ProgressStream | null;
      if (typeof s !== 'object' || s === null || typeof s.write !== 'function') {
        throw argumentError(where, 'options.progress.stream', 'an object with a write(text) method, such as process.stdout', o.stream);
      }
      stream = s;
    }
  }
  let bar: ProgressBar | null = null;
  return {
    name: 'progress',
    onTrainBegin(context) {
      bar = new ProgressBar(stream, context.epochs, context.samplesPerEpoch);
    },
    onEpochEnd(epoch, logs) {
      bar?.update(epoch + 1, logs.loss, logs.valLoss);
    },
    onTrainEnd() {
      bar?.finish();
    },
    // A run that rejects ends its line too, so the error prints on a line of its own.
    onTrainError() {
      bar?.finish();
    },
  };
}
