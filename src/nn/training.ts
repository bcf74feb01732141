/**
 * The training loop: the data is copied into linear memory once per fit, an
 * index order is shuffled each epoch, and the kernels run many batches per
 * call. When nothing needs control between epochs (no per-epoch or per-batch
 * callback, validation, metrics or early stopping), the epochs between two
 * whose gradient norms are measured run many to a kernel call, shuffles
 * included (mlpTrainEpochs), with the same results bit for bit; otherwise an
 * epoch per call. The async loop slices that work into ~10 ms runs (whole
 * epochs, or whole batches) and yields to the event loop between them.
 */
import type { Heap } from '../heap.js';
import type { Random } from '../random.js';
import { planTrainingData } from './layout.js';
import { disposedError } from '../errors.js';
import { learningRateAt } from './optimizers.js';
import { NORM_BATCHES, VANISHING_RATIO, normPeriod, type EpochLogs, type FitData, type FitSettings, type History } from './fit-options.js';
import type { EpochScratch, Trainee } from './training-calls.js';
import { EarlyStopping, withHistory } from './early-stopping.js';
import { checkScheduledRates, divergedError, now, recordEpoch, SLICE_MS, yieldToEventLoop } from './training-shared.js';
import {
  isThenable, notifyTrainError, refuseAsyncCallbacks, refuseUnawaited, runHooks, runHooksSync, trainingContext, type TrainingContext,
} from './callbacks/callback.js';

export { trainBatches, trainEpochs, type EpochScratch, type Trainee, type TrainBatchesArgs, type TrainEpochsArgs } from './training-calls.js';

/** The most epochs per mlpTrainEpochs call (the scratch holds two f64s per epoch). */
const EPOCH_CHUNK = 4096;

export class TrainingRun {
  readonly #data: { x: number; t: number; order: number };
  readonly #block: number;
  readonly #samples: number;
  readonly #history: History = { epochs: 0, loss: [], stopReason: 'completed' };
  #epoch = 0;
  #position = 0;
  #lossSum = 0;
  #closed = false;
  /** Σ over this epoch's batches of each layer's squared gradient norm. */
  readonly #norms: Float64Array | null;
  #batches = 0;
  readonly #warned = new Set<string>();
  readonly #trainingData: FitData;
  readonly #early: EarlyStopping;
  /** Set by runAsync once one epoch takes more than a slice: epochs then run batch-sliced, so an abort is seen within ~SLICE_MS. */
  #longEpochs = false;
  #batchInEpoch = 0;
  /** Set once runSync or runAsync returns or throws: the context's multiplier is then read-only. */
  #ended = false;
  /** fitSync: hooks must not return promises (nothing could await them). */
  #sync = false;
  /** Promises async onBatchEnd calls returned, awaited at the end of the slice (fit). */
  #batchHooks: PromiseLike<unknown>[] = [];
  /** Gradient norms are measured in epochs 0, P, 2P, … of this run (normPeriod). */
  readonly #normPeriod: number;
  /** Set when epochs may run many to a kernel call: nothing needs control between them. */
  readonly #scratch: (EpochScratch & { block: number }) | null = null;
  /** What the callbacks' hooks get (options.callbacks and the progress bar). */
  readonly #context: TrainingContext;

