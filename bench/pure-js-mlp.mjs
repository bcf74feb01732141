/**
 * The baseline: a sigmoid MLP trained by minibatch SGD on the L2 loss, written
 * the way a competent JS developer would without any library. Same arithmetic
 * as wasmgrad (a = x·W + b with W in×out row-major, L = 1/2 Σ_j (y_j - t_j)²
 * averaged over the batch, w ← w - η ∂L/∂w once per batch, batches taken in
 * data order), so the only difference a benchmark can see is speed.
 *
 * Optimisations an honest baseline should have: flat Float32Arrays, every
 * buffer allocated once up front (nothing allocated per sample or per batch),
 * i-k-j loop order so the inner loop walks contiguous memory, data addressed
 * by offset instead of sliced, and for batches of one the online form of SGD
 * (weights updated in the backward pass, no gradient arrays). Nothing clever beyond that (no SIMD, no
 * workers, no float64 tricks): that is the point of the comparison.
 */

const sigmoid = (z) => 1 / (1 + Math.exp(-z));

export class PureJsMlp {
  /**
   * @param {object} o
   * @param {number} o.inputSize
   * @param {number[]} o.units units per layer, first to last (all sigmoid)
   * @param {number} o.learningRate
   * @param {number} o.batchSize the most rows per batch (buffers are sized for it)
   * @param {{ weights: Float32Array, bias: Float32Array }[]} o.parameters initial W (in×out) and b per layer
   */
  constructor({ inputSize, units, learningRate, batchSize, parameters }) {
    this.inputSize = inputSize;
    this.learningRate = learningRate;
    this.batchSize = batchSize;
    this.layers = units.map((out, l) => {
      const inSize = l === 0 ? inputSize : units[l - 1];
      const { weights, bias } = parameters[l];
      if (weights.length !== inSize * out || bias.length !== out) throw new RangeError(`layer ${l}: parameter shape mismatch`);
      return {
        inSize, out,
        w: Float32Array.from(weights), b: Float32Array.from(bias),
        gw: new Float32Array(inSize * out), gb: new Float32Array(out),
        a: new Float32Array(batchSize * out), // activations of this layer
        d: new Float32Array(batchSize * out), // ∂L/∂z of this layer
      };
    });
    this.outputSize = units[units.length - 1];
  }

  /** Forward pass of `rows` rows of x starting at row `row`; leaves activations in each layer's `a`. */
  forward(x, row, rows) {
    let input = x, inOffset = row * this.inputSize;
    for (const layer of this.layers) {
      const { inSize, out, w, b, a } = layer;
      for (let r = 0; r < rows; r++) {
        const ar = r * out, xr = inOffset + r * inSize;
        for (let j = 0; j < out; j++) a[ar + j] = b[j];
        for (let k = 0; k < inSize; k++) {
          const xk = input[xr + k], wk = k * out;
          for (let j = 0; j < out; j++) a[ar + j] += xk * w[wk + j];
        }
        for (let j = 0; j < out; j++) a[ar + j] = sigmoid(a[ar + j]);
      }
      input = a;
      inOffset = 0;
    }
    return input;
  }

