// Assembly-only (a fast path; its pure-TS twin is the general path, src/backend/js/mlp.ts).
//
// Narrow networks (every layer at most NARROW_UNITS wide, like the seed's
// 2-3-2) train one sample at a time: each layer's units are handled four at a
// time in one f32x4 register, from the weighted sum through the activation,
// with no GEMM dispatch, no packing, no gathering of batches and no call per
// activation. For such sizes those fixed costs, not the arithmetic, are the
// whole price of a step.
//
// Vectors may run past a layer's last unit. Every buffer they touch is at
// least 64 bytes (16 floats) long, so the extra lanes stay inside the
// network's block; their values are never stored where they are read back as
// data, and deltas are masked to zero there, so gradient updates in those
// lanes add exactly 0.

import { ACTIVATION_LINEAR, ACTIVATION_SIGMOID, ACTIVATION_SOFTMAX, activateV, slopeV } from './activations';
import { lossSum, outputDelta, LOSS_L2 } from './losses';
import { storePartial } from './math';
import { softmaxRows } from './shape';
import {
  headerSlot, layerSlot, SLOT_LAYER_COUNT, SLOT_INPUT_SIZE, SLOT_LOSS, SLOT_PATHS, PATH_NARROW,
  LAYER_IN, LAYER_OUT, LAYER_ACTIVATION, LAYER_WEIGHTS, LAYER_BIAS, LAYER_WEIGHT_GRAD,
  LAYER_BIAS_GRAD, LAYER_OUTPUT, LAYER_DELTA, LAYER_PRE,
} from './layout';

export const NARROW_UNITS: i32 = 16;

@inline function ptr(value: i32): usize {
  return <usize><u32>value;
}

/**
 * Whether this network takes the narrow path: src/nn/paths.ts decided it from
 * the path's allow-list (input and every layer at most NARROW_UNITS wide, no
 * dropout, activations computed from y) and wrote it to SLOT_PATHS.
 */
@inline export function isNarrow(desc: usize): bool {
  return (headerSlot(desc, SLOT_PATHS) & PATH_NARROW) != 0;
}

/** All-ones in the lanes below `count`, zero above. */
@inline function laneMask(count: i32): v128 {
  return i32x4.gt_s(i32x4.splat(count), i32x4(0, 1, 2, 3));
}

