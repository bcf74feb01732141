/**
 * TensorFlow.js contenders on its WebAssembly backend (XNNPACK kernels, wasm
 * SIMD), written the way a competent tfjs user would: a tf.sequential trained
 * with model.fit, and a hand-written step with optimizer.minimize. Same
 * arithmetic as the other contenders: dense layers a = x·W + b (W in×out, the
 * layout tfjs's Dense kernel uses too), sigmoid everywhere, loss
 * 1/2 Σ_j (y_j - t_j)² averaged over the batch, plain SGD, batches in data
 * order, and the same initial weights (setWeights / variables).
 *
 * Threads: tfjs-backend-wasm only loads its threaded binary where
 * WASM_HAS_MULTITHREAD_SUPPORT is true, and in Node that flag is hard-wired
 * to false (tfjs issue #3830), so it runs the single-threaded SIMD binary;
 * setThreadsCount(1) is set as well, so it stays single-threaded should that
 * ever change. initTfjs() reports what was actually loaded.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export { tf };

/** Must run before any tfjs contender is created. Returns what the table footer reports. */
export async function initTfjs() {
  setThreadsCount(1); // must precede setBackend; the wasm files load from node_modules offline as they are
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: the wasm backend failed to initialise');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threadsSupported = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return {
    version: tf.version.tfjs,
    backend: tf.getBackend(),
    threads: getThreadsCount(),
    binary: simd && threadsSupported ? 'tfjs-backend-wasm-threaded-simd.wasm' : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm',
  };
}

/**
 * Fails loudly if a contender leaks tensors between checks: a leak would
 * both skew the timings (allocation growth) and mean the code is not what a
 * competent user would write. The count is tfjs-wide, so the baseline is
 * taken at the first check, when every contender of the workload (several
 * may be tfjs ones) has been created.
 */
function leakGuard(name) {
  let base = null;
  return () => {
    const now = tf.memory().numTensors;
    base ??= now;
    if (now !== base) throw new Error(`${name}: tfjs tensor count went from ${base} to ${now} (leak)`);
  };
}

/** Mean of 1/2 Σ_j (y - t)² over rows, summed in float64 like the other contenders' evaluate. */
function meanL2(y, t, samples) {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const e = y[i] - t[i];
    sum += 0.5 * e * e;
  }
  return sum / samples;
}

/** Per-sample loss for model.compile; tfjs-layers averages it over the batch. */
function halfSumSquares(yTrue, yPred) {
  return tf.tidy(() => tf.mul(0.5, tf.sum(tf.squaredDifference(yPred, yTrue), -1)));
}

