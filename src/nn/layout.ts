/**
 * The memory plan of a network: where, inside its one block of linear memory,
 * the descriptor, parameters, gradients and per-batch buffers live.
 *
 * The prefix [descriptor, params, grads] does not depend on the batch
 * capacity, so growing the capacity copies only that prefix to a new block.
 * Parameters are contiguous over all layers (W₀ b₀ W₁ b₁ …) so that one
 * update call covers the whole network; gradients mirror them.
 *
 * Every region ends with at least VECTOR_SLACK spare bytes: the narrow-network
 * kernels (assembly/mlp-narrow.ts) read and write whole f32x4 vectors past a
 * row's last element.
 */
import { ACTIVATION_IDS, HYPER_COUNT, activationInfo, type Activation } from '../backend/kinds.js';
import * as slots from '../backend/descriptor.js';

/** The largest step count the descriptor holds (model files check theirs against it). */
export { MAX_STEP } from '../backend/descriptor.js';

const ALIGN = 64;
/** Spare bytes after each region for vectors that run past its end. */
export const VECTOR_SLACK = 16;
const align = (bytes: number) => Math.ceil((bytes + VECTOR_SLACK) / ALIGN) * ALIGN;

export interface LayerPlan {
  readonly inSize: number;
  readonly outSize: number;
  readonly activation: Activation;
  /** Byte offsets from the block start. */
  readonly weights: number;
  readonly bias: number;
  readonly weightGrad: number;
  readonly biasGrad: number;
  readonly output: number;
  readonly delta: number;
  /** The dropout mask (capacity × units floats), 0 without dropout. */
  readonly mask: number;
  /** The kept pre-activation a = x·W + b (capacity × units floats), 0 unless the activation's derivative needs it. */
  readonly pre: number;
  readonly dropout: number;
}

export interface NetworkPlan {
  readonly capacity: number;
  readonly paramCount: number;
  readonly params: number;
  readonly grads: number;
  /** Optimizer state arrays (paramCount floats each), 0 when the optimizer keeps fewer. */
  readonly state1: number;
  readonly state2: number;
  /** HYPER_COUNT f32 optimizer hyperparameters. */
  readonly hyper: number;
  /** Bytes of the capacity-independent prefix. */
  readonly prefixBytes: number;
  /** Two f64s that mlpTrainBatches writes its loss sum and divergence flag to. */
  readonly result: number;
  /** One f64 per layer where mlpTrainBatches accumulates squared gradient norms. */
  readonly norms: number;
  readonly xStage: number;
  readonly tStage: number;
  readonly layers: readonly LayerPlan[];
  readonly bytes: number;
}

/** Whether a layer with this activation keeps its pre-activation (its derivative needs a, not y). */
function keepsPreactivation(activation: Activation): boolean {
  return activationInfo(activation).needsPreactivation;
}

export function planNetwork(inputSize: number, layers: readonly { units: number; activation: Activation; dropout?: number }[], capacity: number,
  stateArrays: 0 | 1 | 2 = 0): NetworkPlan {
  const descriptorBytes = align((slots.HEADER_SLOTS + layers.length * slots.LAYER_SLOTS) * 4);
  let paramCount = 0;
  const paramOffsets: { weights: number; bias: number }[] = [];
  let inSize = inputSize;
  for (const layer of layers) {
    paramOffsets.push({ weights: paramCount, bias: paramCount + inSize * layer.units });
    paramCount += inSize * layer.units + layer.units;
    inSize = layer.units;
  }
  const params = descriptorBytes;
  const grads = params + align(paramCount * 4);
  const state1 = stateArrays >= 1 ? grads + align(paramCount * 4) : 0;
  const state2 = stateArrays >= 2 ? state1 + align(paramCount * 4) : 0;
  const hyper = (state2 || state1 || grads) + align(paramCount * 4);
  const prefixBytes = hyper + align(HYPER_COUNT * 4);
  const result = prefixBytes;
  const norms = result + ALIGN;
  const xStage = norms + align(layers.length * 8);
  const outputSize = layers[layers.length - 1].units;
  const tStage = xStage + align(capacity * inputSize * 4);
  let cursor = tStage + align(capacity * outputSize * 4);
  inSize = inputSize;
  const plans = layers.map((layer, l): LayerPlan => {
    const output = cursor;
    const delta = output + align(capacity * layer.units * 4);
    const mask = layer.dropout ? delta + align(capacity * layer.units * 4) : 0;
    // Only layers whose derivative needs a get the buffer: the others keep today's memory.
    const pre = keepsPreactivation(layer.activation) ? (mask || delta) + align(capacity * layer.units * 4) : 0;
    cursor = (pre || mask || delta) + align(capacity * layer.units * 4);
    const plan: LayerPlan = {
      inSize, outSize: layer.units, activation: layer.activation,
      weights: params + paramOffsets[l].weights * 4, bias: params + paramOffsets[l].bias * 4,
      weightGrad: grads + paramOffsets[l].weights * 4, biasGrad: grads + paramOffsets[l].bias * 4,
      output, delta, mask, pre, dropout: layer.dropout ?? 0,
    };
    inSize = layer.units;
    return plan;
  });
  return { capacity, paramCount, params, grads, state1, state2, hyper, prefixBytes, result, norms, xStage, tStage, layers: plans, bytes: cursor };
}