  /** Sum over the rows of 1/2 Σ_j (y_j - t_j)², for the rows last run forward. */
  #lossSum(t, row, rows) {
    const y = this.layers[this.layers.length - 1].a, n = this.outputSize, t0 = row * n;
    let sum = 0;
    for (let i = 0; i < rows * n; i++) {
      const e = y[i] - t[t0 + i];
      sum += 0.5 * e * e;
    }
    return sum;
  }

  /**
   * One SGD step on the single row `row` (batch size 1): no gradient arrays,
   * each weight is updated where its gradient is formed, once the delta of
   * the layer below has been taken from the old weights. Same arithmetic as
   * trainBatch with rows = 1, without its zeroing and second pass.
   */
  trainSample(x, t, row) {
    const layers = this.layers, lr = this.learningRate;
    const loss = this.#forwardToOutputDelta(x, t, row, 1);
    for (let l = layers.length - 1; l >= 0; l--) {
      const { inSize, out, w, b, d } = layers[l];
      const input = l === 0 ? x : layers[l - 1].a;
      const inOffset = l === 0 ? row * this.inputSize : 0;
      if (l > 0) this.#deltaBelow(l, 1);
      for (let k = 0; k < inSize; k++) {
        const xk = input[inOffset + k], wk = k * out;
        for (let j = 0; j < out; j++) w[wk + j] -= lr * (xk * d[j]);
      }
      for (let j = 0; j < out; j++) b[j] -= lr * d[j];
    }
    return loss;
  }

  /**
   * Forward pass of rows [row, row+rows), then the output delta ∂L/∂z =
   * (y - t)/rows · y(1 - y), the 1/rows from the batch mean. Returns the loss
   * sum of those rows.
   */
  #forwardToOutputDelta(x, t, row, rows) {
    this.forward(x, row, rows);
    const loss = this.#lossSum(t, row, rows);
    const top = this.layers[this.layers.length - 1], inv = 1 / rows, n = top.out, t0 = row * n;
    for (let i = 0; i < rows * n; i++) {
      const y = top.a[i];
      top.d[i] = (y - t[t0 + i]) * inv * y * (1 - y);
    }
    return loss;
  }

  /** Layer l-1's delta from layer l's, for `rows` rows: (d·Wᵀ) ⊙ h(1 - h), with W before its update. */
  #deltaBelow(l, rows) {
    const { inSize, out, w, d } = this.layers[l];
    const below = this.layers[l - 1], h = below.a, dh = below.d;
    for (let r = 0; r < rows; r++) {
      const dr = r * out, hr = r * inSize;
      for (let k = 0; k < inSize; k++) {
        const wk = k * out;
        let s = 0;
        for (let j = 0; j < out; j++) s += d[dr + j] * w[wk + j];
        const hk = h[hr + k];
        dh[hr + k] = s * hk * (1 - hk);
      }
    }
  }

  /** One SGD step on rows [row, row+rows); returns the batch's loss sum before the step. */
  trainBatch(x, t, row, rows) {
    if (rows === 1) return this.trainSample(x, t, row);
    const layers = this.layers, lr = this.learningRate;
    const loss = this.#forwardToOutputDelta(x, t, row, rows);
    for (let l = layers.length - 1; l >= 0; l--) {
      const { inSize, out, w, b, gw, gb, d } = layers[l];
      const input = l === 0 ? x : layers[l - 1].a;
      const inOffset = l === 0 ? row * this.inputSize : 0;
      // ∂L/∂W = inputᵀ·d in i-k-j order: one row of gw stays hot while the batch's rows are summed into it.
      for (let k = 0; k < inSize; k++) {
        const gk = k * out;
        for (let j = 0; j < out; j++) gw[gk + j] = 0;
        for (let r = 0; r < rows; r++) {
          const xk = input[inOffset + r * inSize + k], dr = r * out;
          for (let j = 0; j < out; j++) gw[gk + j] += xk * d[dr + j];
        }
      }
      for (let j = 0; j < out; j++) gb[j] = 0;
      for (let r = 0; r < rows; r++) {
        const dr = r * out;
        for (let j = 0; j < out; j++) gb[j] += d[dr + j];
      }
      // The previous layer's delta needs this layer's weights before they are updated.
      if (l > 0) this.#deltaBelow(l, rows);
      for (let i = 0; i < w.length; i++) w[i] -= lr * gw[i];
      for (let j = 0; j < out; j++) b[j] -= lr * gb[j];
    }
    return loss;
  }

  /** `epochs` passes over all samples in data order; returns the mean loss of the last epoch. */
  train(x, t, samples, epochs) {
    let mean = NaN;
    for (let e = 0; e < epochs; e++) {
      let sum = 0;
      for (let row = 0; row < samples; row += this.batchSize) {
        sum += this.trainBatch(x, t, row, Math.min(this.batchSize, samples - row));
      }
      mean = sum / samples;
    }
    return mean;
  }

  /** Mean loss over all samples, forward only, in chunks of batchSize rows. */
  evaluate(x, t, samples) {
    let sum = 0;
    for (let row = 0; row < samples; row += this.batchSize) {
      const rows = Math.min(this.batchSize, samples - row);
      this.forward(x, row, rows);
      sum += this.#lossSum(t, row, rows);
    }
    return sum / samples;
  }
}

