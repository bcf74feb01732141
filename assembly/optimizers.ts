// The optimizer step over the network's whole parameter array, as the fused
// train step applies it: gradient clipping by global norm, coupled L2, then
// SGD (with momentum or Nesterov), Adam (with bias correction) or RMSProp,
// with decoupled weight decay (AdamW). All or nothing: a first pass computes
// every new weight and state value and checks them; only if all are finite
// does a second pass store them, so a diverging run keeps its last finite state.

import {
  headerSlot, SLOT_PARAM_COUNT, SLOT_PARAMS, SLOT_GRADS, SLOT_OPTIMIZER, SLOT_STATE1, SLOT_STATE2, SLOT_HYPER, loadStep, storeStep, weightsChanged,
} from './layout';
import { loadPartial, storePartial } from './math';
import { sumSquares } from './norms';
import { sgdUpdate } from './sgd';
import { poolAttached, poolWorkers, sgdParallel } from './threads';

export const OPTIMIZER_SGD: i32 = 0;
export const OPTIMIZER_ADAM: i32 = 1;
export const OPTIMIZER_RMSPROP: i32 = 2;

// Offsets (in f32s) of the hyperparameters at SLOT_HYPER.
/** SGD momentum μ, Adam β1, RMSProp ρ. */
export const HYPER_BETA1: i32 = 0;
export const HYPER_BETA2: i32 = 1;
export const HYPER_EPSILON: i32 = 2;
export const HYPER_NESTEROV: i32 = 3;
/** Decoupled: w ← w - η·λ·w besides the gradient step (AdamW). */
export const HYPER_WEIGHT_DECAY: i32 = 4;
/** Coupled: g ← g + λ₂·w, the gradient of λ₂/2 ‖w‖². */
export const HYPER_L2: i32 = 5;
/** Rescale the whole gradient to this norm when it is longer; 0: off. */
export const HYPER_CLIP_NORM: i32 = 6;
export const HYPER_COUNT: i32 = 8;

@inline function ptr(value: i32): usize {
  return <usize><u32>value;
}

/** True for the seed's plain w ← w - η g: SGD with no momentum, decay, L2 or clipping. */
export function isPlainSgd(desc: usize): bool {
  const hyper = ptr(headerSlot(desc, SLOT_HYPER));
  return headerSlot(desc, SLOT_OPTIMIZER) == OPTIMIZER_SGD && headerSlot(desc, SLOT_STATE1) == 0
    && load<f32>(hyper + (<usize>HYPER_WEIGHT_DECAY << 2)) == 0 && load<f32>(hyper + (<usize>HYPER_L2 << 2)) == 0
    && load<f32>(hyper + (<usize>HYPER_CLIP_NORM << 2)) == 0;
}

/**
 * One optimizer step for the network at desc. Returns 1 if applied, 0 if any
 * gradient, new weight or new state value would be non-finite (then nothing
 * changes).
 */
