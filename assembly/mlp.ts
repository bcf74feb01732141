// The fused multilayer perceptron: forward, backward and update for a whole
// batch (or many batches) in one call, following the seed step by step:
//   a = h·W + b, y = f(a)                       forward, per layer (one kernel; a is kept
//                                               only where f' needs it: gelu, silu)
//   δ_out = ∂L/∂y ⊙ f'(y) / rows                output delta (batch mean; assembly/losses.ts)
//   ∂L/∂W = hᵀ·δ, ∂L/∂b = Σ_rows δ             gradients
//   δ_hidden = (δ·Wᵀ) ⊙ f'(h)                   hidden delta, summed over outputs
//                                               (f' from the kept a for gelu, silu)
//   w ← w - η ∂L/∂w                             update

import { gemm, denseForward, splitsAcrossThreads } from './gemm';
import { columnWalkFits, epilogueRows } from './gemm-kernel';
import { PANEL, gemvPanels, packPanels, panelBytes } from './gemv-panel';
import { columnSums } from './bias';
import { activationForward, activationBackward, ACTIVATION_LINEAR } from './activations';
import { lossSum, outputDelta } from './losses';
import { sumSquares } from './norms';
import { optimizerStep } from './optimizers';
import { dropoutForward, dropoutBackward } from './dropout';
import { isNarrow, narrowGradients } from './mlp-narrow';
import { isTiny, tinyTrain, tinyTrainEpochs, shuffleOrder } from './mlp-tiny';
import {
  headerSlot, layerSlot, SLOT_LAYER_COUNT, SLOT_LOSS, SLOT_INPUT_SIZE, SLOT_PARAM_COUNT, SLOT_PARAMS,
  SLOT_GRADS, SLOT_WORK, SLOT_NORMS, SLOT_RANDOM, SLOT_TRAINING, LAYER_DROPOUT, LAYER_MASK, SLOT_X_STAGE, SLOT_T_STAGE, LAYER_IN, LAYER_OUT, LAYER_ACTIVATION,
  LAYER_WEIGHTS, LAYER_BIAS, LAYER_WEIGHT_GRAD, LAYER_BIAS_GRAD, LAYER_OUTPUT, LAYER_DELTA, LAYER_PRE,
  SLOT_PANELS, PANELS_READY, LAYER_PANELS, weightsChanged,
} from './layout';

@inline function ptr(value: i32): usize {
  return <usize><u32>value;
}

@inline function dropoutRate(desc: usize, layer: i32): f32 {
  return reinterpret<f32>(layerSlot(desc, layer, LAYER_DROPOUT));
}

/** Runs `rows` samples at x through every layer; returns the pointer to the last layer's output. */
export function mlpForward(desc: usize, x: usize, rows: i32): usize {
  const layers = headerSlot(desc, SLOT_LAYER_COUNT);
  const training = headerSlot(desc, SLOT_TRAINING) != 0;
  const work = ptr(headerSlot(desc, SLOT_WORK));
  // One row with panels that hold the current weights (a training step marks them stale before it runs).
  const panels = rows == 1 && headerSlot(desc, SLOT_PANELS) == PANELS_READY;
  let input = x;
  for (let l = 0; l < layers; l++) {
    const inSize = layerSlot(desc, l, LAYER_IN);
    const outSize = layerSlot(desc, l, LAYER_OUT);
    const output = ptr(layerSlot(desc, l, LAYER_OUTPUT));
    const pre = ptr(layerSlot(desc, l, LAYER_PRE));
    const kind = layerSlot(desc, l, LAYER_ACTIVATION);
    const weights = ptr(layerSlot(desc, l, LAYER_WEIGHTS)), bias = ptr(layerSlot(desc, l, LAYER_BIAS));
    // With a kept pre-activation (gelu, silu): a = x·W + b with the linear epilogue, kept for the backward
    // pass, then y = f(a) in a pass of its own. Otherwise y = f(x·W + b) in one.
    const target = pre ? pre : output, epilogue = pre ? ACTIVATION_LINEAR : kind;
    const layerPanels = panels ? ptr(layerSlot(desc, l, LAYER_PANELS)) : 0;
    // (A pool attached after the panels were made may split this product: then it runs as before.)
    if (layerPanels && !splitsAcrossThreads(1, outSize, inSize)) {
      // The bits of denseForward's one-row path (gemvRows, then the same epilogue); see assembly/gemv-panel.ts.
      gemvPanels(outSize, inSize, input, layerPanels, target);
      epilogueRows(1, outSize, outSize, target, bias, epilogue);
    } else {
      // By the (possibly threaded) GEMM.
      denseForward(rows, outSize, inSize, input, weights, bias, target, epilogue, work);
    }
    if (pre) activationForward(kind, rows, outSize, pre, output);
    if (training && layerSlot(desc, l, LAYER_MASK)) {
      dropoutForward(rows * outSize, output, ptr(layerSlot(desc, l, LAYER_MASK)), dropoutRate(desc, l), desc + (<usize>SLOT_RANDOM << 2));
    }
    input = output;
  }
  return input;
}

