import type { MemoryViews } from '../../heap.js';
import type { Kernels } from '../backend.js';
import { dropoutBackward, dropoutForward } from './dropout.js';
import {
  headerIndex, layerIndex, SLOT_LAYER_COUNT, SLOT_INPUT_SIZE, SLOT_LOSS,
  SLOT_WORK, SLOT_X_STAGE, SLOT_T_STAGE, SLOT_NORMS, SLOT_RANDOM, SLOT_TRAINING, LAYER_DROPOUT, LAYER_MASK, LAYER_IN, LAYER_OUT, LAYER_ACTIVATION, LAYER_WEIGHTS, LAYER_BIAS,
  LAYER_WEIGHT_GRAD, LAYER_BIAS_GRAD, LAYER_OUTPUT, LAYER_DELTA, LAYER_PRE,
} from '../descriptor.js';
import { ACTIVATION_IDS } from '../kinds.js';
import { Random } from '../../random.js';

const LINEAR = ACTIVATION_IDS.linear;

/** The element kernels the fused MLP is composed of. */
export type ElementKernels = Omit<Kernels, 'mlpForward' | 'mlpLossSum' | 'mlpGradients' | 'mlpTrainStep' | 'mlpTrainBatches' | 'mlpTrainEpochs' | 'mlpPanelBytes' | 'mlpPackPanels'>;

/**
 * The pure-TS fused MLP: step for step the algorithm of assembly/mlp.ts,
 * composed from the pure-TS element kernels over the same descriptor.
 */
