// Assembly-only (a fast path; its pure-TS twin is the general path, src/backend/js/mlp.ts).
//
// Tiny networks trained one sample at a time: one hidden layer, and the
// input, the hidden layer and the output each at most four wide, like the
// seed's 2-3-2. At that size a step is a few dozen vector operations, so what
// it costs is the chain of dependent ones: sample r + 1's forward pass needs
// the weights sample r just updated. This kernel keeps every weight in a
// register for a whole run of samples and never writes a gradient, a delta or
// an activation to memory:
//
//   a = x·W1 + b1, h = f(a)              one f32x4 per layer (a lane per unit)
//   a' = h·W2 + b2, y = f(a')
//   δ_out = (y - t) ⊙ f'(y)              the L2 loss, batch of one
//   δ_hidden = (W2 δ_out) ⊙ f'(h)        from W2's columns, kept beside its rows
//   w ← w - η ∂L/∂w                      every weight, all or nothing
//
// tinyTrainEpochs keeps them there across many epochs too, shuffling the
// sample order between them (mlpTrainEpochs, for fits of a few samples over
// many epochs, where loading and storing the weights would cost as much as
// the epoch itself).
//
// It does exactly the arithmetic of assembly/mlp-narrow.ts followed by the
// plain SGD update, in the same order, so both give the same bits (a test
// checks). Lanes past a layer's last unit hold zero weights and masked deltas,
// so they stay zero.

import { ACTIVATION_SIGMOID, activateV, slopeV } from './activations';
import { loadPartial, storePartial } from './math';
import {
  headerSlot, layerSlot, SLOT_INPUT_SIZE, SLOT_PATHS, PATH_TINY, loadStep, storeStep,
  LAYER_OUT, LAYER_ACTIVATION, LAYER_WEIGHTS, LAYER_BIAS,
} from './layout';

export const TINY_UNITS: i32 = 4;

@inline function ptr(value: i32): usize {
  return <usize><u32>value;
}

/** `count` (1..4) floats from p, zero in the lanes above. */
@inline function loadRow(p: usize, count: i32): v128 {
  return count == 4 ? v128.load(p) : loadPartial(p, count);
}

@inline function storeRow(p: usize, v: v128, count: i32): void {
  if (count == 4) v128.store(p, v);
  else storePartial(p, v, count);
}

/** Row i (0 if absent) of a row-major matrix with `cols` floats per row. */
@inline function matrixRow(m: usize, i: i32, rows: i32, cols: i32): v128 {
  return i < rows ? loadRow(m + (<usize>(i * cols) << 2), cols) : f32x4.splat(0);
}

/** Column j of a rows×cols row-major matrix (rows ≤ 4), zero past the last row. */
function matrixColumn(m: usize, j: i32, rows: i32, cols: i32): v128 {
  let v = f32x4.splat(0);
  if (j >= cols) return v;
  const at = m + (<usize>j << 2), stride = <usize>cols << 2;
  v = f32x4.replace_lane(v, 0, load<f32>(at));
  if (rows > 1) v = f32x4.replace_lane(v, 1, load<f32>(at + stride));
  if (rows > 2) v = f32x4.replace_lane(v, 2, load<f32>(at + 2 * stride));
  if (rows > 3) v = f32x4.replace_lane(v, 3, load<f32>(at + 3 * stride));
  return v;
}

/** w - η (h δ): one SGD step on four weights, ∂L/∂w = h δ multiplied out before η as sgdApply does. */
@inline function descend(w: v128, rate: v128, h: v128, delta: v128): v128 {
  return f32x4.sub(w, f32x4.mul(rate, f32x4.mul(h, delta)));
}

/** s0·v0 + s1·v1 + … over the first `count` (1..4) terms, added in that order (as the narrow path adds them). */
@inline function weightedSum(count: i32, s0: v128, v0: v128, s1: v128, v1: v128, s2: v128, v2: v128, s3: v128, v3: v128): v128 {
  let sum = f32x4.mul(s0, v0);
  if (count > 1) sum = f32x4.add(sum, f32x4.mul(s1, v1));
  if (count > 2) sum = f32x4.add(sum, f32x4.mul(s2, v2));
  if (count > 3) sum = f32x4.add(sum, f32x4.mul(s3, v3));
  return sum;
}

/** All-ones in the lanes below `count`, zero above. */
@inline function laneMask(count: i32): v128 {
  return i32x4.gt_s(i32x4.splat(count), i32x4(0, 1, 2, 3));
}

/** True when every lane is finite: v·0 is 0 for finite v and NaN for ±Inf and NaN. */
@inline function allFinite(v: v128): bool {
  const zero = f32x4.splat(0);
  return !v128.any_true(f32x4.ne(f32x4.mul(v, zero), zero));
}

