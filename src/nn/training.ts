/**
 * The training loop: the data is copied into linear memory once per fit, an
 * index order is shuffled each epoch, and the kernels run many batches per
 * call. The sync loop runs an epoch per call; the async loop slices epochs
 * into ~10 ms runs of whole batches and yields to the event loop between them.
 */
import type { Backend } from '../backend/backend.js';
import type { Heap, MemoryViews } from '../heap.js';
import type { Random } from '../random.js';
import type { Matrix } from './data.js';
import { planTrainingData, writeNormsTarget, type NetworkPlan } from './layout.js';
import { codedError, disposedError } from '../errors.js';
import { learningRateAt, type Optimizer } from './optimizers.js';
import { NORM_BATCHES, VANISHING_RATIO, type EpochLogs, type FitData, type FitSettings, type History } from './fit-options.js';
import type { Metric } from './metrics.js';

/** What trainBatches takes besides the network's kernels, memory, block and plan. */
export type TrainBatchesArgs = [data: { x: number; t: number; order: number }, start: number, count: number, batchSize: number,
  learningRate: number, norms: Float64Array | null];

/**
 * Runs batches order[start .. start+count) of resident data through the
 * network whose block is at `block`. With `norms`, adds each layer's Σ over
 * batches of its squared gradient norm to norms[layer].
 */
export function trainBatches(kernels: Backend, views: MemoryViews, block: number, plan: NetworkPlan, ...args: TrainBatchesArgs) {
  const [data, start, count, batchSize, learningRate, norms] = args;
  const result = block + plan.result;
  const normsAt = block + plan.norms;
  if (norms) {
    views.f64.fill(0, normsAt >>> 3, (normsAt >>> 3) + plan.layers.length);
    writeNormsTarget(views.i32, block, normsAt);
  }
  try {
    const done = kernels.mlpTrainBatches(block, data.x, data.t, data.order, start, count, batchSize, learningRate, result);
    const f64 = views.f64; // after the call: a view taken before it may be stale, were memory to grow
    norms?.forEach((_, l) => { norms[l] += f64[(normsAt >>> 3) + l]; });
    return { done, lossSum: f64[result >>> 3], diverged: f64[(result >>> 3) + 1] !== 0 };
  } finally {
    writeNormsTarget(views.i32, block, 0);
  }
}

/**
 * The part of a network a training run drives: an internal object that the
 * network makes for each run (never the public class). The steps that touch
 * the network's memory throw WASMGRAD_DISPOSED once it has been disposed.
 */
export interface Trainee {
  readonly layerCount: number;
  readonly optimizer: Optimizer;
  disposed(): boolean;
  /** Epochs this network has completed over all fits: the learning-rate schedule's clock. */
  epochsTrained(): number;
  completeEpoch(): void;
  trainBatches(...args: TrainBatchesArgs): { done: number; lossSum: number; diverged: boolean };
  evaluate(x: Matrix, t: Matrix, metrics: readonly Metric[]): { loss: number; accuracy?: number };
  snapshotParameters(): Float32Array;
  restoreParameters(snapshot: Float32Array): void;
}

const SLICE_MS = 10;

/**
 * Lets the event loop run: setImmediate in Node; in browsers a MessageChannel
 * message, because setTimeout(0) is stretched to 4 ms once timers nest (300
 * yields would cost over a second).
 */