export function createMlpKernels(v: MemoryViews, k: ElementKernels) {
  const header = (desc: number, slot: number) => v.i32[headerIndex(desc, slot)] >>> 0;
  const layer = (desc: number, l: number, slot: number) => v.i32[layerIndex(desc, l, slot)] >>> 0;
  const dropoutRate = (desc: number, l: number) => v.f32[layerIndex(desc, l, LAYER_DROPOUT)];
  const training = (desc: number) => header(desc, SLOT_TRAINING) !== 0;

  function mlpForward(desc: number, x: number, rows: number): number {
    const layers = header(desc, SLOT_LAYER_COUNT);
    const work = header(desc, SLOT_WORK);
    let input = x;
    for (let l = 0; l < layers; l++) {
      const inSize = layer(desc, l, LAYER_IN), outSize = layer(desc, l, LAYER_OUT);
      const output = layer(desc, l, LAYER_OUTPUT);
      const pre = layer(desc, l, LAYER_PRE), kind = layer(desc, l, LAYER_ACTIVATION);
      if (pre) {
        // a = x·W + b kept for the backward pass (gelu, silu), then y = f(a).
        k.denseForward(rows, outSize, inSize, input, layer(desc, l, LAYER_WEIGHTS), layer(desc, l, LAYER_BIAS), pre, LINEAR, work);
        k.activationForward(kind, rows, outSize, pre, output);
      } else {
        k.denseForward(rows, outSize, inSize, input, layer(desc, l, LAYER_WEIGHTS), layer(desc, l, LAYER_BIAS), output, kind, work);
      }
      if (training(desc) && layer(desc, l, LAYER_MASK)) {
        dropoutForward(v, rows * outSize, output, layer(desc, l, LAYER_MASK), dropoutRate(desc, l), desc + SLOT_RANDOM * 4);
      }
      input = output;
    }
    return input;
  }

  function outputSize(desc: number): number {
    return layer(desc, header(desc, SLOT_LAYER_COUNT) - 1, LAYER_OUT);
  }

  function mlpLossSum(desc: number, x: number, t: number, rows: number): number {
    const y = mlpForward(desc, x, rows);
    return k.lossSum(header(desc, SLOT_LOSS), rows, outputSize(desc), y, t);
  }

  function mlpGradients(desc: number, x: number, t: number, rows: number): number {
    const work = header(desc, SLOT_WORK);
    const y = mlpForward(desc, x, rows);
    const last = header(desc, SLOT_LAYER_COUNT) - 1;
    const outSize = layer(desc, last, LAYER_OUT);
    const lossKind = header(desc, SLOT_LOSS);
    const loss = k.lossSum(lossKind, rows, outSize, y, t);
    const lastPre = layer(desc, last, LAYER_PRE), lastDelta = layer(desc, last, LAYER_DELTA);
    k.outputDelta(lossKind, lastPre ? LINEAR : layer(desc, last, LAYER_ACTIVATION), rows, outSize, y, t, lastDelta, 1 / rows);
    if (lastPre) k.activationBackward(layer(desc, last, LAYER_ACTIVATION), rows * outSize, lastPre, lastDelta, lastDelta);
    for (let l = last; l >= 0; l--) {
      const inSize = layer(desc, l, LAYER_IN), units = layer(desc, l, LAYER_OUT);
      const delta = layer(desc, l, LAYER_DELTA);
      const input = l === 0 ? x : layer(desc, l - 1, LAYER_OUTPUT);
      k.gemm(1, 0, inSize, units, rows, 1, input, inSize, delta, units, 0, layer(desc, l, LAYER_WEIGHT_GRAD), units, work);
      k.columnSums(rows, units, delta, layer(desc, l, LAYER_BIAS_GRAD));
      if (l > 0) {
        const hiddenDelta = layer(desc, l - 1, LAYER_DELTA);
        k.gemm(0, 1, rows, inSize, units, 1, delta, units, layer(desc, l, LAYER_WEIGHTS), units, 0, hiddenDelta, inSize, work);
        const mask = layer(desc, l - 1, LAYER_MASK);
        const pre = layer(desc, l - 1, LAYER_PRE), kind = layer(desc, l - 1, LAYER_ACTIVATION);
        if (training(desc) && mask) {
          // With a kept a, the mask alone here (linear slope 1), f'(a) below.
          dropoutBackward(v, pre ? LINEAR : kind, rows * inSize, input, mask, dropoutRate(desc, l - 1), hiddenDelta);
          if (pre) k.activationBackward(kind, rows * inSize, pre, hiddenDelta, hiddenDelta);
        } else {
          k.activationBackward(kind, rows * inSize, pre || input, hiddenDelta, hiddenDelta);
        }
      }
    }
    return loss;
  }

  function mlpTrainStep(desc: number, x: number, t: number, rows: number, learningRate: number): number {
    const loss = mlpGradients(desc, x, t, rows);
    if (!Number.isFinite(loss)) return NaN;
    return k.optimizerStep(desc, learningRate) ? loss : NaN;
  }

  function mlpTrainBatches(desc: number, x: number, t: number, order: number, start: number, count: number,
    batchSize: number, learningRate: number, result: number): number {
    const inputSize = header(desc, SLOT_INPUT_SIZE), outSize = outputSize(desc);
    const xStage = header(desc, SLOT_X_STAGE), tStage = header(desc, SLOT_T_STAGE);
    const end = start + count;
    let lossSum = 0, done = 0, diverged = 0;
    v.i32[headerIndex(desc, SLOT_TRAINING)] = 1;
    for (let from = start; from < end; from += batchSize) {
      const rows = Math.min(batchSize, end - from);
      k.gatherRows(x, inputSize, order, from, rows, xStage);
      k.gatherRows(t, outSize, order, from, rows, tStage);
      const loss = mlpTrainStep(desc, xStage, tStage, rows, learningRate);
      if (Number.isNaN(loss)) { diverged = 1; break; }
      const norms = header(desc, SLOT_NORMS);
      if (norms) {
        const layers = header(desc, SLOT_LAYER_COUNT);
        for (let l = 0; l < layers; l++) {
          const count = layer(desc, l, LAYER_IN) * layer(desc, l, LAYER_OUT) + layer(desc, l, LAYER_OUT);
          v.f64[(norms >>> 3) + l] += k.sumSquares(count, layer(desc, l, LAYER_WEIGHT_GRAD));
        }
      }
      lossSum += loss;
      done += rows;
    }
    v.i32[headerIndex(desc, SLOT_TRAINING)] = 0;
    v.f64[result >>> 3] = lossSum;
    v.f64[(result >>> 3) + 1] = diverged;
    return done;
  }

  function mlpTrainEpochs(desc: number, x: number, t: number, order: number, samples: number, batchSize: number, epochs: number,
    rates: number, random: number, losses: number, result: number): number {
    // The shuffles come from src/random.ts itself, continued from the state in memory: the per-epoch path's own generator.
    const generator = random ? new Random(0) : null;
    generator?.readState(v.i32, random >>> 2);
    try {
      for (let e = 0; e < epochs; e++) {
        generator?.shuffle(v.i32.subarray(order >>> 2, (order >>> 2) + samples));
        const done = mlpTrainBatches(desc, x, t, order, 0, samples, batchSize, v.f64[(rates >>> 3) + e], result);
        v.f64[(losses >>> 3) + e] = v.f64[result >>> 3];
        if (v.f64[(result >>> 3) + 1] !== 0) {
          v.f64[result >>> 3] = done;
          return e;
        }
      }
    } finally {
      generator?.writeState(v.i32, random >>> 2);
    }
    v.f64[result >>> 3] = samples;
    v.f64[(result >>> 3) + 1] = 0;
    return epochs;
  }

  // One-row weight panels are a wasm speed layout (assembly/gemv-panel.ts): this backend keeps none,
  // so a network on it never allocates them, and its forward pass is the reference they are checked against.
  function mlpPanelBytes(_desc: number, _layer: number): number {
    return 0;
  }
  function mlpPackPanels(_desc: number): void {}

  return { mlpForward, mlpLossSum, mlpGradients, mlpTrainStep, mlpTrainBatches, mlpTrainEpochs, mlpPanelBytes, mlpPackPanels };
}

/** Copies rows order[from..from+rows) of src, rowLength floats each, to dst (a batch in shuffled order). */
export function gatherRows(v: MemoryViews, src: number, rowLength: number, order: number, from: number, rows: number, dst: number): void {
  const f = v.f32, idx = v.i32, O = order >>> 2;
  for (let r = 0; r < rows; r++) {
    const start = (src >>> 2) + idx[O + from + r] * rowLength;
    f.copyWithin((dst >>> 2) + r * rowLength, start, start + rowLength);
  }
}
