/** The shapes a Network is made from and saved as. */
import type { BackendName } from '../backend/backend.js';
import type { Loss } from '../backend/kinds.js';
import type { MatrixInput } from './data.js';
import type { DenseLayer } from './layers.js';
import type { Optimizer } from './optimizers.js';

/** One layer's parameters: weights in×out as in a = x·w + b, and the bias. */
export interface LayerWeights {
  weights: number[][];
  bias: number[];
}

/** Parameters as `setWeights` accepts them: nested arrays or row-major Float32Arrays. */
export interface LayerWeightsInput {
  weights: MatrixInput;
  bias: readonly number[] | Float32Array;
}

/** A network definition, as `sequential` and `new Network` accept it. */
export interface SequentialConfig {
  /** Values per input sample. */
  inputSize: number;
  /** The layers, first to last, e.g. `[dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })]`. */
  layers: readonly DenseLayer[];
  /** Default 'l2', the seed's L = 1/2 Σ (y - t)², averaged over the batch. */
  loss?: Loss;
  /** Default `sgd({ learningRate: 0.01 })`. */
  optimizer?: Optimizer;
  /** Seeds weight initialisation and shuffling; same seed, same backend, same data → identical weights. Default: random (see `net.seed`). */
  seed?: number;
  /** 'wasm' (default, SIMD kernels; under init({ backend: 'js' }) the default is 'js') or 'js' (the pure-TypeScript reference kernels). */
  backend?: BackendName;
}

/** A validated network definition (see `sequential`). */
export interface NetworkConfig {
  readonly inputSize: number;
  readonly layers: readonly DenseLayer[];
  readonly loss: Loss;
  readonly optimizer: Optimizer;
  readonly seed: number;
  readonly backend: BackendName;
}

/** The saved form of a network (`toJSON` / `fromJSON`). */
export interface NetworkJSON {
  format: 'wasmgrad-network';
  version: 1;
  inputSize: number;
  layers: { type: 'dense'; units: number; activation: string; initializer?: string; dropout?: number }[];
  loss: string;
  optimizer: Optimizer;
  /** The optimizer's progress: updates applied, and its state arrays (float32, base64) where it keeps any. */
  optimizerState: OptimizerState;
  seed: number;
  /** Per layer: weights (in×out, row-major) and bias, float32 little-endian, base64. */
  weights: { weights: string; bias: string }[];
}

/** An optimizer's progress, as saved: updates applied and its state arrays (float32 base64; momentum or moments). */
export interface OptimizerState {
  step: number;
  /** Epochs completed: where the learning-rate schedule resumes. */
  epoch: number;
  /**
   * What reduceLROnPlateau left: the schedule's rate is multiplied by it.
   * Written only when it is not 1; absent (files of earlier releases) means 1.
   */
  learningRateMultiplier?: number;
  state1?: string;
  state2?: string;
}