/**
 * Whether this network takes the tiny path (with batches of one and no
 * gradient norms): src/nn/paths.ts decided it from the path's allow-list (two
 * dense layers, every width at most TINY_UNITS, no dropout, activations
 * computed from y, the L2 loss and plain SGD) and wrote it to SLOT_PATHS.
 */
@inline export function isTiny(desc: usize): bool {
  return (headerSlot(desc, SLOT_PATHS) & PATH_TINY) != 0;
}

/**
 * SGD with batches of one on samples order[from .. from+count) (rows
 * from .. from+count when order is 0) for a network isTiny accepts. Writes
 * Σ of the per-sample losses to result[0] (f64) and 1 to result[1] if a step
 * would have made the loss or a weight non-finite (that step is not applied
 * and training stops there; the weights are those of the step before).
 * Returns the number of samples trained on.
 */
export function tinyTrain(desc: usize, x: usize, t: usize, order: usize, from: i32, count: i32, learningRate: f32, result: usize): i32 {
  const hiddenKind = layerSlot(desc, 0, LAYER_ACTIVATION);
  const outKind = layerSlot(desc, 1, LAYER_ACTIVATION);
  // The seed's all-sigmoid network gets a copy of the loop with the activations fixed: no dispatch per
  // sample, and V8 hoists σ's constants out of the loop instead of rebuilding them in every iteration.
  if (hiddenKind == ACTIVATION_SIGMOID && outKind == ACTIVATION_SIGMOID) {
    return trainSamples(ACTIVATION_SIGMOID, ACTIVATION_SIGMOID, desc, x, t, order, from, count, learningRate, 1, 0, 0, 0, result);
  }
  return trainSamples(hiddenKind, outKind, desc, x, t, order, from, count, learningRate, 1, 0, 0, 0, result);
}

/**
 * mlpTrainEpochs for a network isTiny accepts, with batches of one and no
 * gradient norms: `epochs` epochs over samples 0..samples, each shuffled
 * first by shuffleOrder (unless random is 0), at learning rate rates[e]
 * (f64), its loss sum to losses[e], with the weights in registers from the
 * first epoch to the last. The same steps, in the same order, as one
 * tinyTrain call per epoch, so the same bits. Returns the epochs completed;
 * result[0] (f64) is the samples trained in the last epoch begun, result[1]
 * 1 if a step was refused (as tinyTrain).
 */
export function tinyTrainEpochs(desc: usize, x: usize, t: usize, order: usize, samples: i32, epochs: i32, rates: usize, random: usize,
  losses: usize, result: usize): i32 {
  const hiddenKind = layerSlot(desc, 0, LAYER_ACTIVATION);
  const outKind = layerSlot(desc, 1, LAYER_ACTIVATION);
  if (hiddenKind == ACTIVATION_SIGMOID && outKind == ACTIVATION_SIGMOID) {
    return trainSamples(ACTIVATION_SIGMOID, ACTIVATION_SIGMOID, desc, x, t, order, 0, samples, 0, epochs, rates, random, losses, result);
  }
  return trainSamples(hiddenKind, outKind, desc, x, t, order, 0, samples, 0, epochs, rates, random, losses, result);
}

/**
 * Fisher-Yates over order[0 .. n) driven by the xoshiro128** generator whose
 * four state words are at `state`: draw for draw and swap for swap what
 * src/random.ts's Random.shuffle does, so an epoch shuffled here and one
 * shuffled in JavaScript get the same order, and the state ends the same.
 * (Here rather than in mlp.ts, whose mlpTrainEpochs uses it too, because
 * mlp.ts imports this file and not the other way round.)
 */