function sequentialModel(spec, parameters) {
  const model = tf.sequential();
  spec.units.forEach((units, l) => model.add(tf.layers.dense({
    units, activation: 'sigmoid', ...(l === 0 ? { inputShape: [spec.inputSize] } : {}),
  })));
  const tensors = parameters.flatMap(({ weights, bias }, l) => [
    tf.tensor2d(weights, [l === 0 ? spec.inputSize : spec.units[l - 1], spec.units[l]]),
    tf.tensor1d(bias),
  ]);
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

/** (a) Keras-style: model.compile + model.fit on the whole dataset as tensors. */
export const tfjsFit = {
  name: 'tfjs fit',
  create(spec, data, parameters) {
    const model = sequentialModel(spec, parameters);
    model.compile({ optimizer: tf.train.sgd(spec.learningRate), loss: halfSumSquares });
    const x = tf.tensor2d(data.x, [data.samples, spec.inputSize]);
    const t = tf.tensor2d(data.t, [data.samples, data.outputs]);
    const predictOptions = { batchSize: Math.max(spec.batchSize, 256) };
    let guard = null;
    return {
      async run(reps) {
        // Defaults otherwise, as a user would leave them: yieldEvery 'auto' yields to the event loop
        // (setImmediate in Node) at most every 125 ms, a negligible cost next to the training.
        await model.fit(x, t, { batchSize: spec.batchSize, epochs: reps, shuffle: false, verbose: 0 });
        guard ??= leakGuard('tfjs fit'); // after the first fit: it creates the optimizer's state once
      },
      check() {
        guard?.();
        const y = tf.tidy(() => model.predict(x, predictOptions).dataSync());
        return meanL2(y, data.t, data.samples);
      },
      dispose() { tf.dispose([x, t]); model.optimizer.dispose(); model.dispose(); },
    };
  },
};

/** Forward pass over tf.variables: sigmoid(x·W + b) per layer. */
function forward(vars, x) {
  let a = x;
  for (let l = 0; l < vars.length; l += 2) a = tf.sigmoid(tf.add(tf.matMul(a, vars[l]), vars[l + 1]));
  return a;
}

/**
 * (b) A hand-written training step: variables, the loss as a closure, and
 * optimizer.minimize (tfjs's own autodiff + SGD update), over batches sliced
 * into tensors once up front so the timed loop is only training.
 */
export const tfjsStep = {
  name: 'tfjs step',
  create(spec, data, parameters) {
    const vars = parameters.flatMap(({ weights, bias }, l) => [
      tf.variable(tf.tensor2d(weights, [l === 0 ? spec.inputSize : spec.units[l - 1], spec.units[l]])),
      tf.variable(tf.tensor1d(bias)),
    ]);
    const optimizer = tf.train.sgd(spec.learningRate);
    const batches = [];
    for (let row = 0; row < data.samples; row += spec.batchSize) {
      const rows = Math.min(spec.batchSize, data.samples - row);
      batches.push({
        rows,
        x: tf.tensor2d(data.x.subarray(row * spec.inputSize, (row + rows) * spec.inputSize), [rows, spec.inputSize]),
        t: tf.tensor2d(data.t.subarray(row * data.outputs, (row + rows) * data.outputs), [rows, data.outputs]),
      });
    }
    const loss = ({ rows, x, t }) => tf.mul(tf.sum(tf.squaredDifference(forward(vars, x), t)), 0.5 / rows);
    const guard = leakGuard('tfjs step');
    return {
      run(reps) {
        for (let e = 0; e < reps; e++) {
          for (const batch of batches) optimizer.minimize(() => loss(batch), false, vars);
        }
      },
      check() {
        guard();
        const y = tf.tidy(() => tf.concat(batches.map((b) => forward(vars, b.x))).dataSync());
        return meanL2(y, data.t, data.samples);
      },
      dispose() { tf.dispose([...vars, ...batches.flatMap((b) => [b.x, b.t])]); optimizer.dispose(); },
    };
  },
};

/**
 * Inference: Float32Array rows in, Float32Array outputs out, the same contract
 * as the other predict contenders (so the tensor upload and the read-back are
 * part of the cost, as they are for any tfjs caller holding plain arrays).
 * batchSize is passed so tfjs runs the rows as one batch instead of its
 * default chunks of 32.
 */
export const tfjsPredict = {
  name: 'tfjs predict',
  create(spec, data, parameters) {
    const model = sequentialModel(spec, parameters);
    const guard = leakGuard('tfjs predict');
    return {
      predict(x, rows) {
        return tf.tidy(() => model.predict(tf.tensor2d(x, [rows, spec.inputSize]), { batchSize: rows }).dataSync());
      },
      check: guard,
      dispose() { model.dispose(); },
    };
  },
};

/**
 * TF.js's fastest inference path we know: the forward pass written by hand
 * (tf.matMul + tf.add + tf.sigmoid per layer) over weight tensors kept
 * resident, skipping tf.LayersModel's per-call bookkeeping (input checks,
 * symbolic execution, batching). Same contract as tfjsPredict: the rows are
 * uploaded and the outputs read back on every call, inside tf.tidy.
 */
export const tfjsHandForward = {
  name: 'tfjs hand forward',
  create(spec, data, parameters) {
    const layers = parameters.map(({ weights, bias }, l) => ({
      w: tf.tensor2d(weights, [l === 0 ? spec.inputSize : spec.units[l - 1], spec.units[l]]),
      b: tf.tensor1d(bias),
    }));
    const guard = leakGuard('tfjs hand forward');
    return {
      predict(x, rows) {
        return tf.tidy(() => {
          let a = tf.tensor2d(x, [rows, spec.inputSize]);
          for (const { w, b } of layers) a = tf.sigmoid(tf.add(tf.matMul(a, w), b));
          return a.dataSync();
        });
      },
      check: guard,
      dispose() { tf.dispose(layers.flatMap(({ w, b }) => [w, b])); },
    };
  },
};
