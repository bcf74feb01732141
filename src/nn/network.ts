/**
 * A trained-by-backpropagation stack of dense layers that lives in one block
 * of linear memory: descriptor, weights, gradients and per-batch buffers.
 * Every numeric step runs in the chosen backend's kernels.
 */
import type { Backend, BackendName } from '../backend/backend.js';
import { kernelLossId, type Loss } from '../backend/kinds.js';
import { runtime, type Runtime } from '../runtime.js';
import { Random } from '../random.js';
import { codedError, disposedError } from '../errors.js';
import {
  checkFloat32Rows, checkFloat32Shape, nonFiniteError, overflowError, toMatrix, toRows, type Matrix, type MatrixInput,
} from './data.js';
import { toSamples, type TargetsInput } from './targets.js';
import { checkConfig, checkLayerWeights, checkParameters, checkRestoredState } from './config.js';
import { initialWeights, type DenseLayer } from './layers.js';
import { planNetwork, writeDescriptor, writeRandomState, writePaths, writeStep, type NetworkPlan } from './layout.js';
import { optimizerNumbers, stateArrays, type Optimizer } from './optimizers.js';
import { pathBits } from './paths.js';
import { registerNetworkMemory } from './network-memory.js';
import { WeightPanels } from './panels.js';
import { networkJSON } from './network-json.js';
import { notifyDisposed } from './dispose-listeners.js';
import { summary } from './summary.js';
import { argumentError, plainObject, rejectUnknownKeys } from './validate.js';
import { checkMetrics, countCorrect, type Metric } from './metrics.js';
import { trainBatches, trainEpochs, TrainingRun, type Trainee, type TrainBatchesArgs, type TrainEpochsArgs } from './training.js';
import type { LayerWeights, LayerWeightsInput, NetworkConfig, NetworkJSON, OptimizerState, SequentialConfig } from './network-types.js';

export type { LayerWeights, LayerWeightsInput, NetworkConfig, NetworkJSON, OptimizerState };
import { checkFitOptions, fitData, type FitOptions, type History } from './fit-options.js';
import { DatasetRun, type DatasetSource, type FitDatasetOptions } from './fit-dataset.js';

/** Rows that predict and evaluate push through at once. */
const CHUNK_ROWS = 1024;
/** The error prefix of the constructor's checks. */
const CONSTRUCTOR = 'new Network';

/**
 * A network of dense layers in one block of linear memory. Build it with
 * `sequential()` (or `fromJSON`, `load`, `fromTfjs`); its definition
 * (inputSize, layers, loss, optimizer, seed, backend) is read-only. Every
 * method of a disposed network throws WASMGRAD_DISPOSED, also from inside a
 * training callback, where fit then stops.
 */
export class Network {
  // The definition is read-only (getters over private fields, frozen objects): changing
  // inputSize or layers under the memory plan would make the kernels write past the block.
  readonly #config: NetworkConfig;
  readonly #runtime: Runtime;
  readonly #kernels: Backend;
  readonly #shuffleRandom: Random;
  #block = 0;
  #plan: NetworkPlan;
  /** The one-row weight panels (src/nn/panels.ts): made after a run of single-sample predicts. */
  readonly #panels: WeightPanels;
  #disposed = false;
  #training = false;
  /** Set by stopTraining() while a run is on; every run starts with it clear. */
  #stopRequested = false;
  #epochsTrained = 0;
  /** reduceLROnPlateau's multiplier of the schedule's rate: optimizer state, saved with it. */
  #learningRateMultiplier = 1;

