/**
 * The calls a training run makes into a network: one kernel call over some
 * batches of an epoch (trainBatches) or over whole epochs (trainEpochs), and
 * the Trainee a network hands a run. Split from training.ts, the loop that
 * decides which to call.
 */
import type { Backend } from '../backend/backend.js';
import type { MemoryViews } from '../heap.js';
import type { Matrix } from './data.js';
import { writeNormsTarget, type NetworkPlan } from './layout.js';
import type { Optimizer } from './optimizers.js';
import type { Metric } from './metrics.js';
import type { Network } from './network.js';

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
 * Where a run of epochs keeps what crosses into the kernel: the shuffle
 * generator's four state words (0 when not shuffling), each epoch's learning
 * rate and each epoch's loss sum (f64s, `capacity` of each). Byte addresses.
 */
export interface EpochScratch {
  readonly random: number;
  readonly rates: number;
  readonly losses: number;
  readonly capacity: number;
}

/** What trainEpochs takes besides the network's kernels, memory, block and plan. */
export type TrainEpochsArgs = [data: { x: number; t: number; order: number }, samples: number, batchSize: number, epochs: number,
  scratch: EpochScratch];

/**
 * Runs `epochs` whole epochs of resident data in one kernel call (the rates
 * and the generator's state already in `scratch`; the loss sums land there).
 * `completed` epochs finished; on divergence `samplesInLast` is how many
 * samples of the next one were trained before the step that was refused.
 */
export function trainEpochs(kernels: Backend, views: MemoryViews, block: number, plan: NetworkPlan, ...args: TrainEpochsArgs) {
  const [data, samples, batchSize, epochs, scratch] = args;
  const result = block + plan.result;
  const completed = kernels.mlpTrainEpochs(block, data.x, data.t, data.order, samples, batchSize, epochs,
    scratch.rates, scratch.random, scratch.losses, result);
  const f64 = views.f64; // after the call
  return { completed, samplesInLast: f64[result >>> 3], diverged: f64[(result >>> 3) + 1] !== 0 };
}

/**
 * The part of a network a training run drives: an internal object that the
 * network makes for each run (never the public class). The steps that touch
 * the network's memory throw WASMGRAD_DISPOSED once it has been disposed.
 */
export interface Trainee {
  /** The public network, for callbacks (checkpoint saves it). */
  readonly network: Network;
  readonly layerCount: number;
  readonly optimizer: Optimizer;
  disposed(): boolean;
  /** Epochs this network has completed over all fits: the learning-rate schedule's clock. */
  epochsTrained(): number;
  completeEpoch(): void;
  /** reduceLROnPlateau's multiplier of the schedule's rate (1 unless lowered); part of the optimizer's state. */
  learningRateMultiplier(): number;
  setLearningRateMultiplier(multiplier: number): void;
  /** Whether `net.stopTraining()` was called during this run. */
  stopRequested(): boolean;
  /** Re-lays the network's block for batches of up to `rows` rows (fitDataset's batches vary). */
  ensureCapacity(rows: number): void;
  /** Index of the first NaN or ±Infinity among `count` float32s at byte address `at` (-1 if none), by a kernel. */
  firstNonFinite(count: number, at: number): number;
  trainBatches(...args: TrainBatchesArgs): { done: number; lossSum: number; diverged: boolean };
  trainEpochs(...args: TrainEpochsArgs): { completed: number; samplesInLast: number; diverged: boolean };
  evaluate(x: Matrix, t: Matrix, metrics: readonly Metric[]): { loss: number; accuracy?: number };
  snapshotParameters(): Float32Array;
  restoreParameters(snapshot: Float32Array): void;
}