/**
 * The strongest pure-JS baseline for the seed's 2-3-2 network: one sample at
 * a time with every loop bound a constant and the weights in typed arrays, as
 * a developer who wrote only this network would write it. Same arithmetic as
 * PureJsMlp (L2, w ← w - η·(h_i δ_j), deltas from the weights before the step).
 */
export class PureJs232 {
  constructor({ learningRate, parameters }) {
    const [first, second] = parameters;
    if (parameters.length !== 2 || first.weights.length !== 6 || second.weights.length !== 6) {
      throw new RangeError('PureJs232 is the 2-3-2 network only');
    }
    this.learningRate = learningRate;
    this.w1 = Float32Array.from(first.weights);
    this.b1 = Float32Array.from(first.bias);
    this.w2 = Float32Array.from(second.weights);
    this.b2 = Float32Array.from(second.bias);
    this.h = new Float32Array(3);
    this.y = new Float32Array(2);
    this.dh = new Float32Array(3);
    this.dy = new Float32Array(2);
  }

  /** `epochs` passes over the samples in data order; returns the mean loss of the last epoch. */
  train(x, t, samples, epochs) {
    const { w1, b1, w2, b2, h, y, dh, dy, learningRate: lr } = this;
    let mean = NaN;
    for (let e = 0; e < epochs; e++) {
      let sum = 0;
      for (let r = 0; r < samples; r++) {
        const x0 = x[2 * r], x1 = x[2 * r + 1];
        for (let j = 0; j < 3; j++) h[j] = sigmoid(x0 * w1[j] + x1 * w1[3 + j] + b1[j]);
        for (let j = 0; j < 2; j++) y[j] = sigmoid(h[0] * w2[j] + h[1] * w2[2 + j] + h[2] * w2[4 + j] + b2[j]);
        for (let j = 0; j < 2; j++) {
          const err = y[j] - t[2 * r + j];
          sum += 0.5 * err * err;
          dy[j] = err * y[j] * (1 - y[j]);
        }
        for (let i = 0; i < 3; i++) dh[i] = (dy[0] * w2[2 * i] + dy[1] * w2[2 * i + 1]) * h[i] * (1 - h[i]);
        for (let i = 0; i < 3; i++) for (let j = 0; j < 2; j++) w2[2 * i + j] -= lr * (h[i] * dy[j]);
        for (let j = 0; j < 2; j++) b2[j] -= lr * dy[j];
        for (let j = 0; j < 3; j++) {
          w1[j] -= lr * (x0 * dh[j]);
          w1[3 + j] -= lr * (x1 * dh[j]);
          b1[j] -= lr * dh[j];
        }
      }
      mean = sum / samples;
    }
    return mean;
  }

  /** Mean loss over all samples, forward only. */
  evaluate(x, t, samples) {
    const { w1, b1, w2, b2 } = this;
    let sum = 0;
    for (let r = 0; r < samples; r++) {
      const x0 = x[2 * r], x1 = x[2 * r + 1];
      const h0 = Math.fround(sigmoid(x0 * w1[0] + x1 * w1[3] + b1[0]));
      const h1 = Math.fround(sigmoid(x0 * w1[1] + x1 * w1[4] + b1[1]));
      const h2 = Math.fround(sigmoid(x0 * w1[2] + x1 * w1[5] + b1[2]));
      for (let j = 0; j < 2; j++) {
        const err = Math.fround(sigmoid(h0 * w2[j] + h1 * w2[2 + j] + h2 * w2[4 + j] + b2[j])) - t[2 * r + j];
        sum += 0.5 * err * err;
      }
    }
    return sum / samples;
  }
}