/** Σ over rows of the per-sample loss, forward only. */
export function mlpLossSum(desc: usize, x: usize, t: usize, rows: i32): f64 {
  const y = mlpForward(desc, x, rows);
  const outSize = layerSlot(desc, headerSlot(desc, SLOT_LAYER_COUNT) - 1, LAYER_OUT);
  return lossSum(headerSlot(desc, SLOT_LOSS), rows, outSize, y, t);
}

/**
 * Forward and backward for one batch: leaves ∂L/∂W and ∂L/∂b of the batch-mean
 * loss in the gradient array. Returns Σ over rows of the per-sample loss.
 */
export function mlpGradients(desc: usize, x: usize, t: usize, rows: i32): f64 {
  if (isNarrow(desc)) return narrowGradients(desc, x, t, 0, 0, rows);
  const layers = headerSlot(desc, SLOT_LAYER_COUNT);
  const work = ptr(headerSlot(desc, SLOT_WORK));
  const y = mlpForward(desc, x, rows);
  const last = layers - 1;
  const outSize = layerSlot(desc, last, LAYER_OUT);
  const lossKind = headerSlot(desc, SLOT_LOSS);
  const loss = lossSum(lossKind, rows, outSize, y, t);
  // δ_out = ∂L/∂y ⊙ f'(y) / rows (for the seed's L2 and sigmoid: (y - t) y (1 - y) / rows)
  const lastPre = ptr(layerSlot(desc, last, LAYER_PRE));
  const lastDelta = ptr(layerSlot(desc, last, LAYER_DELTA));
  outputDelta(lossKind, lastPre ? ACTIVATION_LINEAR : layerSlot(desc, last, LAYER_ACTIVATION), rows, outSize, y, t, lastDelta, <f32>1 / <f32>rows);
  // ⊙ f'(a) from the kept pre-activation where f' needs it.
  if (lastPre) activationBackward(layerSlot(desc, last, LAYER_ACTIVATION), rows * outSize, lastPre, lastDelta, lastDelta);
  for (let l = last; l >= 0; l--) {
    const inSize = layerSlot(desc, l, LAYER_IN);
    const units = layerSlot(desc, l, LAYER_OUT);
    const delta = ptr(layerSlot(desc, l, LAYER_DELTA));
    const input = l == 0 ? x : ptr(layerSlot(desc, l - 1, LAYER_OUTPUT));
    // ∂L/∂W_ij = Σ_rows h_i δ_j  =  hᵀ·δ
    gemm(1, 0, inSize, units, rows, 1, input, inSize, delta, units, 0, ptr(layerSlot(desc, l, LAYER_WEIGHT_GRAD)), units, work);
    columnSums(rows, units, delta, ptr(layerSlot(desc, l, LAYER_BIAS_GRAD)));
    if (l > 0) {
      // δ_hidden = (δ·Wᵀ) ⊙ f'(h): each hidden unit sums the deltas of every unit it feeds.
      const hiddenDelta = ptr(layerSlot(desc, l - 1, LAYER_DELTA));
      gemm(0, 1, rows, inSize, units, 1, delta, units, ptr(layerSlot(desc, l, LAYER_WEIGHTS)), units, 0, hiddenDelta, inSize, work);
      const mask = ptr(layerSlot(desc, l - 1, LAYER_MASK));
      const pre = ptr(layerSlot(desc, l - 1, LAYER_PRE));
      const kind = layerSlot(desc, l - 1, LAYER_ACTIVATION);
      if (headerSlot(desc, SLOT_TRAINING) && mask) {
        // With a kept a, the mask alone here (linear slope 1), f'(a) below.
        dropoutBackward(pre ? ACTIVATION_LINEAR : kind, rows * inSize, input, mask, dropoutRate(desc, l - 1), hiddenDelta);
        if (pre) activationBackward(kind, rows * inSize, pre, hiddenDelta, hiddenDelta);
      } else {
        activationBackward(kind, rows * inSize, pre ? pre : input, hiddenDelta, hiddenDelta);
      }
    }
  }
  return loss;
}

