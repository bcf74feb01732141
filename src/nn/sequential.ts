import { BACKEND_NAMES, type BackendName } from '../backend/backend.js';
import { LOSSES, type Loss } from '../backend/kinds.js';
import { checkDense, type DenseLayer } from './layers.js';
import { Network, type NetworkConfig } from './network.js';
import { isInitialized, runtime } from '../runtime.js';

/** 'wasm', or 'js' when init({ backend: 'js' }) ran. */
function defaultBackend() {
  return isInitialized() ? runtime().defaultBackend : 'wasm';
}
import { checkOptimizer, sgd, type Optimizer } from './optimizers.js';
import { argumentError, oneOf, plainObject, positiveInteger } from './validate.js';

export interface SequentialConfig {
  /** Values per input sample. */
  inputSize: number;
  /** The layers, first to last, e.g. `[dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })]`. */
  layers: readonly DenseLayer[];
  /** Default 'l2', the seed's L = 1/2 Σ (y - t)², averaged over the batch. */
  loss?: Loss;
  /** Default `sgd({ learningRate: 0.01 })`. */
  optimizer?: Optimizer;
  /** Seeds weight initialisation and shuffling; same seed, same backend, same data → identical weights. Default: random (see `net.seed`). */
  seed?: number;
  /** 'wasm' (default, SIMD kernels) or 'js' (the pure-TypeScript reference kernels). */
  backend?: BackendName;
}

const KNOWN_KEYS = ['inputSize', 'layers', 'loss', 'optimizer', 'seed', 'backend'];

/** Checks a network definition; the error names the first wrong field. */
export function checkConfig(where: string, value: unknown): NetworkConfig {
  const config = plainObject(where, 'config', value);
  for (const key of Object.keys(config)) {
    if (!KNOWN_KEYS.includes(key)) throw argumentError(where, `config.${key}`, `absent (known fields: ${KNOWN_KEYS.join(', ')})`, config[key]);
  }
  const inputSize = positiveInteger(where, 'config.inputSize', config.inputSize);
  if (!Array.isArray(config.layers) || config.layers.length === 0) {
    throw argumentError(where, 'config.layers', 'a non-empty array of layers such as dense(3)', config.layers);
  }
  const layers = config.layers.map((layer, l) => checkDense(where, `config.layers[${l}]`, layer));
  if (layers[layers.length - 1].dropout > 0) {
    throw new RangeError(`${where}: config.layers[${layers.length - 1}].dropout must be 0: dropout on the last layer would drop outputs`);
  }
  layers.forEach((layer, l) => {
    if (l === layers.length - 1) return;
    if (layer.activation === 'softmax') {
      throw new RangeError(`${where}: config.layers[${l}].activation is "softmax", which is only supported on the last layer (it couples a row's units)`);
    }
  });
  const loss = oneOf(where, 'config.loss', config.loss ?? 'l2', LOSSES);
  const optimizer = checkOptimizer(where, 'config.optimizer', config.optimizer ?? sgd());
  let seed: number;
  if (config.seed === undefined) seed = Math.floor(Math.random() * 2 ** 32);
  else if (typeof config.seed === 'number' && Number.isInteger(config.seed) && config.seed >= 0 && config.seed < 2 ** 32) seed = config.seed;
  else throw argumentError(where, 'config.seed', 'an integer in [0, 2^32)', config.seed);
  const backend = oneOf(where, 'config.backend', config.backend ?? defaultBackend(), BACKEND_NAMES);
  return { inputSize, layers, loss, optimizer, seed, backend };
}

/** Builds a network of dense layers, trained by backpropagation. Requires `await init()` first. */
export function sequential(config: SequentialConfig): Network {
  return new Network(checkConfig('sequential', config));
}