  /**
   * Prefer `sequential()` or `fromJSON()`. The config is checked as
   * `sequential` checks it; `parameters`, if given, are per layer [W, b]
   * (Float32Arrays of in×out and out finite values), and `optimizerState` the
   * optimizer's step, epoch and state arrays: all are checked before any
   * memory is taken (errors name `new Network`).
   */
  constructor(definition: SequentialConfig, parameters?: readonly (readonly [Float32Array, Float32Array])[],
    optimizerState?: { step: number; epoch?: number; learningRateMultiplier?: number; state1?: Float32Array; state2?: Float32Array }) {
    // Checked like sequential's (fromJSON and fromTfjs have checked theirs already; a second check finds nothing).
    const config = checkConfig(CONSTRUCTOR, definition);
    checkParameters(CONSTRUCTOR, parameters, config);
    this.#config = config;
    this.#runtime = runtime();
    this.#kernels = this.#runtime.backends[config.backend];
    this.#shuffleRandom = new Random(config.seed, 1);
    this.#plan = planNetwork(this.inputSize, this.layers, 1, stateArrays(this.optimizer));
    this.#panels = new WeightPanels(this.#kernels, this.#runtime.heap, this.layers.length);
    checkRestoredState(CONSTRUCTOR, optimizerState, config, this.#plan.paramCount);
    this.#block = this.#runtime.heap.alloc(this.#plan.bytes);
    // Optimizer state and the step count start at zero (heap blocks come uninitialised).
    this.#runtime.heap.views.u8.fill(0, this.#block, this.#block + this.#plan.prefixBytes);
    // The dropout stream starts from the seed (xorshift32 needs a non-zero state).
    writeRandomState(this.#runtime.heap.views.i32, this.#block, new Random(config.seed, 2).nextUint32());
    this.#writeDescriptor();
    // The fast paths this network may take, by what each supports; kept when the block grows (it is in the prefix).
    writePaths(this.#runtime.heap.views.i32, this.#block, pathBits(this));
    const f32 = this.#runtime.heap.views.f32;
    f32.set(optimizerNumbers(this.optimizer).hyper, this.#at(this.#plan.hyper));
    if (optimizerState) {
      this.#epochsTrained = optimizerState.epoch ?? 0;
      this.#learningRateMultiplier = optimizerState.learningRateMultiplier ?? 1;
      writeStep(this.#runtime.heap.views.f64, this.#block, optimizerState.step);
      if (optimizerState.state1) f32.set(optimizerState.state1, this.#at(this.#plan.state1));
      if (optimizerState.state2) f32.set(optimizerState.state2, this.#at(this.#plan.state2));
    }
    const initRandom = new Random(config.seed, 0);
    this.#plan.layers.forEach((layer, l) => {
      const w = f32.subarray(this.#at(layer.weights), this.#at(layer.weights) + layer.inSize * layer.outSize);
      const b = f32.subarray(this.#at(layer.bias), this.#at(layer.bias) + layer.outSize);
      if (parameters) {
        w.set(parameters[l][0]);
        b.set(parameters[l][1]);
      } else {
        initialWeights(initRandom, layer.inSize, layer.outSize, this.layers[l].initializer, w);
        b.fill(0);
      }
    });
    // The model-file writer reads weights and state straight from memory (src/nn/network-memory.ts, internal).
    registerNetworkMemory(this, () => ({ views: this.#runtime.heap.views, block: this.#block, plan: this.#plan }));
  }

  /** Values per input sample. */
  get inputSize(): number {
    return this.#config.inputSize;
  }

  /** The layers, first to last (frozen). */
  get layers(): readonly DenseLayer[] {
    return this.#config.layers;
  }

  get loss(): Loss {
    return this.#config.loss;
  }

  /** The optimizer's settings (frozen). */
  get optimizer(): Optimizer {
    return this.#config.optimizer;
  }

  /** The seed of the weight initialisation and shuffling: pass it back to reproduce this network. */
  get seed(): number {
    return this.#config.seed;
  }

  get backend(): BackendName {
    return this.#config.backend;
  }

  /** Units of the last layer. */
  get outputSize(): number {
    return this.layers[this.layers.length - 1].units;
  }

  /** Number of trainable parameters (all weights and biases). */
  get parameterCount(): number {
    return this.#plan.paramCount;
  }

  /** Epochs completed over every fit so far (the learning-rate schedule counts these). */
  get epochsTrained(): number {
    return this.#epochsTrained;
  }

  /**
   * The factor the schedule's learning rate is multiplied by: 1 unless
   * reduceLROnPlateau lowered it. Part of the optimizer's state: model files
   * and toJSON keep it, and later fits train with it.
   */
  get learningRateMultiplier(): number {
    return this.#learningRateMultiplier;
  }

  /** True once `dispose()` has returned this network's memory. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * The network as a plain-text table: per layer its index, units,
   * activation, output shape and parameters; the total; loss, optimizer
   * (with its learning rate) and backend. See src/nn/summary.ts.
   */
  summary(): string {
    this.#where('summary');
    return summary(this);
  }

  /** Replaces every layer's weights and bias. All are checked before any is written. */
  setWeights(layers: readonly LayerWeightsInput[]): void {
    const checked = checkLayerWeights(this.#where('setWeights'), layers, this.#plan.layers);
    const f32 = this.#runtime.heap.views.f32;
    this.#plan.layers.forEach((plan, l) => {
      f32.set(checked[l][0], this.#at(plan.weights));
      f32.set(checked[l][1], this.#at(plan.bias));
    });
    this.#panels.weightsChanged(this.#block);
  }

  /** A copy of every layer's weights (in×out) and bias. */
  getWeights(): LayerWeights[] {
    this.#where('getWeights');
    return this.#readLayers('weights', 'bias');
  }

  /**
   * Runs the network forward. number[][] in gives number[][] out; a row-major
   * Float32Array in gives a row-major Float32Array out. Pass `out` (rows ×
   * outputSize floats) to have the outputs written there: with a Float32Array
   * in and out, predict allocates nothing, which suits one-sample latency.
   *
   * After 16 one-sample predicts on unchanged weights, the wasm backend keeps
   * a second copy of each wide layer's weights laid out for one-sample
   * products (src/nn/panels.ts): up to 1.3× faster on 1024-wide layers, the
   * same results bit for bit, and as much memory again as those weights
   * (at most 256 MiB; freed by dispose()). Any weight change makes it stale
   * until the next 16 one-sample predicts.
   */
  predict(inputs: readonly (readonly number[])[]): number[][];
  predict(inputs: Float32Array, out?: Float32Array): Float32Array;
  predict(inputs: MatrixInput, out?: Float32Array): number[][] | Float32Array {
    const where = this.#where('predict');
    if (inputs instanceof Float32Array) {
      // Finiteness is checked by a kernel once a chunk is staged (#forwardInto), or here, up front,
      // when several chunks will be written into `out`, so a bad value never leaves it half written.
      const rows = inputs.length > CHUNK_ROWS * this.inputSize
        ? checkFloat32Rows(where, 'inputs', inputs, this.inputSize, 'the network\'s inputSize')
        : checkFloat32Shape(where, 'inputs', inputs, this.inputSize, 'the network\'s inputSize');
      if (out !== undefined && (!(out instanceof Float32Array) || out.length !== rows * this.outputSize)) {
        throw argumentError(where, 'out', `a Float32Array of ${rows * this.outputSize} values (${rows} rows × ${this.outputSize} outputs)`, out);
      }
      const result = out ?? new Float32Array(rows * this.outputSize);
      this.#forwardInto(where, inputs, rows, result);
      return result;
    }
    if (out !== undefined) throw argumentError(where, 'out', 'absent unless inputs is a Float32Array', out);
    const x = toMatrix(where, 'inputs', inputs, this.inputSize, 'the network\'s inputSize');
    const result = new Float32Array(x.rows * this.outputSize);
    this.#forwardInto(where, x.data, x.rows, result);
    return toRows(result, x.rows, this.outputSize);
  }

  /**
   * Forward pass of `rows` rows, chunk by chunk through the staging buffer,
   * into `out`. Each chunk is checked for NaN/±Infinity once staged; on a bad
   * value it throws before `out` is touched for that chunk.
   */
  #forwardInto(where: string, data: Float32Array, rows: number, out: Float32Array): void {
    this.#ensureCapacity(Math.min(rows, CHUNK_ROWS));
    const inputSize = this.inputSize, outputSize = this.outputSize;
    for (let start = 0; start < rows; start += this.#plan.capacity) {
      const count = Math.min(this.#plan.capacity, rows - start);
      const f32 = this.#runtime.heap.views.f32;
      f32.set(data.subarray(start * inputSize, (start + count) * inputSize), this.#at(this.#plan.xStage));
      const bad = this.#kernels.firstNonFinite(count * inputSize, this.#block + this.#plan.xStage);
      if (bad >= 0) throw nonFiniteError(where, 'inputs', data, start * inputSize + bad, inputSize);
      if (count === 1) this.#panels.beforeOneRow(this.#block);
      const y = this.#kernels.mlpForward(this.#block, this.#block + this.#plan.xStage, count) >>> 2;
      out.set(this.#runtime.heap.views.f32.subarray(y, y + count * outputSize), start * outputSize);
    }
  }

  /**
   * The mean over samples of the loss (for 'l2': 1/2 Σ_j (y_j - t_j)²).
   * Targets are rows of outputSize values, or with
   * 'sparseCategoricalCrossentropy' one class index per sample.
   */
  evaluate(inputs: MatrixInput, targets: TargetsInput, options: { metrics?: Metric[] } = {}): { loss: number; accuracy?: number } {
    const [x, t] = this.#checkData('evaluate', inputs, targets);
    const o = plainObject('Network.evaluate', 'options', options);
    rejectUnknownKeys('Network.evaluate', 'options', o, ['metrics']);
    const result = this.#evaluateChecked(x, t, checkMetrics(this.#where('evaluate'), o.metrics));
    if (!Number.isFinite(result.loss)) throw overflowError('Network.evaluate', `the loss is ${result.loss}`);
    return result;
  }

  /** evaluate() for data already checked (also fit's validation data). */
  #evaluateChecked(x: Matrix, t: Matrix, metrics: readonly Metric[]): { loss: number; accuracy?: number } {
    this.#ensureCapacity(Math.min(x.rows, CHUNK_ROWS));
    let lossSum = 0, correct = 0;
    const outputs = this.outputSize;
    for (let start = 0; start < x.rows; start += this.#plan.capacity) {
      const rows = Math.min(this.#plan.capacity, x.rows - start);
      this.#stage(x, start, rows, this.#plan.xStage);
      this.#stage(t, start, rows, this.#plan.tStage);
      lossSum += this.#kernels.mlpLossSum(this.#block, this.#block + this.#plan.xStage, this.#block + this.#plan.tStage, rows);
      if (metrics.includes('accuracy')) {
        const y = this.#at(this.#plan.layers[this.#plan.layers.length - 1].output);
        const f32 = this.#runtime.heap.views.f32;
        correct += countCorrect(f32.subarray(y, y + rows * outputs), t.data.subarray(start * outputs, (start + rows) * outputs), rows, outputs);
      }
    }
    return metrics.includes('accuracy') ? { loss: lossSum / x.rows, accuracy: correct / x.rows } : { loss: lossSum / x.rows };
  }

  /** A copy of every parameter (for restoring the best weights after early stopping). */
  #snapshotParameters(): Float32Array {
    const start = this.#at(this.#plan.params);
    return this.#runtime.heap.views.f32.slice(start, start + this.#plan.paramCount);
  }

  /** Puts back a #snapshotParameters() copy. */
  #restoreParameters(snapshot: Float32Array): void {
    this.#runtime.heap.views.f32.set(snapshot, this.#at(this.#plan.params));
    this.#panels.weightsChanged(this.#block);
  }

  /**
   * ∂L/∂W and ∂L/∂b of the mean loss over all given samples, per layer,
   * without changing any weight.
   */
  gradients(inputs: MatrixInput, targets: TargetsInput): LayerWeights[] {
    const [x, t] = this.#checkData('gradients', inputs, targets);
    this.#ensureCapacity(x.rows);
    this.#stage(x, 0, x.rows, this.#plan.xStage);
    this.#stage(t, 0, t.rows, this.#plan.tStage);
    this.#kernels.mlpGradients(this.#block, this.#block + this.#plan.xStage, this.#block + this.#plan.tStage, x.rows);
    // Finite inputs and weights can still overflow float32 on the way (1e20 · 1e20): say so rather than return Infinity.
    const bad = this.#kernels.firstNonFinite(this.#plan.paramCount, this.#block + this.#plan.grads);
    if (bad >= 0) throw overflowError('Network.gradients', `gradient ${bad} of ${this.#plan.paramCount} is ${this.#runtime.heap.views.f32[this.#at(this.#plan.grads) + bad]}`);
    return this.#readLayers('weightGrad', 'biasGrad');
  }

  /**
   * Trains by minibatch gradient descent. Resolves to the loss history; yields
   * to the event loop between batches (every ~10 ms) so a page or server stays
   * responsive. If the loss or a gradient becomes NaN or Infinity it rejects,
   * keeping the weights of the last finite step. Targets are rows of
   * outputSize values (number[][] or a row-major Float32Array), or with
   * 'sparseCategoricalCrossentropy' one class index per sample (number[] or
   * a typed array), which trains exactly as the one-hot rows would.
   */
  async fit(inputs: MatrixInput, targets: TargetsInput, options: FitOptions = {}): Promise<History> {
    const run = this.#startTraining('fit', inputs, targets, options);
    try {
      return await run.runAsync();
    } finally {
      run.close();
      this.#training = false;
    }
  }

  /**
   * Asks the running `fit`, `fitSync` (from a callback) or `fitDataset` to
   * stop, as aborting its `signal` would: it ends within one batch or ~10 ms,
   * with `history.stopReason === 'aborted'`. With no training running it does
   * nothing, and the next fit is not affected. On a disposed network it
   * throws WASMGRAD_DISPOSED, as every method does.
   */
  stopTraining(): void {
    this.#where('stopTraining');
    if (this.#training) this.#stopRequested = true;
  }

  /** `fit`, blocking until every epoch is done (or `options.signal` is aborted by a callback). */
  fitSync(inputs: MatrixInput, targets: TargetsInput, options: FitOptions = {}): History {
    const run = this.#startTraining('fitSync', inputs, targets, options);
    try {
      return run.runSync();
    } finally {
      run.close();
      this.#training = false;
    }
  }

  /**
   * Trains from a source of batches, for data that does not fit in memory:
   * an iterable or async iterable of `{ xs, ys }` (each number[][] or a
   * row-major Float32Array; one gradient step per batch), or a function
   * returning one, called once per epoch. Memory stays one batch (plus
   * validation data). A bad batch rejects naming its index, with the weights
   * as after the last good one. See FitDatasetOptions for the options.
   */
  async fitDataset(source: DatasetSource, options: FitDatasetOptions = {}): Promise<History> {
    const where = this.#where('fitDataset');
    if (this.#training) throw codedError('WASMGRAD_BUSY', `${where}: this network is already training (an earlier fit has not finished)`);
    const run = new DatasetRun(where, this.#trainee(where), this.#runtime.heap, source, options,
      { inputSize: this.inputSize, outputSize: this.outputSize, loss: this.loss });
    this.#training = true;
    this.#stopRequested = false;
    try {
      return await run.run();
    } finally {
      run.close();
      this.#training = false;
    }
  }

  /**
   * The JSON form (format 1): architecture, optimizer settings and progress,
   * and weights and optimizer state as float32 base64 text. For small models:
   * a JavaScript string holds at most 2^29 - 24 characters, so past about 100
   * million values (weights and optimizer state together) this throws
   * WASMGRAD_UNSUPPORTED. `save(net, path)` and `toBytes(net)` write the
   * binary model file, which has no such limit.
   */
  toJSON(): NetworkJSON {
    return networkJSON(this.#where('toJSON'), this);
  }

  /** Returns this network's linear memory to the heap. Any later use throws. Idempotent. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#runtime.heap.free(this.#block);
    this.#block = 0;
    this.#panels.release();
    // A predictor's queued calls reject now (src/nn/predictor.ts), not at their next flush.
    notifyDisposed(this);
  }

  #startTraining(method: string, inputs: MatrixInput, targets: TargetsInput, options: FitOptions): TrainingRun {
    const where = this.#where(method);
    // Also from a training callback: a second run would share the staging buffers and the optimizer's state.
    if (this.#training) throw codedError('WASMGRAD_BUSY', `${where}: this network is already training (an earlier fit has not finished)`);
    const [allX, allT] = this.#checkData(method, inputs, targets);
    const data = fitData(where, options, allX, allT, this.loss, this.seed);
    const settings = checkFitOptions(where, options, data.x.rows, data.validation !== null);
    this.#ensureCapacity(settings.batchSize);
    this.#training = true;
    this.#stopRequested = false;
    try {
      return new TrainingRun(where, this.#trainee(where), this.#runtime.heap, data, settings, this.#shuffleRandom);
    } catch (error) {
      this.#training = false;
      throw error;
    }
  }

  /**
   * What a TrainingRun may do to this network, kept off the public class.
   * Each step that touches the block first checks the network is still
   * there: a callback (onBatchEnd, onEpochEnd, onWarning, onTrainEnd) or
   * other code between two awaits may have disposed it, and its freed block
   * may already belong to another network.
   */
  #trainee(where: string): Trainee {
    const live = <A extends unknown[], R>(step: (...args: A) => R) => (...args: A): R => {
      if (this.#disposed) throw disposedError(`${where}: the network was disposed during training`);
      return step(...args);
    };
    return {
      network: this,
      layerCount: this.layers.length,
      optimizer: this.optimizer,
      disposed: () => this.#disposed,
      epochsTrained: () => this.#epochsTrained,
      completeEpoch: () => { this.#epochsTrained++; },
      learningRateMultiplier: () => this.#learningRateMultiplier,
      setLearningRateMultiplier: (multiplier: number) => { this.#learningRateMultiplier = multiplier; },
      stopRequested: () => this.#stopRequested,
      ensureCapacity: live((rows: number) => this.#ensureCapacity(rows)),
      firstNonFinite: (count: number, at: number) => this.#kernels.firstNonFinite(count, at),
      // The block is read anew at each call: a callback's predict may have re-laid it for more rows.
      trainBatches: live((...args: TrainBatchesArgs) => trainBatches(this.#kernels, this.#runtime.heap.views, this.#block, this.#plan, ...args)),
      trainEpochs: live((...args: TrainEpochsArgs) => trainEpochs(this.#kernels, this.#runtime.heap.views, this.#block, this.#plan, ...args)),
      evaluate: live((x: Matrix, t: Matrix, metrics: readonly Metric[]) => this.#evaluateChecked(x, t, metrics)),
      snapshotParameters: live(() => this.#snapshotParameters()),
      restoreParameters: live((snapshot: Float32Array) => this.#restoreParameters(snapshot)),
    };
  }

  #checkData(method: string, inputs: MatrixInput, targets: TargetsInput): [Matrix, Matrix] {
    return toSamples(this.#where(method), inputs, targets, this.inputSize, this.outputSize, this.loss);
  }

  /** The error prefix for `method`; throws if the network is disposed. */
  #where(method: string): string {
    const where = `Network.${method}`;
    if (this.#disposed) throw disposedError(`${where}: this network has been disposed`);
    return where;
  }

  /** Index into the f32 view of a byte offset inside this network's block. */
  #at(offset: number): number {
    return (this.#block + offset) >>> 2;
  }

  #stage(m: Matrix, startRow: number, rows: number, offset: number): void {
    this.#runtime.heap.views.f32.set(m.data.subarray(startRow * m.cols, (startRow + rows) * m.cols), this.#at(offset));
  }

  #readLayers(weightsKey: 'weights' | 'weightGrad', biasKey: 'bias' | 'biasGrad'): LayerWeights[] {
    const f32 = this.#runtime.heap.views.f32;
    return this.#plan.layers.map((plan) => {
      const w = this.#at(plan[weightsKey]);
      const b = this.#at(plan[biasKey]);
      return {
        weights: toRows(f32.subarray(w, w + plan.inSize * plan.outSize), plan.inSize, plan.outSize),
        bias: Array.from(f32.subarray(b, b + plan.outSize)),
      };
    });
  }

  /**
   * Re-lays the block for at least `rows` rows per batch, keeping parameters.
   * Happens between kernel calls only; during a fit too (a callback's
   * predict), which is safe as a TrainingRun keeps no address inside the block.
   */
  #ensureCapacity(rows: number): void {
    if (rows <= this.#plan.capacity) return;
    const heap = this.#runtime.heap;
    const plan = planNetwork(this.inputSize, this.layers, rows, stateArrays(this.optimizer));
    const block = heap.alloc(plan.bytes);
    const u8 = heap.views.u8;
    u8.copyWithin(block, this.#block, this.#block + plan.prefixBytes);
    heap.free(this.#block);
    this.#block = block;
    this.#plan = plan;
    this.#writeDescriptor();
    // The new descriptor points at no panels: they are made again after the next run of one-row predicts.
    this.#panels.release();
  }

  #writeDescriptor(): void {
    writeDescriptor(this.#runtime.heap.views.i32, this.#block, this.#plan, this.inputSize, kernelLossId(this.loss), this.#runtime.gemmWork,
      optimizerNumbers(this.optimizer).id);
  }
}