export function shuffleOrder(order: usize, n: i32, state: usize): void {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  for (let i = n - 1; i > 0; i--) {
    const draw = rotl<u32>(s1 * 5, 7) * 9;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl<u32>(s3, 11);
    // below(i + 1) = ⌊draw / 2^32 · (i + 1)⌋ in f64, as Random.below computes it.
    const j = <i32>floor(<f64>draw / 4294967296.0 * <f64>(i + 1));
    const a = order + (<usize>i << 2), b = order + (<usize>j << 2);
    const swap = load<i32>(a);
    store<i32>(a, load<i32>(b));
    store<i32>(b, swap);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/**
 * The loop of both entry points: `epochs` passes over samples
 * order[from .. from+count) (rows from .. from+count when order is 0). With
 * `losses` (the epochs form): pass e shuffles first when `random` is set,
 * takes its rate from rates[e] and writes its loss sum to losses[e]; returns
 * the epochs completed, result[0] the samples of the last pass. Without (one
 * pass at learningRate): returns the samples trained, result[0] their loss sum.
 */
@inline function trainSamples(hiddenKind: i32, outKind: i32, desc: usize, x: usize, t: usize, order: usize, from: i32, count: i32,
  learningRate: f32, epochs: i32, rates: usize, random: usize, losses: usize, result: usize): i32 {
  const inputs = headerSlot(desc, SLOT_INPUT_SIZE);
  const hidden = layerSlot(desc, 0, LAYER_OUT);
  const outputs = layerSlot(desc, 1, LAYER_OUT);
  const w1 = ptr(layerSlot(desc, 0, LAYER_WEIGHTS)), b1 = ptr(layerSlot(desc, 0, LAYER_BIAS));
  const w2 = ptr(layerSlot(desc, 1, LAYER_WEIGHTS)), b2 = ptr(layerSlot(desc, 1, LAYER_BIAS));
  // W1's rows (one per input, a lane per hidden unit) and W2's rows (one per hidden unit, a lane per output).
  let in0 = matrixRow(w1, 0, inputs, hidden), in1 = matrixRow(w1, 1, inputs, hidden);
  let in2 = matrixRow(w1, 2, inputs, hidden), in3 = matrixRow(w1, 3, inputs, hidden);
  let bias1 = loadRow(b1, hidden);
  let out0 = matrixRow(w2, 0, hidden, outputs), out1 = matrixRow(w2, 1, hidden, outputs);
  let out2 = matrixRow(w2, 2, hidden, outputs), out3 = matrixRow(w2, 3, hidden, outputs);
  let bias2 = loadRow(b2, outputs);
  // W2's columns (one per output, a lane per hidden unit): δ_hidden = Σ_j w_ij δ_j without a horizontal sum.
  let col0 = matrixColumn(w2, 0, hidden, outputs), col1 = matrixColumn(w2, 1, hidden, outputs);
  let col2 = matrixColumn(w2, 2, hidden, outputs), col3 = matrixColumn(w2, 3, hidden, outputs);

  const hiddenMask = laneMask(hidden), outMask = laneMask(outputs);
  const zero = f32x4.splat(0);
  const inBytes = <usize>inputs << 2, outBytes = <usize>outputs << 2;
  let loss: f64 = 0;
  let done = 0;
  let diverged = false;
  let steps: f64 = 0;
  let epoch = 0;
  for (; epoch < epochs; epoch++) {
    if (random) shuffleOrder(order, count, random);
    const rate = f32x4.splat(rates ? <f32>load<f64>(rates + (<usize>epoch << 3)) : learningRate);
    loss = 0;
    for (done = 0; done < count; done++) {
      const row = <usize>(order ? load<i32>(order + (<usize>(from + done) << 2)) : from + done);
      const sample = x + row * inBytes;
      const target = loadRow(t + row * outBytes, outputs);
      // a_j = Σ_i x_i w_ij + b_j, h = f(a)
      const x0 = v128.load32_splat(sample);
      const x1 = inputs > 1 ? v128.load32_splat(sample + 4) : zero;
      const x2 = inputs > 2 ? v128.load32_splat(sample + 8) : zero;
      const x3 = inputs > 3 ? v128.load32_splat(sample + 12) : zero;
      const h = activateV(hiddenKind, f32x4.add(weightedSum(inputs, x0, in0, x1, in1, x2, in2, x3, in3), bias1));
      const h0 = v128.shuffle<f32>(h, h, 0, 0, 0, 0);
      const h1 = v128.shuffle<f32>(h, h, 1, 1, 1, 1);
      const h2 = v128.shuffle<f32>(h, h, 2, 2, 2, 2);
      const h3 = v128.shuffle<f32>(h, h, 3, 3, 3, 3);
      const y = activateV(outKind, f32x4.add(weightedSum(hidden, h0, out0, h1, out1, h2, out2, h3, out3), bias2));

      // L = 1/2 Σ_j (y_j - t_j)², in f64 as lossSum computes it
      const e0 = <f64>f32x4.extract_lane(y, 0) - <f64>f32x4.extract_lane(target, 0);
      let squares = e0 * e0;
      if (outputs > 1) {
        const e1 = <f64>f32x4.extract_lane(y, 1) - <f64>f32x4.extract_lane(target, 1);
        squares += e1 * e1;
      }
      if (outputs > 2) {
        const e2 = <f64>f32x4.extract_lane(y, 2) - <f64>f32x4.extract_lane(target, 2);
        squares += e2 * e2;
      }
      if (outputs > 3) {
        const e3 = <f64>f32x4.extract_lane(y, 3) - <f64>f32x4.extract_lane(target, 3);
        squares += e3 * e3;
      }
      // δ_j = (y_j - t_j) f'(y_j); δ_hidden,i = (Σ_j w_ij δ_j) f'(h_i), both with the weights before the step
      const outputDelta = f32x4.mul(v128.and(f32x4.sub(y, target), outMask), slopeV(outKind, y));
      const d0 = v128.shuffle<f32>(outputDelta, outputDelta, 0, 0, 0, 0);
      const d1 = v128.shuffle<f32>(outputDelta, outputDelta, 1, 1, 1, 1);
      const d2 = v128.shuffle<f32>(outputDelta, outputDelta, 2, 2, 2, 2);
      const d3 = v128.shuffle<f32>(outputDelta, outputDelta, 3, 3, 3, 3);
      const back = weightedSum(outputs, d0, col0, d1, col1, d2, col2, d3, col3);
      const hiddenDelta = v128.and(f32x4.mul(back, slopeV(hiddenKind, h)), hiddenMask);

      // w_ij ← w_ij - η h_i δ_j (∂L/∂w_ij = h_i δ_j), b_j ← b_j - η δ_j
      const hm = v128.and(h, hiddenMask);
      // Rows past the layer's inputs stay zero (their inputs are zero): they are only updated where they exist.
      const nextBias2 = f32x4.sub(bias2, f32x4.mul(rate, outputDelta));
      const nextOut0 = descend(out0, rate, h0, outputDelta);
      let nextOut1 = out1, nextOut2 = out2, nextOut3 = out3;
      if (hidden > 1) nextOut1 = descend(out1, rate, h1, outputDelta);
      if (hidden > 2) nextOut2 = descend(out2, rate, h2, outputDelta);
      if (hidden > 3) nextOut3 = descend(out3, rate, h3, outputDelta);
      const nextBias1 = f32x4.sub(bias1, f32x4.mul(rate, hiddenDelta));
      const nextIn0 = descend(in0, rate, x0, hiddenDelta);
      let nextIn1 = in1, nextIn2 = in2, nextIn3 = in3;
      if (inputs > 1) nextIn1 = descend(in1, rate, x1, hiddenDelta);
      if (inputs > 2) nextIn2 = descend(in2, rate, x2, hiddenDelta);
      if (inputs > 3) nextIn3 = descend(in3, rate, x3, hiddenDelta);
      // All or nothing: the loss (y and t) and every new weight must be finite. Their sum is finite when they
      // all are (a sum that overflows is rechecked value by value), so one product with 0 tests them all.
      const sum = f32x4.add(
        f32x4.add(f32x4.add(y, target), f32x4.add(nextBias1, nextBias2)),
        f32x4.add(
          f32x4.add(f32x4.add(nextOut0, nextOut1), f32x4.add(nextOut2, nextOut3)),
          f32x4.add(f32x4.add(nextIn0, nextIn1), f32x4.add(nextIn2, nextIn3))));
      if (!allFinite(sum) && !(
        allFinite(y) && allFinite(target) && allFinite(nextBias1) && allFinite(nextBias2)
        && allFinite(nextOut0) && allFinite(nextOut1) && allFinite(nextOut2) && allFinite(nextOut3)
        && allFinite(nextIn0) && allFinite(nextIn1) && allFinite(nextIn2) && allFinite(nextIn3))) {
        diverged = true;
        break;
      }
      // The columns get the same products, so they stay equal to the rows' transposition.
      col0 = descend(col0, rate, hm, d0);
      if (outputs > 1) col1 = descend(col1, rate, hm, d1);
      if (outputs > 2) col2 = descend(col2, rate, hm, d2);
      if (outputs > 3) col3 = descend(col3, rate, hm, d3);
      out0 = nextOut0; out1 = nextOut1; out2 = nextOut2; out3 = nextOut3; bias2 = nextBias2;
      in0 = nextIn0; in1 = nextIn1; in2 = nextIn2; in3 = nextIn3; bias1 = nextBias1;
      loss += 0.5 * squares;
    }
    steps += <f64>done;
    if (losses) store<f64>(losses + (<usize>epoch << 3), loss);
    if (diverged) break;
  }
  if (inputs > 0) storeRow(w1, in0, hidden);
  if (inputs > 1) storeRow(w1 + (<usize>hidden << 2), in1, hidden);
  if (inputs > 2) storeRow(w1 + (<usize>(2 * hidden) << 2), in2, hidden);
  if (inputs > 3) storeRow(w1 + (<usize>(3 * hidden) << 2), in3, hidden);
  storeRow(b1, bias1, hidden);
  storeRow(w2, out0, outputs);
  if (hidden > 1) storeRow(w2 + (<usize>outputs << 2), out1, outputs);
  if (hidden > 2) storeRow(w2 + (<usize>(2 * outputs) << 2), out2, outputs);
  if (hidden > 3) storeRow(w2 + (<usize>(3 * outputs) << 2), out3, outputs);
  storeRow(b2, bias2, outputs);
  storeStep(desc, loadStep(desc) + steps);
  store<f64>(result, diverged ? 1 : 0, 8);
  if (losses) {
    store<f64>(result, <f64>done);
    return epoch;
  }
  store<f64>(result, loss);
  return done;
}
