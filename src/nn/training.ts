/**
 * The training loop: the data is copied into linear memory once per fit, an
 * index order is shuffled each epoch, and the kernels run many batches per
 * call. The sync loop runs an epoch per call; the async loop slices epochs
 * into ~10 ms runs of whole batches and yields to the event loop between them.
 */
import type { Heap } from '../heap.js';
import type { Random } from '../random.js';
import type { Matrix } from './data.js';
import { VECTOR_SLACK } from './layout.js';
import { learningRateAt, type Optimizer } from './optimizers.js';
import { argumentError, optionalBoolean, optionalFunction, plainObject, positiveFinite, positiveInteger } from './validate.js';

/** What `onEpochEnd` receives. */
export interface EpochLogs {
  /** Mean loss over the epoch's samples, measured on each batch before its update. */
  loss: number;
  /**
   * Per layer, the root mean square of ‖∂L/∂(W, b)‖ over the epoch's first
   * NORM_BATCHES batches (present unless `gradientNorms: false`).
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
  /** Called after each epoch with its 0-based index; `fit` awaits it if it returns a promise. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /**
   * Measure each layer's gradient norm per epoch and warn about vanishing or
   * exploding gradients. Default true; false saves one pass over the
   * gradients per batch.
   */
  gradientNorms?: boolean;
  /** A layer whose gradient norm exceeds this is reported as exploding. Default 1000. */
  explodingGradientThreshold?: number;
  /** Receives each warning (once per fit and kind). Default console.warn. */
  onWarning?: (message: string) => void;
}

/**
 * Batches per epoch whose gradient norms are measured: enough to see a
 * gradient vanish or explode (orders of magnitude), few enough that a
 * batch-1 epoch of a tiny network does not pay a norm pass per sample.
 */
export const NORM_BATCHES = 8;

/** A layer's gradient norm below this fraction of the largest one is reported as vanishing. */
export const VANISHING_RATIO = 1e-7;

/** What `fit` resolves to: the loss after each epoch (and the per-layer gradient norms, when measured). */
export interface History {
  epochs: number;
  loss: number[];
  gradientNorms?: number[][];
}

export interface FitSettings {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  onEpochEnd?: FitOptions['onEpochEnd'];
  gradientNorms: boolean;
  explodingGradientThreshold: number;
  onWarning: (message: string) => void;
}

const FIT_OPTIONS = ['epochs', 'batchSize', 'shuffle', 'onEpochEnd', 'gradientNorms', 'explodingGradientThreshold', 'onWarning'];

export function checkFitOptions(where: string, options: unknown, samples: number): FitSettings {
  const o = plainObject(where, 'options', options ?? {});
  for (const key of Object.keys(o)) {
    if (!FIT_OPTIONS.includes(key)) {
      throw argumentError(where, `options.${key}`, `absent (not a known option: ${FIT_OPTIONS.join(', ')})`, o[key]);
    }
  }
  const epochs = positiveInteger(where, 'options.epochs', o.epochs ?? 1);
  const batchSize = positiveInteger(where, 'options.batchSize', o.batchSize ?? 32);
  const shuffle = optionalBoolean(where, 'options.shuffle', o.shuffle, true);
  optionalFunction(where, 'options.onEpochEnd', o.onEpochEnd);
  optionalFunction(where, 'options.onWarning', o.onWarning);
  const gradientNorms = optionalBoolean(where, 'options.gradientNorms', o.gradientNorms, true);
  const explodingGradientThreshold = positiveFinite(where, 'options.explodingGradientThreshold', o.explodingGradientThreshold ?? 1000);
  return {
    epochs, batchSize: Math.min(batchSize, samples), shuffle, onEpochEnd: o.onEpochEnd as FitSettings['onEpochEnd'],
    gradientNorms, explodingGradientThreshold,
    onWarning: (o.onWarning as FitSettings['onWarning'] | undefined) ?? ((message) => console.warn(message)),
  };
}

/** The part of a network a training run drives. */
export interface Trainee {
  readonly disposed: boolean;
  readonly layers: readonly unknown[];
  readonly optimizer: Optimizer;
  /** Epochs this network has completed over all fits: the learning-rate schedule's clock. */
  readonly epochsTrained: number;
  completeEpoch(): void;
  trainBatches(data: { x: number; t: number; order: number }, start: number, count: number, batchSize: number,
    learningRate: number, norms: Float64Array | null): { done: number; lossSum: number; diverged: boolean };
}

const SLICE_MS = 10;

const yieldToEventLoop: () => Promise<void> = typeof setImmediate === 'function'
  ? () => new Promise((resolve) => setImmediate(resolve))
  : () => new Promise((resolve) => setTimeout(resolve, 0));

export class TrainingRun {
  readonly #data: { x: number; t: number; order: number };
  readonly #block: number;
  readonly #samples: number;
  readonly #history: History = { epochs: 0, loss: [] };
  #epoch = 0;
  #position = 0;
  #lossSum = 0;
  #closed = false;
  /** Σ over this epoch's batches of each layer's squared gradient norm. */
  readonly #norms: Float64Array | null;
  #batches = 0;
  readonly #warned = new Set<string>();