const yieldToEventLoop: () => Promise<void> = typeof setImmediate === 'function'
  ? () => new Promise((resolve) => setImmediate(resolve))
  : typeof MessageChannel === 'function'
    ? () => new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(null);
    })
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
  readonly #trainingData: FitData;
  /** Early stopping: the best monitored value so far, its epoch and weights, and whether to stop. */
  #best: { value: number; epoch: number; weights: Float32Array | null } | null = null;
  #stop = false;
  #batchInEpoch = 0;

  constructor(
    readonly where: string,
    private readonly net: Trainee,
    private readonly heap: Heap,
    data: FitData,
    private readonly settings: FitSettings,
    private readonly random: Random,
  ) {
    const { x, t } = data;
    checkScheduledRates(where, net.optimizer, net.epochsTrained(), settings.epochs);
    this.#trainingData = data;
    this.#samples = x.rows;
    this.#norms = settings.gradientNorms ? new Float64Array(net.layerCount) : null;
    const plan = planTrainingData(x.data.length, t.data.length, x.rows);
    this.#block = heap.alloc(plan.bytes);
    this.#data = { x: this.#block + plan.x, t: this.#block + plan.t, order: this.#block + plan.order };
    const views = heap.views;
    views.f32.set(x.data, this.#data.x >>> 2);
    views.f32.set(t.data, this.#data.t >>> 2);
    const order = this.#order();
    for (let i = 0; i < order.length; i++) order[i] = i;
  }

  /** Blocking: whole epochs per kernel call (plus one for the batches whose gradient norms are measured). */
  runSync(): History {
    while (this.#epoch < this.settings.epochs && !this.#stop) {
      while (!this.#advance(Infinity));
      const logs = this.#finishEpoch();
      this.settings.onEpochEnd?.(this.#epoch - 1, logs);
      this.#checkLive();
    }
    this.#finishTraining();
    this.settings.onTrainEnd?.(this.#history);
    this.#checkLive();
    return this.#history;
  }

  /** Time-sliced: whole batches, ~SLICE_MS per slice, yielding in between. */
  async runAsync(): Promise<History> {
    let samplesPerSlice = this.settings.batchSize;
    let lastYield = now();
    for (;;) {
      const started = now();
      const epochDone = this.#advance(samplesPerSlice);
      const elapsed = now() - started;
      samplesPerSlice = Math.max(this.settings.batchSize,
        Math.min(samplesPerSlice * 4, Math.round(samplesPerSlice * SLICE_MS / Math.max(elapsed, 0.05))));
      if (epochDone) {
        const logs = this.#finishEpoch();
        await this.settings.onEpochEnd?.(this.#epoch - 1, logs);
        this.#checkLive();
        if (this.#epoch === this.settings.epochs || this.#stop) {
          this.#finishTraining();
          await this.settings.onTrainEnd?.(this.#history);
          this.#checkLive();
          return this.#history;
        }
      }
      // Yield once ~SLICE_MS of work has piled up, not after every short epoch.
      if (now() - lastYield >= SLICE_MS) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
  }

  /**
   * Throws if a callback, or other code while fit awaited, disposed the
   * network: fit then rejects rather than finish on memory it no longer owns.
   * (The network's own steps check again, as a last line.)
   */
  #checkLive(): void {
    if (this.net.disposed()) throw disposedError(`${this.where}: the network was disposed during training`);
  }

  /** Frees the resident copy of the data (the run's own block, never the network's). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.heap.free(this.#block);
  }

  #order(): Int32Array {
    return this.heap.views.i32.subarray(this.#data.order >>> 2, (this.#data.order >>> 2) + this.#samples);
  }

  /** Trains up to `maxSamples` more samples of the current epoch, in whole batches; true when the epoch is complete. */
  #advance(maxSamples: number): boolean {
    this.#checkLive();
    const { batchSize } = this.settings;
    if (this.#position === 0 && this.settings.shuffle) this.random.shuffle(this.#order());
    const measuring = this.#norms !== null && this.#batches < NORM_BATCHES;
    // onBatchEnd needs one kernel call per batch; otherwise as many batches as fit in maxSamples.
    const batches = this.settings.onBatchEnd ? 1
      : measuring ? NORM_BATCHES - this.#batches : Math.max(1, Math.floor(maxSamples / batchSize));
    const count = Math.min(this.#samples - this.#position, batches * batchSize);
    const { done, lossSum, diverged } = this.net.trainBatches(this.#data, this.#position, count, batchSize,
      learningRateAt(this.net.optimizer, this.net.epochsTrained()), measuring ? this.#norms : null);
    this.#lossSum += lossSum;
    if (measuring) this.#batches += Math.ceil(done / batchSize);
    this.#position += done;
    if (diverged) {
      throw codedError('WASMGRAD_DIVERGED', `${this.where}: training diverged in epoch ${this.#epoch + 1} at sample ${this.#position + 1} of ${this.#samples}: `
        + 'the loss or a gradient became NaN or Infinity. That step was not applied; the weights are those of the last finite step. '
        + 'Try a smaller learningRate or inputs of a smaller scale.', 'RangeError');
    }
    if (this.settings.onBatchEnd && done > 0) {
      this.settings.onBatchEnd(this.#batchInEpoch++, { loss: lossSum / done });
      this.#checkLive();
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
    this.#batchInEpoch = 0;
    const logs: EpochLogs = { loss };
    const { metrics } = this.settings;
    if (metrics.length) {
      logs.accuracy = this.net.evaluate(this.#trainingData.x, this.#trainingData.t, metrics).accuracy;
      (this.#history.accuracy ??= []).push(logs.accuracy!);
    }
    const validation = this.#trainingData.validation;
    if (validation) {
      const result = this.net.evaluate(validation.x, validation.t, metrics);
      logs.valLoss = result.loss;
      (this.#history.valLoss ??= []).push(result.loss);
      if (result.accuracy !== undefined) {
        logs.valAccuracy = result.accuracy;
        (this.#history.valAccuracy ??= []).push(result.accuracy);
      }
    }
    if (this.#norms) {
      logs.gradientNorms = Array.from(this.#norms, (sum) => Math.sqrt(sum / this.#batches));
      this.#norms.fill(0);
      this.#batches = 0;
      (this.#history.gradientNorms ??= []).push(logs.gradientNorms);
      this.#checkGradientHealth(logs.gradientNorms);
      this.#checkLive(); // onWarning may have disposed it
    }
    this.#watchForEarlyStop(logs);
    return logs;
  }

  /** Early stopping: remember the best epoch (and its weights); stop after `patience` epochs without improvement. */
  #watchForEarlyStop(logs: EpochLogs): void {
    const rule = this.settings.earlyStopping;
    if (!rule) return;
    const value = logs[rule.monitor]!;
    const higherIsBetter = rule.monitor.endsWith('ccuracy');
    const improved = !this.#best
      || (higherIsBetter ? value > this.#best.value + rule.minDelta : value < this.#best.value - rule.minDelta);
    const epoch = this.#epoch - 1;
    if (improved) {
      this.#best = { value, epoch, weights: rule.restoreBestWeights ? this.net.snapshotParameters() : null };
    } else if (epoch - this.#best!.epoch >= rule.patience) {
      this.#stop = true;
    }
  }

  #finishTraining(): void {
    const rule = this.settings.earlyStopping;
    if (!rule || !this.#best) return;
    this.#history.stoppedEarly = this.#stop;
    this.#history.bestEpoch = this.#best.epoch;
    if (this.#best.weights) this.net.restoreParameters(this.#best.weights);
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

/**
 * The kernels take the learning rate as a float32: refuse, before any step, a
 * schedule whose rate leaves float32's range during this fit. Step and
 * exponential schedules are monotone and cosine stays between its ends, so
 * the largest rate is at the first or the last epoch.
 */
function checkScheduledRates(where: string, optimizer: Optimizer, firstEpoch: number, epochs: number): void {
  for (const epoch of [firstEpoch, firstEpoch + epochs - 1]) {
    const rate = learningRateAt(optimizer, epoch);
    if (!Number.isFinite(Math.fround(rate))) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: the optimizer's schedule gives a learning rate of ${rate} in epoch ${epoch}, `
        + 'which float32 cannot hold (above 3.4e38); use a smaller schedule factor or fewer epochs', 'RangeError');
    }
  }
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}
