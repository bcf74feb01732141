// The network descriptor: an i32 table in linear memory that tells the fused
// MLP kernels where every layer's weights, gradients and buffers live.
// src/nn/layout.ts writes it and mirrors these slot numbers (a test checks).

export const HEADER_SLOTS: i32 = 21;
export const LAYER_SLOTS: i32 = 16;

// Header slots.
export const SLOT_LAYER_COUNT: i32 = 0;
export const SLOT_INPUT_SIZE: i32 = 1;
export const SLOT_LOSS: i32 = 2;
export const SLOT_PARAM_COUNT: i32 = 3;
export const SLOT_PARAMS: i32 = 4;
export const SLOT_GRADS: i32 = 5;
export const SLOT_WORK: i32 = 6;
export const SLOT_X_STAGE: i32 = 7;
export const SLOT_T_STAGE: i32 = 8;
export const SLOT_CAPACITY: i32 = 9;
/** f64 per layer accumulating Σ over batches of ‖∂L/∂(W, b)‖², or 0 to skip. */
export const SLOT_NORMS: i32 = 10;
/** OPTIMIZER_* of assembly/optimizers.ts. */
export const SLOT_OPTIMIZER: i32 = 11;
/** Optimizer state arrays (paramCount floats each, 0 when unused): momentum/first moment, second moment. */
export const SLOT_STATE1: i32 = 12;
export const SLOT_STATE2: i32 = 13;
/**
 * The special training paths this network may take, a set of PATH_* bits
 * chosen by src/nn/paths.ts from what each path supports (its allow-list);
 * 0: the general path only. The kernels obey it and never choose by themselves.
 */
export const SLOT_PATHS: i32 = 14;
/** assembly/mlp-narrow.ts, for any batch size. */
export const PATH_NARROW: i32 = 1;
/** assembly/mlp-tiny.ts, for batches of one sample without gradient norms. */
export const PATH_TINY: i32 = 2;
/** HYPER_COUNT f32 hyperparameters (assembly/optimizers.ts). */
export const SLOT_HYPER: i32 = 15;
/** xorshift32 state of the dropout masks (never 0). */
export const SLOT_RANDOM: i32 = 16;
/** 1 while a training step runs its forward pass (dropout on), else 0. */
export const SLOT_TRAINING: i32 = 17;
/**
 * Updates applied so far (Adam's bias correction), an f64 over slots 18 and 19
 * (8-byte aligned: blocks are 64-byte aligned). Counted exactly up to MAX_STEP,
 * where it stays: it never wraps, unlike the i32 it replaces.
 */
export const SLOT_STEP: i32 = 18;
/**
 * The one-sample weight panels (assembly/gemv-panel.ts, LAYER_PANELS):
 * PANELS_READY while they hold the current weights, else the number of
 * one-row forwards since the weights last changed (src/nn/panels.ts counts
 * them and packs at a threshold). Every kernel that changes weights writes 0.
 */
export const SLOT_PANELS: i32 = 20;
export const PANELS_READY: i32 = -1;
/** 2^53 - 1, the largest step count: every count up to it is exact in an f64 (and in a JS number, so files keep it). */
export const MAX_STEP: f64 = 9007199254740991;

// Per-layer slots, at HEADER_SLOTS + layer * LAYER_SLOTS.
export const LAYER_IN: i32 = 0;
export const LAYER_OUT: i32 = 1;
export const LAYER_ACTIVATION: i32 = 2;
export const LAYER_WEIGHTS: i32 = 3;
export const LAYER_BIAS: i32 = 4;
export const LAYER_WEIGHT_GRAD: i32 = 5;
export const LAYER_BIAS_GRAD: i32 = 6;
export const LAYER_OUTPUT: i32 = 7;
export const LAYER_DELTA: i32 = 8;
/** Dropout rate of this layer's outputs (f32 bits), 0 for none. */
export const LAYER_DROPOUT: i32 = 9;
/** The dropout mask buffer (capacity × units floats), 0 for none. */
export const LAYER_MASK: i32 = 10;
/**
 * The pre-activation buffer a = x·W + b (capacity × units floats) of a layer
 * whose activation's derivative needs a (gelu, silu), else 0: other layers
 * keep only their output, as before.
 */
export const LAYER_PRE: i32 = 11;
/** This layer's weights packed into panels for one-row forwards (assembly/gemv-panel.ts), or 0 for none. */
export const LAYER_PANELS: i32 = 12;

@inline export function headerSlot(desc: usize, slot: i32): i32 {
  return load<i32>(desc + (<usize>slot << 2));
}

/** The optimizer's step count (SLOT_STEP). */
@inline export function loadStep(desc: usize): f64 {
  return load<f64>(desc + (<usize>SLOT_STEP << 2));
}

/** Stores a step count, held at MAX_STEP rather than going past it. */
@inline export function storeStep(desc: usize, step: f64): void {
  store<f64>(desc + (<usize>SLOT_STEP << 2), min<f64>(step, MAX_STEP));
}

@inline export function layerSlot(desc: usize, layer: i32, slot: i32): i32 {
  return load<i32>(desc + (<usize>(HEADER_SLOTS + layer * LAYER_SLOTS + slot) << 2));
}

/** Marks the weight panels stale: call wherever weights change. */
@inline export function weightsChanged(desc: usize): void {
  store<i32>(desc + (<usize>SLOT_PANELS << 2), 0);
}