@inline function sumLanes(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** `fixedKind` value meaning: each layer's own activation, read from the descriptor. */
const ANY_KIND: i32 = -1;

/** A layer's activation: `fixedKind` when the whole network is known to use it (a constant once inlined). */
@inline function kindOf(desc: usize, layer: i32, fixedKind: i32): i32 {
  return fixedKind != ANY_KIND ? fixedKind : layerSlot(desc, layer, LAYER_ACTIVATION);
}

/** One sample through every layer, into row 0 of each layer's output buffer; returns the last. */
@inline function forwardSample(desc: usize, layers: i32, x: usize, fixedKind: i32): usize {
  let input = x;
  for (let l = 0; l < layers; l++) {
    const inSize = layerSlot(desc, l, LAYER_IN);
    const units = layerSlot(desc, l, LAYER_OUT);
    const kind = kindOf(desc, l, fixedKind);
    const weights = ptr(layerSlot(desc, l, LAYER_WEIGHTS));
    const bias = ptr(layerSlot(desc, l, LAYER_BIAS));
    const output = ptr(layerSlot(desc, l, LAYER_OUTPUT));
    // gelu, silu: a is kept (row 0 of LAYER_PRE) for f'(a) in the backward pass.
    const pre = fixedKind == ANY_KIND ? ptr(layerSlot(desc, l, LAYER_PRE)) : 0;
    const rowBytes = <usize>units << 2;
    for (let j: usize = 0; j < rowBytes; j += 16) {
      // a_j = Σ_i h_i w_ij + b_j, then y_j = f(a_j), four units at a time
      let a = f32x4.splat(0);
      let w = weights + j;
      for (let i = 0; i < inSize; i++) {
        a = f32x4.add(a, f32x4.mul(v128.load32_splat(input + (<usize>i << 2)), v128.load(w)));
        w += rowBytes;
      }
      const sum = f32x4.add(a, v128.load(bias + j));
      if (pre) v128.store(pre + j, sum);
      v128.store(output + j, kind == ACTIVATION_SOFTMAX ? sum : activateV(kind, sum));
    }
    if (kind == ACTIVATION_SOFTMAX) softmaxRows(1, units, output, output);
    input = output;
  }
  return input;
}

/**
 * mlpGradients for a narrow network, sample by sample. Sample r is row
 * order[from + r] of x and t, or row from + r when order is 0. Leaves the
 * gradients of the batch-mean loss; returns Σ over rows of the per-sample loss.
 */
export function narrowGradients(desc: usize, x: usize, t: usize, order: usize, from: i32, rows: i32): f64 {
  // All-sigmoid networks (the seed's kind) get a copy with the activation fixed: no dispatch per
  // vector, and σ's constants are built once per call instead of once per use.
  const layers = headerSlot(desc, SLOT_LAYER_COUNT);
  let allSigmoid = true;
  for (let l = 0; l < layers; l++) allSigmoid = allSigmoid && layerSlot(desc, l, LAYER_ACTIVATION) == ACTIVATION_SIGMOID;
  if (allSigmoid) return gradientsAs(ACTIVATION_SIGMOID, desc, x, t, order, from, rows);
  return gradientsAs(ANY_KIND, desc, x, t, order, from, rows);
}

@inline function gradientsAs(fixedKind: i32, desc: usize, x: usize, t: usize, order: usize, from: i32, rows: i32): f64 {
  const layers = headerSlot(desc, SLOT_LAYER_COUNT);
  const last = layers - 1;
  const inputSize = headerSlot(desc, SLOT_INPUT_SIZE);
  const outSize = layerSlot(desc, last, LAYER_OUT);
  const scale = f32x4.splat(<f32>1 / <f32>rows);
  const lossKind = headerSlot(desc, SLOT_LOSS);
  let loss: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = order ? load<i32>(order + (<usize>(from + r) << 2)) : from + r;
    const sample = x + (<usize>(row * inputSize) << 2);
    const target = t + (<usize>(row * outSize) << 2);
    const y = forwardSample(desc, layers, sample, fixedKind);
    // δ_out = ∂L/∂y ⊙ f'(y) / rows, zero past the last unit; the loss in f64 as lossSum computes it
    const outputDeltas = ptr(layerSlot(desc, last, LAYER_DELTA));
    const outKind = kindOf(desc, last, fixedKind);
    // f' from the kept a where the activation needs it (gelu, silu), else from y.
    const outPre = fixedKind == ANY_KIND ? ptr(layerSlot(desc, last, LAYER_PRE)) : 0;
    if (lossKind == LOSS_L2 && outKind != ACTIVATION_SOFTMAX) {
      // The seed's case, in registers: (y - t) ⊙ f'(y) / rows
      for (let j = 0; j < outSize; j += 4) {
        const offset = <usize>j << 2;
        const yv = v128.load(y + offset);
        const diff = v128.and(f32x4.sub(yv, v128.load(target + offset)), laneMask(outSize - j));
        v128.store(outputDeltas + offset, f32x4.mul(f32x4.mul(scale, diff), slopeV(outKind, outPre ? v128.load(outPre + offset) : yv)));
      }
      let squares: f64 = 0;
      for (let j = 0; j < outSize; j++) {
        const diff = <f64>load<f32>(y + (<usize>j << 2)) - <f64>load<f32>(target + (<usize>j << 2));
        squares += diff * diff;
      }
      loss += 0.5 * squares;
    } else {
      outputDelta(lossKind, outPre ? ACTIVATION_LINEAR : outKind, 1, outSize, y, target, outputDeltas, <f32>1 / <f32>rows);
      if (outPre) {
        for (let j = 0; j < outSize; j += 4) {
          const offset = <usize>j << 2;
          v128.store(outputDeltas + offset, f32x4.mul(v128.load(outputDeltas + offset), slopeV(outKind, v128.load(outPre + offset))));
        }
      }
      for (let j = outSize; j < ((outSize + 3) & ~3); j++) store<f32>(outputDeltas + (<usize>j << 2), 0);
      loss += lossSum(lossKind, 1, outSize, y, target);
    }
    for (let l = last; l >= 0; l--) {
      const inSize = layerSlot(desc, l, LAYER_IN);
      const units = layerSlot(desc, l, LAYER_OUT);
      const rowBytes = <usize>units << 2;
      const delta = ptr(layerSlot(desc, l, LAYER_DELTA));
      const input = l == 0 ? sample : ptr(layerSlot(desc, l - 1, LAYER_OUTPUT));
      const weights = ptr(layerSlot(desc, l, LAYER_WEIGHTS));
      const weightGrad = ptr(layerSlot(desc, l, LAYER_WEIGHT_GRAD));
      const biasGrad = ptr(layerSlot(desc, l, LAYER_BIAS_GRAD));
      // The batch's first sample writes the gradients, the others add to them: no zeroing pass.
      // Rows go in order, so a vector's lanes past its row's end are rewritten by the next rows
      // or by the bias, written last; on the first sample no vector is stored past the end of
      // the layer's gradients (weights, then bias), so the next layer's are never touched.
      const first = r == 0;
      const layerEnd = <usize>(inSize + 1) * rowBytes;
      const hiddenDelta = l > 0 ? ptr(layerSlot(desc, l - 1, LAYER_DELTA)) : 0;
      for (let i = 0; i < inSize; i++) {
        // ∂L/∂w_ij += h_i δ_j; hidden unit i gathers Σ_j w_ij δ_j from every unit it feeds
        const hi = v128.load32_splat(input + (<usize>i << 2));
        const rowOffset = <usize>i * rowBytes;
        let back = f32x4.splat(0);
        for (let j: usize = 0; j < rowBytes; j += 16) {
          const dj = v128.load(delta + j);
          const g = weightGrad + rowOffset + j;
          const contribution = f32x4.mul(hi, dj);
          if (!first) v128.store(g, f32x4.add(v128.load(g), contribution));
          else if (rowOffset + j + 16 <= layerEnd) v128.store(g, contribution);
          else storePartial(g, contribution, (layerEnd - rowOffset - j) >> 2);
          back = f32x4.add(back, f32x4.mul(dj, v128.load(weights + rowOffset + j)));
        }
        if (l > 0) store<f32>(hiddenDelta + (<usize>i << 2), sumLanes(back));
      }
      for (let j: usize = 0; j < rowBytes; j += 16) {
        const d = v128.load(delta + j);
        if (!first) v128.store(biasGrad + j, f32x4.add(v128.load(biasGrad + j), d));
        else if (j + 16 <= rowBytes) v128.store(biasGrad + j, d);
        else storePartial(biasGrad + j, d, (rowBytes - j) >> 2);
      }
      if (l > 0) {
        // δ_hidden = (Σ_j w_ij δ_j) ⊙ f'(h), zero past the last unit
        const kind = kindOf(desc, l - 1, fixedKind);
        // f'(a) from the kept a for gelu and silu, f'(h) from the output h for the others.
        const pre = fixedKind == ANY_KIND ? ptr(layerSlot(desc, l - 1, LAYER_PRE)) : 0;
        const kept = pre ? pre : input;
        for (let i = 0; i < inSize; i += 4) {
          const offset = <usize>i << 2;
          const d = f32x4.mul(v128.load(hiddenDelta + offset), slopeV(kind, v128.load(kept + offset)));
          v128.store(hiddenDelta + offset, v128.and(d, laneMask(inSize - i)));
        }
      }
    }
  }
  return loss;
}