/**
 * One SGD step on one batch. Returns the batch's loss sum, or NaN, leaving
 * the weights untouched, when the loss, a gradient or an updated weight
 * would not be finite.
 */
export function mlpTrainStep(desc: usize, x: usize, t: usize, rows: i32, learningRate: f32): f64 {
  weightsChanged(desc);
  return applyUpdate(desc, mlpGradients(desc, x, t, rows), learningRate);
}

/** The update after gradients with loss sum `loss`: returns loss, or NaN (nothing changed) if anything is not finite. */
function applyUpdate(desc: usize, loss: f64, learningRate: f32): f64 {
  if (!isFinite(loss)) return NaN;
  return optimizerStep(desc, learningRate) ? loss : NaN;
}

/** Adds each layer's ‖∂L/∂W‖² + ‖∂L/∂b‖² (W's and b's gradients are contiguous) to the norms table. */
function accumulateNorms(desc: usize, norms: usize): void {
  const layers = headerSlot(desc, SLOT_LAYER_COUNT);
  for (let l = 0; l < layers; l++) {
    const count = layerSlot(desc, l, LAYER_IN) * layerSlot(desc, l, LAYER_OUT) + layerSlot(desc, l, LAYER_OUT);
    const at = norms + (<usize>l << 3);
    store<f64>(at, load<f64>(at) + sumSquares(count, ptr(layerSlot(desc, l, LAYER_WEIGHT_GRAD))));
  }
}

/** Copies rows order[from .. from+rows) of a row-major matrix into dst. */
export function gatherRows(src: usize, rowLength: i32, order: usize, from: i32, rows: i32, dst: usize): void {
  const rowBytes = <usize>rowLength << 2;
  for (let r = 0; r < rows; r++) {
    const row = <usize>load<i32>(order + (<usize>(from + r) << 2));
    memory.copy(dst + <usize>r * rowBytes, src + row * rowBytes, rowBytes);
  }
}

/**
 * Trains on samples order[start .. start+count) in batches of batchSize,
 * gathering each batch into the staging buffers. Writes the loss sum to
 * result[0] (f64) and 1 to result[1] if a step diverged (that step is not
 * applied and training stops). Returns the number of samples trained on.
 */
export function mlpTrainBatches(
  desc: usize, x: usize, t: usize, order: usize, start: i32, count: i32,
  batchSize: i32, learningRate: f32, result: usize,
): i32 {
  const inputSize = headerSlot(desc, SLOT_INPUT_SIZE);
  const outSize = layerSlot(desc, headerSlot(desc, SLOT_LAYER_COUNT) - 1, LAYER_OUT);
  const xStage = ptr(headerSlot(desc, SLOT_X_STAGE));
  const tStage = ptr(headerSlot(desc, SLOT_T_STAGE));
  const end = start + count;
  weightsChanged(desc);
  // Training steps run their forward pass with dropout; evaluation and gradients() without.
  store<i32>(desc + (<usize>SLOT_TRAINING << 2), 1);
  const norms = ptr(headerSlot(desc, SLOT_NORMS));
  if (batchSize == 1 && !norms && isTiny(desc)) {
    // Same steps as below, with the weights held in registers from the first sample to the last.
    const done = tinyTrain(desc, x, t, order, start, count, learningRate, result);
    store<i32>(desc + (<usize>SLOT_TRAINING << 2), 0);
    return done;
  }
  const narrow = isNarrow(desc);
  let lossSum: f64 = 0;
  let done = 0;
  for (let from = start; from < end; from += batchSize) {
    const rows = min(batchSize, end - from);
    let loss: f64;
    if (narrow) {
      // Narrow networks read the samples in place through the order: no gathering.
      loss = applyUpdate(desc, narrowGradients(desc, x, t, order, from, rows), learningRate);
    } else {
      gatherRows(x, inputSize, order, from, rows, xStage);
      gatherRows(t, outSize, order, from, rows, tStage);
      loss = mlpTrainStep(desc, xStage, tStage, rows, learningRate);
    }
    if (isNaN(loss)) {
      store<f64>(result, lossSum);
      store<f64>(result, 1, 8);
      store<i32>(desc + (<usize>SLOT_TRAINING << 2), 0);
      return done;
    }
    if (norms) accumulateNorms(desc, norms);
    lossSum += loss;
    done += rows;
  }
  store<f64>(result, lossSum);
  store<f64>(result, 0, 8);
  store<i32>(desc + (<usize>SLOT_TRAINING << 2), 0);
  return done;
}

