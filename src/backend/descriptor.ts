/**
 * Slot numbers of the network descriptor, the i32 table in linear memory that
 * the fused MLP kernels read. Mirrors assembly/layout.ts; a test compares the
 * two through the wasm module's exported globals.
 */
export const HEADER_SLOTS = 21;
export const LAYER_SLOTS = 16;

export const SLOT_LAYER_COUNT = 0;
export const SLOT_INPUT_SIZE = 1;
export const SLOT_LOSS = 2;
export const SLOT_PARAM_COUNT = 3;
export const SLOT_PARAMS = 4;
export const SLOT_GRADS = 5;
export const SLOT_WORK = 6;
export const SLOT_X_STAGE = 7;
export const SLOT_T_STAGE = 8;
export const SLOT_CAPACITY = 9;
export const SLOT_NORMS = 10;
export const SLOT_OPTIMIZER = 11;
export const SLOT_STATE1 = 12;
export const SLOT_STATE2 = 13;
/** The special training paths the network may take: PATH_BITS of kinds.ts, chosen by src/nn/paths.ts. */
export const SLOT_PATHS = 14;
export const SLOT_HYPER = 15;
export const SLOT_RANDOM = 16;
export const SLOT_TRAINING = 17;
/** The optimizer's step count: an f64 over slots 18 and 19 (see stepIndex), counting up to MAX_STEP, where it stays (never wraps). */
export const SLOT_STEP = 18;
/** One-row forwards since the weights last changed, or PANELS_READY while the weight panels are current (src/nn/panels.ts). */
export const SLOT_PANELS = 20;
export const PANELS_READY = -1;
/** 2^53 - 1, the largest step count: exact in an f64, so kernels, files and JS numbers all hold it. */
export const MAX_STEP = Number.MAX_SAFE_INTEGER;

export const LAYER_IN = 0;
export const LAYER_OUT = 1;
export const LAYER_ACTIVATION = 2;
export const LAYER_WEIGHTS = 3;
export const LAYER_BIAS = 4;
export const LAYER_WEIGHT_GRAD = 5;
export const LAYER_BIAS_GRAD = 6;
export const LAYER_OUTPUT = 7;
export const LAYER_DELTA = 8;
export const LAYER_DROPOUT = 9;
export const LAYER_MASK = 10;
/** The pre-activation buffer of a layer whose activation needs it (gelu, silu), else 0. */
export const LAYER_PRE = 11;
/** This layer's weights packed for one-row forwards (assembly/gemv-panel.ts), or 0. */
export const LAYER_PANELS = 12;

/** Index into an Int32Array view of the i32 in header slot `slot` of the descriptor at byte `desc`. */
export function headerIndex(desc: number, slot: number): number {
  return (desc >>> 2) + slot;
}

/** Index into a Float64Array view of the step count of the descriptor at byte `desc` (blocks are 64-byte aligned). */
export function stepIndex(desc: number): number {
  return (desc >>> 3) + (SLOT_STEP >>> 1);
}

/** Index into an Int32Array view of layer `layer`'s slot `slot`. */
export function layerIndex(desc: number, layer: number, slot: number): number {
  return (desc >>> 2) + HEADER_SLOTS + layer * LAYER_SLOTS + slot;
}
