/**
 * wasmgrad: neural networks trained by backpropagation, with the hot loops in
 * WebAssembly SIMD and this TypeScript facade around them.
 */
export { init, type InitOptions, type RuntimeFeatures, type RuntimeInfo } from './runtime.js';
/** What `init()` resolves to: another name for {@link RuntimeInfo} (the runtime's internals are not public API). */
export type { RuntimeInfo as Runtime } from './runtime-info.js';
export { ERROR_CODES, isWasmgradError, type ErrorCode, type WasmgradError } from './errors.js';
export type { WasmSource } from './wasm/load.js';
export { sequential, type SequentialConfig } from './nn/sequential.js';
export { dense, INITIALIZERS, type DenseLayer, type DenseOptions, type Activation, type Initializer } from './nn/layers.js';
export { sgd, adam, adamw, rmsprop, type Sgd, type Adam, type RmsProp, type Optimizer, type Schedule, type CommonOptions } from './nn/optimizers.js';
export { fromJSON, type FromJSONOptions } from './nn/serialize.js';
export { save, load } from './nn/files.js';
export { listModels, removeModel, type ModelList } from './nn/browser-stores.js';
export { toBytes, fromBytes, readModelHeader, type ModelFileOptions, type ModelInfo } from './nn/model-bytes.js';
export {
  toTfjs, fromTfjs, saveTfjs, loadTfjs, type TfjsModelJson, type TfjsWeightSpec, type FromTfjsOptions, type TfjsWeightData,
} from './nn/tfjs.js';
export { toOnnx, saveOnnx, type ToOnnxOptions } from './nn/onnx/export.js';
export { fromOnnx, loadOnnx, type FromOnnxOptions } from './nn/onnx/import.js';
export {
  Network, type LayerWeights, type LayerWeightsInput, type NetworkConfig, type NetworkJSON,
} from './nn/network.js';
export { createPredictor, type Predictor, type PredictorOptions, type PredictorStats, type QueueWait } from './nn/predictor.js';
export type { FitOptions, History, EpochLogs, EarlyStoppingOptions, StopReason } from './nn/fit-options.js';
export type { DatasetBatch, BatchIterable, DatasetSource, FitDatasetOptions } from './nn/fit-dataset.js';
export type { TrainingCallback, TrainingContext } from './nn/callbacks/callback.js';
export { reduceLROnPlateau, type ReduceLROnPlateauOptions } from './nn/callbacks/reduce-lr.js';
export { checkpoint, type CheckpointOptions } from './nn/callbacks/checkpoint.js';
export type { ProgressOptions, ProgressStream } from './nn/callbacks/progress.js';
export type { Metric } from './nn/metrics.js';
export type { MatrixInput } from './nn/data.js';
export type { ClassIndices, TargetsInput } from './nn/targets.js';
export type { Loss } from './backend/kinds.js';
export type { BackendName, Backend, Kernels } from './backend/backend.js';
export { ACTIVATIONS, LOSSES } from './backend/kinds.js';
export { irisData, IRIS_SPECIES, IRIS_FEATURES } from './data/iris.js';
export { csvBatches, type CsvBatch, type CsvBatchesOptions, type CsvChunks, type CsvColumn, type CsvSource } from './data/csv-batches.js';
export { oneHot, type Labels } from './nn/one-hot.js';
export { Standardizer, standardize, type StandardizerInput, type StandardizerJSON } from './nn/standardizer.js';
export { trainTestSplit, type Samples, type TrainTestSplit, type TrainTestSplitOptions } from './nn/split.js';
export {
  Tensor, tidy, noGrad, tensor, scalar, zeros, ones, abs, add, div, exp, log, mul, neg, pow, sqrt, sub, relu, gelu, silu, sigmoid,
  softmax, tanh, max, mean, sum, matmul, reshape, transpose, l2Loss, mseLoss, backward, grad, valueAndGrad,
  checkGradients, trace, toDot, type TensorOptions, type NestedArray, type Differentiable, type GradientCheck,
} from './autograd/index.js';
