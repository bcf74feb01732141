// The wasmgrad kernel module: every export is a pure function over pointers
// into this module's linear memory. The TypeScript heap owns that memory
// above heapBase(); nothing here allocates. Assembly-only: it lists the
// module's exports and defines no kernel (src/backend/js/index.ts assembles the
// pure-TS backend the same way).

export { gemmWorkBytes } from './gemm-kernel';
// Which build this is (1: relaxed SIMD), read by src/runtime.ts for RuntimeInfo.features.
export { RELAXED_SIMD } from './fma';
export { gemm, denseForward } from './gemm';
export { threadsAttach, workerLoop, boardInit, boardQuit, BOARD_BYTES } from './threads';
export { biasAdd, columnSums } from './bias';
export { activationForward, activationBackward } from './activations';
export { erfMap } from './math';
export { firstNonFinite } from './checks';
export { dropoutForward, dropoutBackward } from './dropout';
export { mapUnary, mapBinary, mapScalar } from './elementwise';
// The elementwise op ids, exported so test/backend/registry.test.ts checks src/backend/kinds.ts against them.
export {
  UNARY_NEG, UNARY_EXP, UNARY_LOG, UNARY_SQRT, UNARY_ABS, UNARY_SIGMOID, UNARY_TANH, UNARY_RELU, UNARY_SIGN, UNARY_STEP,
  BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV, BINARY_POW, BINARY_EQUAL,
  SCALAR_ADD, SCALAR_RSUB, SCALAR_MUL, SCALAR_RDIV, SCALAR_POW, SCALAR_RPOW,
} from './elementwise';
export { broadcastCopy, reduceSum, reduceMax, transpose, softmaxRows } from './shape';
export { lossSum, outputDelta } from './losses';
export { sgdUpdate } from './sgd';
export { sumSquares } from './norms';
export {
  optimizerStep, OPTIMIZER_SGD, OPTIMIZER_ADAM, OPTIMIZER_RMSPROP, HYPER_COUNT,
  HYPER_BETA1, HYPER_BETA2, HYPER_EPSILON, HYPER_NESTEROV, HYPER_WEIGHT_DECAY, HYPER_L2, HYPER_CLIP_NORM,
} from './optimizers';
export { mlpForward, mlpLossSum, mlpGradients, mlpTrainStep, mlpTrainBatches, mlpTrainEpochs, gatherRows, mlpPanelBytes, mlpPackPanels } from './mlp';
// The widths the narrow and tiny kernels are written for (src/nn/paths.ts's allow-lists mirror them; a test checks).
export { NARROW_UNITS } from './mlp-narrow';
export { TINY_UNITS } from './mlp-tiny';

/** First byte of linear memory that no static data uses. */
export function heapBase(): usize {
  return __heap_base;
}

// The descriptor's slot numbers, exported as globals so a test can check
// that src/nn/layout.ts mirrors them.
export {
  HEADER_SLOTS, LAYER_SLOTS, SLOT_LAYER_COUNT, SLOT_INPUT_SIZE, SLOT_LOSS, SLOT_PARAM_COUNT,
  SLOT_PARAMS, SLOT_GRADS, SLOT_WORK, SLOT_X_STAGE, SLOT_T_STAGE, SLOT_CAPACITY, SLOT_NORMS, SLOT_OPTIMIZER, SLOT_STATE1, SLOT_STATE2, SLOT_PATHS, PATH_NARROW, PATH_TINY, SLOT_STEP, MAX_STEP, SLOT_HYPER, SLOT_RANDOM, SLOT_TRAINING, SLOT_PANELS, PANELS_READY,
  LAYER_IN, LAYER_OUT, LAYER_ACTIVATION, LAYER_WEIGHTS, LAYER_BIAS, LAYER_WEIGHT_GRAD,
  LAYER_BIAS_GRAD, LAYER_OUTPUT, LAYER_DELTA, LAYER_DROPOUT, LAYER_MASK, LAYER_PRE, LAYER_PANELS,
} from './layout';
// The activation ids are checked by behaviour (test/backend/registry.test.ts), so a new
// activation needs no line here.
export { ACTIVATION_COUNT } from './activations';
export { LOSS_L2, LOSS_MSE, LOSS_BINARY_CROSSENTROPY, LOSS_CATEGORICAL_CROSSENTROPY } from './losses';