  constructor(
    readonly where: string,
    private readonly net: Trainee,
    private readonly heap: Heap,
    x: Matrix, t: Matrix,
    private readonly settings: FitSettings,
    private readonly random: Random,
  ) {
    this.#samples = x.rows;
    this.#norms = settings.gradientNorms ? new Float64Array(net.layers.length) : null;
    // Slack after the targets: narrow-network kernels read them as whole f32x4 vectors.
    const xBytes = align64(x.data.length * 4);
    const tBytes = align64(t.data.length * 4 + VECTOR_SLACK);
    this.#block = heap.alloc(xBytes + tBytes + x.rows * 4);
    this.#data = { x: this.#block, t: this.#block + xBytes, order: this.#block + xBytes + tBytes };
    const views = heap.views;
    views.f32.set(x.data, this.#data.x >> 2);
    views.f32.set(t.data, this.#data.t >> 2);
    const order = this.#order();
    for (let i = 0; i < order.length; i++) order[i] = i;
  }

  /** Blocking: whole epochs per kernel call (plus one for the batches whose gradient norms are measured). */
  runSync(): History {
    while (this.#epoch < this.settings.epochs) {
      while (!this.#advance(Infinity));
      const logs = this.#finishEpoch();
      this.settings.onEpochEnd?.(this.#epoch - 1, logs);
    }
    return this.#history;
  }

  /** Time-sliced: whole batches, ~SLICE_MS per slice, yielding in between. */
  async runAsync(): Promise<History> {
    let samplesPerSlice = this.settings.batchSize;
    for (;;) {
      const started = now();
      const epochDone = this.#advance(samplesPerSlice);
      const elapsed = now() - started;
      samplesPerSlice = Math.max(this.settings.batchSize,
        Math.min(samplesPerSlice * 4, Math.round(samplesPerSlice * SLICE_MS / Math.max(elapsed, 0.05))));
      if (epochDone) {
        const logs = this.#finishEpoch();
        await this.settings.onEpochEnd?.(this.#epoch - 1, logs);
        if (this.#epoch === this.settings.epochs) return this.#history;
      }
      await yieldToEventLoop();
    }
  }

  /** Frees the resident copy of the data. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.heap.free(this.#block);
  }

  #order(): Int32Array {
    return this.heap.views.i32.subarray(this.#data.order >> 2, (this.#data.order >> 2) + this.#samples);
  }

  /** Trains up to `maxSamples` more samples of the current epoch, in whole batches; true when the epoch is complete. */
  #advance(maxSamples: number): boolean {
    if (this.net.disposed) throw new Error(`${this.where}: the network was disposed during training`);
    const { batchSize } = this.settings;
    if (this.#position === 0 && this.settings.shuffle) this.random.shuffle(this.#order());
    const measuring = this.#norms !== null && this.#batches < NORM_BATCHES;
    const batches = measuring ? NORM_BATCHES - this.#batches : Math.max(1, Math.floor(maxSamples / batchSize));
    const count = Math.min(this.#samples - this.#position, batches * batchSize);
    const { done, lossSum, diverged } = this.net.trainBatches(this.#data, this.#position, count, batchSize,
      learningRateAt(this.net.optimizer, this.net.epochsTrained), measuring ? this.#norms : null);
    this.#lossSum += lossSum;
    if (measuring) this.#batches += Math.ceil(done / batchSize);
    this.#position += done;
    if (diverged) {
      throw new Error(`${this.where}: training diverged in epoch ${this.#epoch + 1} at sample ${this.#position + 1} of ${this.#samples}: `
        + 'the loss or a gradient became NaN or Infinity. That step was not applied; the weights are those of the last finite step. '
        + 'Try a smaller learningRate or inputs of a smaller scale.');
    }
    return this.#position === this.#samples;
  }

  #finishEpoch(): EpochLogs {
    const loss = this.#lossSum / this.#samples;
    this.#history.loss.push(loss);
    this.#history.epochs = ++this.#epoch;
    this.net.completeEpoch();
    this.#position = 0;
    this.#lossSum = 0;
    if (!this.#norms) return { loss };
    const gradientNorms = Array.from(this.#norms, (sum) => Math.sqrt(sum / this.#batches));
    this.#norms.fill(0);
    this.#batches = 0;
    (this.#history.gradientNorms ??= []).push(gradientNorms);
    this.#checkGradientHealth(gradientNorms);
    return { loss, gradientNorms };
  }

  /** The seed's warning made concrete: gradients that vanish or explode as they pass back through the layers. */
  #checkGradientHealth(norms: number[]): void {
    const largest = Math.max(...norms);
    const strongest = norms.indexOf(largest);
    const warnOnce = (kind: string, message: string) => {
      if (this.#warned.has(kind)) return;
      this.#warned.add(kind);
      this.settings.onWarning(message);
    };
    norms.forEach((norm, layer) => {
      if (largest > 0 && norm < VANISHING_RATIO * largest) {
        warnOnce('vanishing', `${this.where}: vanishing gradients in epoch ${this.#epoch}: layer ${layer}'s gradient norm ${norm.toExponential(2)} `
          + `is below ${VANISHING_RATIO} of the largest (layer ${strongest}: ${largest.toExponential(2)}), so layer ${layer} barely learns. `
          + 'Deep stacks of sigmoids do this (each layer multiplies the gradient by at most 1/4); try relu or tanh, fewer layers, or another initialisation.');
      }
      if (norm > this.settings.explodingGradientThreshold) {
        warnOnce('exploding', `${this.where}: exploding gradients in epoch ${this.#epoch}: layer ${layer}'s gradient norm ${norm.toExponential(2)} `
          + `exceeds ${this.settings.explodingGradientThreshold} (options.explodingGradientThreshold). Large weights multiply the gradient `
          + 'at every layer it passes back through; try smaller initial weights or learning rate.');
      }
    });
  }
}

function align64(bytes: number): number {
  return Math.ceil(bytes / 64) * 64;
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