export function optimizerStep(desc: usize, learningRate: f32): i32 {
  const n = headerSlot(desc, SLOT_PARAM_COUNT);
  const w = ptr(headerSlot(desc, SLOT_PARAMS));
  const g = ptr(headerSlot(desc, SLOT_GRADS));
  const s1 = ptr(headerSlot(desc, SLOT_STATE1));
  const s2 = ptr(headerSlot(desc, SLOT_STATE2));
  const hyper = ptr(headerSlot(desc, SLOT_HYPER));
  const kind = headerSlot(desc, SLOT_OPTIMIZER);
  // An id outside OPTIMIZER_* would take the plain-SGD branches below: trap instead.
  if (<u32>kind > <u32>OPTIMIZER_RMSPROP) unreachable();
  weightsChanged(desc);
  const beta1 = load<f32>(hyper + (<usize>HYPER_BETA1 << 2));
  const beta2 = load<f32>(hyper + (<usize>HYPER_BETA2 << 2));
  const epsilon = load<f32>(hyper + (<usize>HYPER_EPSILON << 2));
  const nesterov = load<f32>(hyper + (<usize>HYPER_NESTEROV << 2)) != 0;
  const decay = load<f32>(hyper + (<usize>HYPER_WEIGHT_DECAY << 2));
  const l2 = load<f32>(hyper + (<usize>HYPER_L2 << 2));
  const clip = load<f32>(hyper + (<usize>HYPER_CLIP_NORM << 2));

  // f64: exact to 2^53, so Adam's β^t keeps counting (β^t underflows to 0 and the correction to 1, never NaN).
  const step = loadStep(desc) + 1;
  if (isPlainSgd(desc)) {
    // The seed's plain w ← w - η g: the lean kernel, which a tiny network's batch-1 step is mostly made of.
    if (!sgdUpdateShared(n, w, g, learningRate)) return 0;
    storeStep(desc, step);
    return 1;
  }
  let scale: f32 = 1;
  if (clip > 0) {
    const norm = Math.sqrt(sumSquares(n, g));
    if (!isFinite(norm)) return 0;
    if (norm > clip) scale = <f32>(clip / norm);
  }
  // Adam's bias corrections (pow is costly: only when used).
  const adam = kind == OPTIMIZER_ADAM;
  const correction1 = adam ? <f32>(1 - Math.pow(beta1, step)) : 1;
  const correction2 = adam ? <f32>(1 - Math.pow(beta2, step)) : 1;

  const rate = f32x4.splat(learningRate);
  const zero = f32x4.splat(0);
  const bytes = <usize>n << 2;
  for (let pass = 0; pass < 2; pass++) {
    let probe = zero;
    for (let i: usize = 0; i < bytes; i += 16) {
      const count = min<usize>(4, (bytes - i) >> 2);
      const wv = count == 4 ? v128.load(w + i) : loadPartial(w + i, count);
      const gRaw = count == 4 ? v128.load(g + i) : loadPartial(g + i, count);
      const a = s1 ? (count == 4 ? v128.load(s1 + i) : loadPartial(s1 + i, count)) : zero;
      const b = s2 ? (count == 4 ? v128.load(s2 + i) : loadPartial(s2 + i, count)) : zero;
      // ∂L/∂w, clipped, plus the coupled L2 term
      const gv = f32x4.add(f32x4.mul(gRaw, f32x4.splat(scale)), f32x4.mul(f32x4.splat(l2), wv));
      let direction: v128;
      let nextA = a, nextB = b;
      if (kind == OPTIMIZER_ADAM) {
        nextA = f32x4.add(f32x4.mul(f32x4.splat(beta1), a), f32x4.mul(f32x4.splat(1 - beta1), gv));
        nextB = f32x4.add(f32x4.mul(f32x4.splat(beta2), b), f32x4.mul(f32x4.splat(1 - beta2), f32x4.mul(gv, gv)));
        const mHat = f32x4.div(nextA, f32x4.splat(correction1));
        const vHat = f32x4.div(nextB, f32x4.splat(correction2));
        direction = f32x4.div(mHat, f32x4.add(f32x4.sqrt(vHat), f32x4.splat(epsilon)));
      } else if (kind == OPTIMIZER_RMSPROP) {
        nextA = f32x4.add(f32x4.mul(f32x4.splat(beta1), a), f32x4.mul(f32x4.splat(1 - beta1), f32x4.mul(gv, gv)));
        direction = f32x4.div(gv, f32x4.add(f32x4.sqrt(nextA), f32x4.splat(epsilon)));
      } else if (s1) {
        // momentum: v ← μv + g; Nesterov looks ahead along the new velocity
        nextA = f32x4.add(f32x4.mul(f32x4.splat(beta1), a), gv);
        direction = nesterov ? f32x4.add(gv, f32x4.mul(f32x4.splat(beta1), nextA)) : nextA;
      } else {
        direction = gv;
      }
      const nextW = f32x4.sub(f32x4.sub(wv, f32x4.mul(rate, direction)), f32x4.mul(rate, f32x4.mul(f32x4.splat(decay), wv)));
      if (pass == 0) {
        probe = f32x4.add(probe, f32x4.add(f32x4.mul(nextW, zero), f32x4.add(f32x4.mul(nextA, zero), f32x4.mul(nextB, zero))));
        continue;
      }
      if (count == 4) {
        v128.store(w + i, nextW);
        if (s1) v128.store(s1 + i, nextA);
        if (s2) v128.store(s2 + i, nextB);
      } else {
        storePartial(w + i, nextW, count);
        if (s1) storePartial(s1 + i, nextA, count);
        if (s2) storePartial(s2 + i, nextB, count);
      }
    }
    if (pass == 0 && v128.any_true(f32x4.ne(probe, zero))) return 0;
  }
  storeStep(desc, step);
  return 1;
}

/** Parameter arrays shorter than this are updated on one thread. */
const PARALLEL_MIN_PARAMS: i32 = 1 << 16;

/**
 * sgdUpdate (check every new weight, then apply all or none) with both
 * passes split across the pool for large parameter arrays: the update is a
 * memory-bound pass that would otherwise run on one thread while the others wait.
 */
function sgdUpdateShared(n: i32, w: usize, g: usize, learningRate: f32): i32 {
  if (ASC_FEATURE_THREADS) {
    if (poolAttached() && n >= PARALLEL_MIN_PARAMS) {
      const workers = poolWorkers();
      if (workers > 0) return sgdParallel(workers, n, w, g, learningRate);
    }
  }
  return sgdUpdate(n, w, g, learningRate);
}