  constructor(
    readonly where: string,
    private readonly net: Trainee,
    private readonly heap: Heap,
    data: FitData,
    private readonly settings: FitSettings,
    private readonly random: Random,
  ) {
    const { x, t } = data;
    checkScheduledRates(where, net.optimizer, net.epochsTrained(), settings.epochs, net.learningRateMultiplier());
    this.#trainingData = data;
    this.#early = new EarlyStopping(settings.earlyStopping);
    this.#samples = x.rows;
    this.#context = trainingContext(where, net, {
      epochs: settings.epochs, samplesPerEpoch: x.rows, hasValidation: data.validation !== null, metrics: settings.metrics,
    }, () => this.#ended);
    this.#norms = settings.gradientNorms ? new Float64Array(net.layerCount) : null;
    const plan = planTrainingData(x.data.length, t.data.length, x.rows);
    this.#block = heap.alloc(plan.bytes);
    this.#data = { x: this.#block + plan.x, t: this.#block + plan.t, order: this.#block + plan.order };
    const views = heap.views;
    views.f32.set(x.data, this.#data.x >>> 2);
    views.f32.set(t.data, this.#data.t >>> 2);
    const order = this.#order();
    for (let i = 0; i < order.length; i++) order[i] = i;
    this.#normPeriod = this.#norms ? normPeriod(this.#samples, settings.batchSize) : Infinity;
    const quiet = !settings.onEpochEnd && !settings.onBatchEnd && !data.validation && !settings.earlyStopping && settings.metrics.length === 0
      && settings.callbacks.length === 0;
    // With a period of 1 every epoch is measured, so none runs in a batch of epochs.
    const capacity = Math.min(settings.epochs, EPOCH_CHUNK, this.#normPeriod - 1);
    if (quiet && capacity > 0) {
      let block: number;
      try {
        block = heap.alloc(64 + 16 * capacity);
      } catch (error) {
        heap.free(this.#block);
        throw error;
      }
      this.#scratch = { block, random: settings.shuffle ? block : 0, rates: block + 64, losses: block + 64 + 8 * capacity, capacity };
    }
  }

  /**
   * Blocking: the epochs between two measured ones in one kernel call where
   * they run together; else an epoch per call (plus one for the batches
   * whose gradient norms are measured).
   */
  runSync(): History {
    this.#sync = true;
    try {
      return this.#runSync();
    } catch (error) {
      // Whatever ended the run (a callback's throw, a failed checkpoint, a disposal) carries the epochs done.
      throw this.#failed(error);
    } finally {
      this.#ended = true;
    }
  }

  #runSync(): History {
    const { callbacks } = this.settings;
    const where = this.where;
    refuseAsyncCallbacks(where, callbacks);
    const live = () => this.#checkLive();
    runHooksSync(where, 'onTrainBegin', callbacks, (c) => c.onTrainBegin?.(this.#context), live);
    while (this.#running()) {
      if (this.#epochsRunTogether()) {
        this.#trainEpochs(Infinity);
        continue;
      }
      // An onBatchEnd that aborts stops the epoch after its batch (the batch path runs one per call then).
      let epochDone = false;
      while (!(epochDone = this.#advance(Infinity)) && !this.#aborted());
      if (!epochDone) break;
      const logs = this.#finishEpoch();
      runHooksSync(where, 'onEpochEnd', callbacks, (c) => c.onEpochEnd?.(this.#epoch - 1, logs, this.#context), live);
      refuseUnawaited(where, 'options.onEpochEnd', this.settings.onEpochEnd?.(this.#epoch - 1, logs));
      this.#checkLive();
    }
    this.#finishTraining();
    runHooksSync(where, 'onTrainEnd', callbacks, (c) => c.onTrainEnd?.(this.#history, this.#context), live);
    refuseUnawaited(where, 'options.onTrainEnd', this.settings.onTrainEnd?.(this.#history));
    this.#checkLive();
    return this.#history;
  }

  /**
   * Time-sliced: ~SLICE_MS per slice, yielding in between; a slice is whole
   * epochs where they run together, else whole batches. Each slice's size
   * comes from the rate the last one measured, so the same work is done in
   * the same kernel calls' steps as fitSync's, only cut elsewhere.
   */
  async runAsync(): Promise<History> {
    try {
      return await this.#runAsync();
    } catch (error) {
      throw this.#failed(error);
    } finally {
      this.#ended = true;
    }
  }

  /** The run's error with its history, after the callbacks' onTrainError. */
  #failed(error: unknown): unknown {
    withHistory(error, this.#history);
    notifyTrainError(this.settings.callbacks, error, this.#context);
    return error;
  }

  async #runAsync(): Promise<History> {
    let samplesPerSlice = this.settings.batchSize;
    let epochsPerSlice = 1;
    let lastYield = now();
    const { callbacks } = this.settings;
    const live = () => this.#checkLive();
    await runHooks(callbacks, (c) => c.onTrainBegin?.(this.#context), live);
    while (this.#running()) {
      const started = now();
      if (this.#epochsRunTogether()) {
        const epochs = this.#trainEpochs(epochsPerSlice);
        // One epoch per call already overruns a slice: batch-slice the rest (the same steps, bit for bit), so aborts and yields keep their ~SLICE_MS.
        if (epochs === 1 && now() - started > 2 * SLICE_MS) this.#longEpochs = true;
        // A run cut short by a measured epoch still says how many fit in SLICE_MS.
        epochsPerSlice = Math.max(1, Math.min(Math.max(epochsPerSlice, epochs) * 4,
          Math.round(epochs * SLICE_MS / Math.max(now() - started, 0.05))));
      } else {
        const epochDone = this.#advance(samplesPerSlice);
        const elapsed = now() - started;
        samplesPerSlice = Math.max(this.settings.batchSize,
          Math.min(samplesPerSlice * 4, Math.round(samplesPerSlice * SLICE_MS / Math.max(elapsed, 0.05))));
        if (epochDone) {
          const logs = this.#finishEpoch();
          await runHooks(callbacks, (c) => c.onEpochEnd?.(this.#epoch - 1, logs, this.#context), live);
          await this.settings.onEpochEnd?.(this.#epoch - 1, logs);
          this.#checkLive();
        }
      }
      await this.#settleBatchHooks();
      // Yield once ~SLICE_MS of work has piled up, not after every short epoch (nor after the last).
      if (this.#running() && now() - lastYield >= SLICE_MS) {
        await yieldToEventLoop();
        lastYield = now();
      }
    }
    this.#finishTraining();
    await runHooks(callbacks, (c) => c.onTrainEnd?.(this.#history, this.#context), live);
    await this.settings.onTrainEnd?.(this.#history);
    this.#checkLive();
    return this.#history;
  }

  /**
   * Throws if a callback, or other code while fit awaited, disposed the
   * network: fit then rejects rather than finish on memory it no longer owns.
   * (The network's own steps check again, as a last line.)
   */
  #checkLive(): void {
    if (this.net.disposed()) throw disposedError(`${this.where}: the network was disposed during training`);
  }

  /** Whether a signal or net.stopTraining() asked to stop. */
  #aborted(): boolean {
    return this.settings.signal?.aborted === true || this.net.stopRequested();
  }

  /** Epochs remain, and neither early stopping nor an abort has ended the run. */
  #running(): boolean {
    return this.#epoch < this.settings.epochs && !this.#early.stop && !this.#aborted();
  }

  /** Frees the resident copy of the data (the run's own block, never the network's). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.heap.free(this.#block);
    if (this.#scratch) this.heap.free(this.#scratch.block);
  }

  /** Whether this epoch gets its gradient norms measured (epochs 0, P, 2P, … of the run). */
  #measures(epoch: number): boolean {
    return this.#norms !== null && epoch % this.#normPeriod === 0;
  }

  /** At an epoch's start, with nothing to do between epochs and no norms to measure in this one. */
  #epochsRunTogether(): boolean {
    return this.#scratch !== null && !this.#longEpochs && this.#position === 0 && !this.#measures(this.#epoch);
  }

  /**
   * Trains up to `maxEpochs` whole epochs in one kernel call, stopping before
   * the next measured epoch, and books them as #finishEpoch would: the loss
   * per epoch, the network's epoch count, the shuffle generator's state.
   * Returns how many it trained.
   */
  #trainEpochs(maxEpochs: number): number {
    this.#checkLive();
    const scratch = this.#scratch!;
    const first = this.#epoch;
    const nextMeasured = (Math.floor(first / this.#normPeriod) + 1) * this.#normPeriod;
    const count = Math.min(maxEpochs, this.settings.epochs - first, nextMeasured - first, scratch.capacity);
    const trained = this.net.epochsTrained(), multiplier = this.net.learningRateMultiplier();
    // Each views.* access checks the memory's buffer: take the arrays once per call, not once per epoch.
    const before = this.heap.views, rates = scratch.rates >>> 3;
    const f64 = before.f64;
    for (let e = 0; e < count; e++) f64[rates + e] = learningRateAt(this.net.optimizer, trained + e, multiplier);
    if (scratch.random) this.random.writeState(before.i32, scratch.random >>> 2);
    const { completed, samplesInLast, diverged } = this.net.trainEpochs(this.#data, this.#samples, this.settings.batchSize, count, scratch);
    const after = this.heap.views; // after the call: a view taken before it may be stale, were memory to grow
    // The kernel shuffled on from this state (also the epoch that diverged, as #advance would have).
    if (scratch.random) this.random.readState(after.i32, scratch.random >>> 2);
    const losses = after.f64, at = scratch.losses >>> 3, loss = this.#history.loss;
    for (let e = 0; e < completed; e++) {
      loss.push(losses[at + e] / this.#samples);
      this.net.completeEpoch();
    }
    this.#epoch += completed;
    this.#history.epochs = this.#epoch;
    if (diverged) throw this.#divergedError(samplesInLast);
    return completed;
  }

  #order(): Int32Array {
    return this.heap.views.i32.subarray(this.#data.order >>> 2, (this.#data.order >>> 2) + this.#samples);
  }

  /** Trains up to `maxSamples` more samples of the current epoch, in whole batches; true when the epoch is complete. */
  #advance(maxSamples: number): boolean {
    this.#checkLive();
    const { batchSize } = this.settings;
    if (this.#position === 0 && this.settings.shuffle) this.random.shuffle(this.#order());
    const measuring = this.#measures(this.#epoch) && this.#batches < NORM_BATCHES;
    // onBatchEnd needs one kernel call per batch; otherwise as many batches as fit in maxSamples.
    const batches = this.settings.onBatchEnd ? 1
      : measuring ? NORM_BATCHES - this.#batches : Math.max(1, Math.floor(maxSamples / batchSize));
    const count = Math.min(this.#samples - this.#position, batches * batchSize);
    const { done, lossSum, diverged } = this.net.trainBatches(this.#data, this.#position, count, batchSize,
      learningRateAt(this.net.optimizer, this.net.epochsTrained(), this.net.learningRateMultiplier()), measuring ? this.#norms : null);
    this.#lossSum += lossSum;
    if (measuring) this.#batches += Math.ceil(done / batchSize);
    this.#position += done;
    if (diverged) throw this.#divergedError(this.#position);
    if (this.settings.onBatchEnd && done > 0) {
      const result: unknown = this.settings.onBatchEnd(this.#batchInEpoch++, { loss: lossSum / done });
      if (this.#sync) refuseUnawaited(this.where, 'options.onBatchEnd', result);
      else if (isThenable(result)) this.#batchHooks.push(result);
      this.#checkLive();
    }
    return this.#position === this.#samples;
  }

  /** Awaits the promises async onBatchEnd calls returned in this slice: fit rejects with the first rejection. */
  async #settleBatchHooks(): Promise<void> {
    if (this.#batchHooks.length === 0) return;
    const pending = this.#batchHooks;
    this.#batchHooks = [];
    await Promise.all(pending);
    this.#checkLive();
  }

  /** The error of a step that was refused after `position` samples of the current epoch. */
  #divergedError(position: number): Error {
    return divergedError(this.where, `epoch ${this.#epoch + 1} at sample ${position + 1} of ${this.#samples}`, this.#history);
  }

  #finishEpoch(): EpochLogs {
    const measured = this.#measures(this.#epoch);
    const { metrics } = this.settings;
    const data = this.#trainingData;
    // Training accuracy on all the training data, with the epoch's last weights.
    const accuracy = metrics.length ? this.net.evaluate(data.x, data.t, metrics).accuracy : undefined;
    const logs = recordEpoch(this.net, this.#history, this.#lossSum / this.#samples, accuracy, data.validation, metrics);
    this.#epoch++;
    this.#position = 0;
    this.#lossSum = 0;
    this.#batchInEpoch = 0;
    if (measured) {
      logs.gradientNorms = Array.from(this.#norms!, (sum) => Math.sqrt(sum / this.#batches));
      this.#norms!.fill(0);
      this.#batches = 0;
      (this.#history.gradientNorms ??= []).push(logs.gradientNorms);
      (this.#history.gradientNormEpochs ??= []).push(this.#epoch - 1);
      this.#checkGradientHealth(logs.gradientNorms);
      this.#checkLive(); // onWarning may have disposed it
    }
    this.#early.observe(this.#epoch - 1, logs, this.net);
    return logs;
  }

  /** Any end but an error: why it ended, and the best weights back where early stopping keeps them. */
  #finishTraining(): void {
    this.#early.finish(this.#history, this.#epoch < this.settings.epochs, this.net);
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
