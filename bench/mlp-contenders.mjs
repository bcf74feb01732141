/**
 * The contenders of an MLP training workload. Each is a factory
 * `create(spec, data, parameters)` returning the object the harness drives:
 *
 *   run(reps)  trains `reps` epochs over the whole dataset, in data order
 *   check()    the mean loss over the whole dataset, forward only
 *   dispose()
 *
 * All start from the same initial parameters and see the same batches in the
 * same order, so after the same number of epochs their losses must agree up
 * to float rounding: the bench uses that as a cross-check of the arithmetic.
 * To add a contender, append a factory to MLP_CONTENDERS.
 *
 * PREDICT_CONTENDERS are the inference side: `create(spec, data, parameters,
 * maxRows)` returns { predict(x, rows) → outputs, dispose() }, where x is a
 * row-major Float32Array of `rows` samples (the data a caller would hold).
 */
import { sequential, dense, sgd } from '../build/index.node.js';
import { PureJsMlp, PureJs232 } from './pure-js-mlp.mjs';
import { tfjsFit, tfjsHandForward, tfjsPredict, tfjsStep } from './tfjs-contenders.mjs';
import { ortPredict } from './onnx-contenders.mjs';
import { jaxStep } from './jax-contenders.mjs';
import { rowBatches } from './data.mjs';

function wasmgradNetwork(spec, backend) {
  return sequential({
    inputSize: spec.inputSize,
    layers: spec.units.map((units) => dense(units, { activation: 'sigmoid' })),
    loss: 'l2',
    optimizer: sgd({ learningRate: spec.learningRate }),
    seed: spec.seed,
    backend,
  });
}

/** The shared starting point: wasmgrad's own seeded initialisation, as flat Float32Arrays. */
export function initialParameters(spec) {
  const net = wasmgradNetwork(spec, 'wasm');
  try {
    return net.getWeights().map(({ weights, bias }) => ({
      weights: Float32Array.from(weights.flat()),
      bias: Float32Array.from(bias),
    }));
  } finally {
    net.dispose();
  }
}

function wasmgrad(backend) {
  return {
    name: `wasmgrad ${backend}`,
    create(spec, data, parameters) {
      const net = wasmgradNetwork(spec, backend);
      net.setWeights(parameters);
      // shuffle: false so every contender sees the same batches in the same order.
      const options = { batchSize: spec.batchSize, shuffle: false };
      return {
        run(reps) {
          net.fitSync(data.x, data.t, { ...options, epochs: reps });
        },
        check: () => net.evaluate(data.x, data.t).loss,
        dispose: () => net.dispose(),
      };
    },
  };
}

const pureJs = {
  name: 'pure JS',
  create(spec, data, parameters) {
    const mlp = new PureJsMlp({
      inputSize: spec.inputSize, units: spec.units, learningRate: spec.learningRate,
      batchSize: spec.batchSize, parameters,
    });
    return {
      run(reps) {
        mlp.train(data.x, data.t, data.samples, reps);
      },
      check: () => mlp.evaluate(data.x, data.t, data.samples),
      dispose() {},
    };
  },
};

/** W1 only: the seed network written out by hand, the fastest pure JS we know for it. */
export const pureJs232 = {
  name: 'pure JS 2-3-2 unrolled',
  create(spec, data, parameters) {
    const mlp = new PureJs232({ learningRate: spec.learningRate, parameters });
    return {
      run(reps) {
        mlp.train(data.x, data.t, data.samples, reps);
      },
      check: () => mlp.evaluate(data.x, data.t, data.samples),
      dispose() {},
    };
  },
};

/** The names ratios are taken against. */
export const MLP_BASELINE = pureJs.name;
export const TFJS_FIT = tfjsFit.name;
export const TFJS_STEP = tfjsStep.name;
export const TFJS_PREDICT = tfjsPredict.name;
export const TFJS_HAND_FORWARD = tfjsHandForward.name;
export const ORT = ortPredict.name;
export const JAX_STEP = jaxStep.name;

/** Training contenders not in every workload (jaxStep: W2; left out where jax-js cannot run, see bench/jax-contenders.mjs). */
export { jaxStep };

/**
 * net.fitDataset over the same data as in-memory batches (row-major subarrays, no copy before fitDataset
 * copies each into linear memory), in the order wasmgrad wasm's fitSync trains them (shuffle off): issue 14's
 * target is ≥ 0.8× fit's samples/s (fit and fitSync are within a few % of each other).
 */
export const FIT_DATASET = 'wasmgrad wasm fitDataset';
export const wasmgradFitDataset = {
  name: FIT_DATASET,
  create(spec, data, parameters) {
    const net = wasmgradNetwork(spec, 'wasm');
    net.setWeights(parameters);
    const batches = rowBatches(data, spec.batchSize);
    return {
      run: (reps) => net.fitDataset(batches, { epochs: reps }),
      check: () => net.evaluate(data.x, data.t).loss,
      dispose: () => net.dispose(),
    };
  },
};

export const MLP_CONTENDERS = [wasmgrad('wasm'), wasmgrad('js'), pureJs, tfjsFit, tfjsStep];

function wasmgradPredict(backend) {
  return {
    name: `wasmgrad ${backend}`,
    create(spec, data, parameters, maxRows) {
      const net = wasmgradNetwork(spec, backend);
      net.setWeights(parameters);
      // predict(x, out) writes into a buffer the caller keeps, as pure JS returns its own buffer.
      const out = new Float32Array(maxRows * spec.units.at(-1));
      return {
        predict: (x, rows) => net.predict(x, rows * spec.units.at(-1) === out.length ? out : out.subarray(0, rows * spec.units.at(-1))),
        dispose: () => net.dispose(),
      };
    },
  };
}

const pureJsPredict = {
  name: 'pure JS',
  create(spec, data, parameters, maxRows) {
    const mlp = new PureJsMlp({
      inputSize: spec.inputSize, units: spec.units, learningRate: spec.learningRate, batchSize: maxRows, parameters,
    });
    // Returns its own activation buffer (no copy): a hand-written forward pass needs none.
    return { predict: (x, rows) => mlp.forward(x, 0, rows), dispose() {} };
  },
};

export const PREDICT_CONTENDERS = {
  wasm: wasmgradPredict('wasm'), js: wasmgradPredict('js'), pureJs: pureJsPredict, tfjs: tfjsPredict,
  tfjsHand: tfjsHandForward, ort: ortPredict,
};

/**
 * W1-small (issue 13's small-data case): `fit(X4, T4, { epochs, batchSize: 1 })`
 * on the W1 network, every other option at its default (shuffle on, gradient
 * norms on, the history kept), through the async `fit` or `fitSync`. One rep
 * is one such call: what a user training on a handful of samples pays,
 * per-epoch bookkeeping included. `name` tells apart a contender given other
 * data (the same call over W1's 4,096 samples, the regime it is set against).
 */
export function wasmgradSmallData(method, epochs, name = `wasmgrad wasm ${method}`) {
  return {
    name,
    create(spec, data, parameters) {
      const net = wasmgradNetwork(spec, 'wasm');
      net.setWeights(parameters);
      const options = { epochs, batchSize: 1 };
      return {
        run: method === 'fit'
          ? async (reps) => { for (let r = 0; r < reps; r++) await net.fit(data.x, data.t, options); }
          : (reps) => { for (let r = 0; r < reps; r++) net.fitSync(data.x, data.t, options); },
        check: () => net.evaluate(data.x, data.t).loss,
        dispose: () => net.dispose(),
      };
    },
  };
}