/**
 * Writes the descriptor of `plan`, for a block at byte `base`, into the i32
 * view. The optimizer's step count is kept across rewrites (capacity growth).
 */
export function writeDescriptor(i32: Int32Array, base: number, plan: NetworkPlan, inputSize: number, lossId: number, gemmWork: number,
  optimizerId: number): void {
  const f64 = new Float64Array(i32.buffer, i32.byteOffset, i32.length >>> 1);
  const step = f64[slots.stepIndex(base)];
  const random = i32[slots.headerIndex(base, slots.SLOT_RANDOM)];
  // The paths the network may take (src/nn/paths.ts) are chosen when it is built and stay when the block grows.
  const paths = i32[slots.headerIndex(base, slots.SLOT_PATHS)];
  const put = (index: number, value: number) => { i32[index] = value | 0; };
  const f32 = new Float32Array(i32.buffer, i32.byteOffset, i32.length);
  i32.fill(0, base >>> 2, (base >>> 2) + slots.HEADER_SLOTS + plan.layers.length * slots.LAYER_SLOTS);
  put(slots.headerIndex(base, slots.SLOT_LAYER_COUNT), plan.layers.length);
  put(slots.headerIndex(base, slots.SLOT_INPUT_SIZE), inputSize);
  put(slots.headerIndex(base, slots.SLOT_LOSS), lossId);
  put(slots.headerIndex(base, slots.SLOT_PARAM_COUNT), plan.paramCount);
  put(slots.headerIndex(base, slots.SLOT_PARAMS), base + plan.params);
  put(slots.headerIndex(base, slots.SLOT_GRADS), base + plan.grads);
  put(slots.headerIndex(base, slots.SLOT_WORK), gemmWork);
  put(slots.headerIndex(base, slots.SLOT_X_STAGE), base + plan.xStage);
  put(slots.headerIndex(base, slots.SLOT_T_STAGE), base + plan.tStage);
  put(slots.headerIndex(base, slots.SLOT_CAPACITY), plan.capacity);
  put(slots.headerIndex(base, slots.SLOT_OPTIMIZER), optimizerId);
  put(slots.headerIndex(base, slots.SLOT_STATE1), plan.state1 && base + plan.state1);
  put(slots.headerIndex(base, slots.SLOT_STATE2), plan.state2 && base + plan.state2);
  f64[slots.stepIndex(base)] = step;
  put(slots.headerIndex(base, slots.SLOT_HYPER), base + plan.hyper);
  put(slots.headerIndex(base, slots.SLOT_RANDOM), random);
  put(slots.headerIndex(base, slots.SLOT_PATHS), paths);
  plan.layers.forEach((layer, l) => {
    put(slots.layerIndex(base, l, slots.LAYER_IN), layer.inSize);
    put(slots.layerIndex(base, l, slots.LAYER_OUT), layer.outSize);
    put(slots.layerIndex(base, l, slots.LAYER_ACTIVATION), ACTIVATION_IDS[layer.activation]);
    put(slots.layerIndex(base, l, slots.LAYER_WEIGHTS), base + layer.weights);
    put(slots.layerIndex(base, l, slots.LAYER_BIAS), base + layer.bias);
    put(slots.layerIndex(base, l, slots.LAYER_WEIGHT_GRAD), base + layer.weightGrad);
    put(slots.layerIndex(base, l, slots.LAYER_BIAS_GRAD), base + layer.biasGrad);
    put(slots.layerIndex(base, l, slots.LAYER_OUTPUT), base + layer.output);
    put(slots.layerIndex(base, l, slots.LAYER_DELTA), base + layer.delta);
    put(slots.layerIndex(base, l, slots.LAYER_MASK), layer.mask && base + layer.mask);
    put(slots.layerIndex(base, l, slots.LAYER_PRE), layer.pre && base + layer.pre);
    f32[slots.layerIndex(base, l, slots.LAYER_DROPOUT)] = layer.dropout;
  });
}