/**
 * Many whole epochs in one call, for a fit that needs nothing between them.
 * Epoch e shuffles order[0 .. samples) with the generator at `random`
 * (shuffleOrder: src/random.ts's sequence; no shuffle when random is 0),
 * then trains every sample in batches of batchSize at learning rate rates[e]
 * (f64, demoted as the per-epoch call's f32 argument is) exactly as one
 * mlpTrainBatches call would, and writes its loss sum to losses[e] (f64).
 * It stops at the first step that would not be finite, as mlpTrainBatches
 * does: then result[0] (f64) is the samples trained in that epoch and
 * result[1] is 1; otherwise result[0] is `samples` and result[1] is 0.
 * Returns the number of epochs completed.
 */
export function mlpTrainEpochs(
  desc: usize, x: usize, t: usize, order: usize, samples: i32, batchSize: i32, epochs: i32,
  rates: usize, random: usize, losses: usize, result: usize,
): i32 {
  weightsChanged(desc);
  if (batchSize == 1 && !headerSlot(desc, SLOT_NORMS) && isTiny(desc)) {
    // The weights stay in registers from the first epoch to the last (the same steps as below).
    return tinyTrainEpochs(desc, x, t, order, samples, epochs, rates, random, losses, result);
  }
  for (let e = 0; e < epochs; e++) {
    if (random) shuffleOrder(order, samples, random);
    const rate = <f32>load<f64>(rates + (<usize>e << 3));
    const done = mlpTrainBatches(desc, x, t, order, 0, samples, batchSize, rate, result);
    store<f64>(losses + (<usize>e << 3), load<f64>(result));
    if (load<f64>(result, 8) != 0) {
      store<f64>(result, <f64>done);
      return e;
    }
  }
  store<f64>(result, <f64>samples);
  store<f64>(result, 0, 8);
  return epochs;
}

/** W of at least this many floats (256 KiB) gets panels: below, gemvRows' sums stay in L1 and the copy buys little. */
const PANEL_MIN_WEIGHTS: i64 = 1 << 16;

/**
 * Bytes of layer `layer`'s one-row weight panels, or 0 where it keeps none:
 * only where gemvRows would run its one-row product (not the column walk of
 * narrow layers, nor a product the attached thread pool splits, which
 * mlpForward never reads panels for) and W holds at least PANEL_MIN_WEIGHTS
 * floats, where the copy pays (assembly/gemv-panel.ts). src/nn/panels.ts
 * allocates them.
 */
export function mlpPanelBytes(desc: usize, layer: i32): usize {
  const n = layerSlot(desc, layer, LAYER_OUT), k = layerSlot(desc, layer, LAYER_IN);
  if (n < PANEL || columnWalkFits(n, k) || <i64>n * k < PANEL_MIN_WEIGHTS || splitsAcrossThreads(1, n, k)) return 0;
  return panelBytes(n, k);
}

/** Packs every layer that has panels (LAYER_PANELS, set by src/nn/panels.ts) from its weights, and marks them current. */
export function mlpPackPanels(desc: usize): void {
  const layers = headerSlot(desc, SLOT_LAYER_COUNT);
  for (let l = 0; l < layers; l++) {
    const panels = ptr(layerSlot(desc, l, LAYER_PANELS));
    if (panels) packPanels(layerSlot(desc, l, LAYER_OUT), layerSlot(desc, l, LAYER_IN), ptr(layerSlot(desc, l, LAYER_WEIGHTS)), panels);
  }
  store<i32>(desc + (<usize>SLOT_PANELS << 2), PANELS_READY);
}