/**
 * Where a training run's resident data lives inside its own block: the
 * inputs, the targets, then the i32 sample order shuffled each epoch. The
 * targets get VECTOR_SLACK spare bytes (the narrow kernels read them as whole
 * f32x4 vectors); the inputs are read a row at a time by the GEMM and need none.
 * Offsets are from the block start; `bytes` is the block's size.
 */
export interface TrainingDataPlan {
  readonly x: number;
  readonly t: number;
  readonly order: number;
  readonly bytes: number;
}

export function planTrainingData(xFloats: number, tFloats: number, rows: number): TrainingDataPlan {
  const xBytes = Math.ceil((xFloats * 4) / ALIGN) * ALIGN;
  const tBytes = align(tFloats * 4);
  return { x: 0, t: xBytes, order: xBytes + tBytes, bytes: xBytes + tBytes + rows * 4 };
}

// The descriptor fields that change after writeDescriptor. They are read and
// written only here, so the slot numbers have one owner on the TS side
// (src/backend/descriptor.ts, the mirror of assembly/layout.ts).

/** The optimizer's step count of the network whose block is at byte `base`. */
export function readStep(f64: Float64Array, base: number): number {
  return f64[slots.stepIndex(base)];
}

export function writeStep(f64: Float64Array, base: number, step: number): void {
  f64[slots.stepIndex(base)] = step;
}

/** Seeds the dropout stream (xorshift32: the state must not be 0, so the low bit is set). */
export function writeRandomState(i32: Int32Array, base: number, state: number): void {
  i32[slots.headerIndex(base, slots.SLOT_RANDOM)] = state | 1;
}

/** SLOT_PATHS: the special training paths (PATH_BITS) the network may take. */
export function readPaths(i32: Int32Array, base: number): number {
  return i32[slots.headerIndex(base, slots.SLOT_PATHS)];
}

export function writePaths(i32: Int32Array, base: number, bits: number): void {
  i32[slots.headerIndex(base, slots.SLOT_PATHS)] = bits;
}

/** SLOT_NORMS: where mlpTrainBatches adds each layer's squared gradient norm, or 0 to skip that work. */
export function writeNormsTarget(i32: Int32Array, base: number, at: number): void {
  i32[slots.headerIndex(base, slots.SLOT_NORMS)] = at;
}

/** SLOT_PANELS: one-row forwards since the weights last changed, or PANELS_READY while the weight panels are current. */
export function readPanelsState(i32: Int32Array, base: number): number {
  return i32[slots.headerIndex(base, slots.SLOT_PANELS)];
}

export function writePanelsState(i32: Int32Array, base: number, state: number): void {
  i32[slots.headerIndex(base, slots.SLOT_PANELS)] = state;
}

/** LAYER_PANELS of layer `layer`: where its weight panels are, or 0 for none. */
export function writeLayerPanels(i32: Int32Array, base: number, layer: number, at: number): void {
  i32[slots.layerIndex(base, layer, slots.LAYER_PANELS)] = at;
}

export { PANELS_READY } from '../backend/descriptor.js';
