/**
 * What a Network is built from, checked: the definition (`sequential`'s
 * config), and, when a saved network is rebuilt, its parameters and optimizer
 * state. Every path that builds a network (sequential, fromJSON, fromTfjs,
 * `new Network`) goes through these checks before any memory is taken.
 */
import { BACKEND_NAMES } from '../backend/backend.js';
import { LOSSES, activationInfo, classIndexLoss } from '../backend/kinds.js';
import { codedError, shapeError, unsupportedError } from '../errors.js';
import { defaultBackend } from '../runtime.js';
import { toFloat32Vector, toMatrix } from './data.js';
import { checkDense, type DenseLayer } from './layers.js';
import type { LayerPlan } from './layout.js';
import { checkOptimizer, isLearningRateMultiplier, sgd, stateArrays } from './optimizers.js';
import type { NetworkConfig } from './network-types.js';
import { argumentError, holeError, oneOf, orDefault, plainObject, positiveInteger, rejectUnknownKeys } from './validate.js';

const KNOWN_KEYS = ['inputSize', 'layers', 'loss', 'optimizer', 'seed', 'backend'];

/** Checks a network definition; the error names the first wrong field. Absent fields take their defaults; null ones are refused. */
export function checkConfig(where: string, value: unknown): NetworkConfig {
  const config = plainObject(where, 'config', value);
  rejectUnknownKeys(where, 'config', config, KNOWN_KEYS, 'field');
  const inputSize = positiveInteger(where, 'config.inputSize', config.inputSize);
  const layers = checkLayers(where, config.layers);
  const loss = oneOf(where, 'config.loss', orDefault(config.loss, 'l2'), LOSSES);
  // A class index scores one output as a probability: only a row-wise softmax makes the outputs class probabilities.
  const needs = classIndexLoss(loss)?.outputActivation;
  const last = layers.length - 1;
  if (needs !== undefined && layers[last].activation !== needs) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: config.loss "${loss}" needs a ${needs} last layer (its outputs are the class `
      + `probabilities the class indices pick from), but config.layers[${last}].activation is "${layers[last].activation}"`, 'RangeError');
  }
  const optimizer = checkOptimizer(where, 'config.optimizer', orDefault(config.optimizer, sgd()));
  let seed: number;
  if (config.seed === undefined) seed = Math.floor(Math.random() * 2 ** 32);
  else if (typeof config.seed === 'number' && Number.isInteger(config.seed) && config.seed >= 0 && config.seed < 2 ** 32) seed = config.seed;
  else throw argumentError(where, 'config.seed', 'an integer in [0, 2^32)', config.seed);
  const backend = oneOf(where, 'config.backend', orDefault(config.backend, defaultBackend()), BACKEND_NAMES);
  // Said here, at construction, rather than by the first kernel call under a kernel's name.
  if (backend === 'wasm' && defaultBackend() === 'js') {
    throw unsupportedError(`${where}: config.backend is "wasm", but init({ backend: 'js' }) loaded no WebAssembly; `
      + 'use backend: \'js\' (the default under it), or init() without backend: \'js\'');
  }
  return Object.freeze({ inputSize, layers, loss, optimizer, seed, backend });
}

/** The layers, each checked; an index loop, as map() would skip a sparse array's holes. */
function checkLayers(where: string, value: unknown): readonly DenseLayer[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw argumentError(where, 'config.layers', 'a non-empty array of layers such as dense(3)', value);
  }
  const layers: DenseLayer[] = [];
  for (let l = 0; l < value.length; l++) {
    if (!(l in value)) throw holeError(where, `config.layers[${l}]`, 'a layer such as dense(3)');
    layers.push(checkDense(where, `config.layers[${l}]`, value[l]));
  }
  const last = layers.length - 1;
  if (layers[last].dropout > 0) {
    throw codedError('WASMGRAD_INVALID_ARGUMENT', `${where}: config.layers[${last}].dropout must be 0: dropout on the last layer would drop outputs`, 'RangeError');
  }
  for (let l = 0; l < last; l++) {
    if (activationInfo(layers[l].activation).lastLayerOnly) {
      throw codedError('WASMGRAD_INVALID_ARGUMENT',
        `${where}: config.layers[${l}].activation is "${layers[l].activation}", which is only supported on the last layer (it couples a row's units)`, 'RangeError');
    }
  }
  return Object.freeze(layers);
}

/** Per layer [W (in×out), b], as fromJSON and fromTfjs pass them: each a Float32Array of the right length, every value finite. */
export function checkParameters(where: string, value: unknown, config: NetworkConfig): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length !== config.layers.length) {
    throw argumentError(where, 'parameters', `an array of ${config.layers.length} [weights, bias] Float32Array pairs, one per layer`, value);
  }
  let inSize = config.inputSize;
  for (let l = 0; l < config.layers.length; l++) {
    const units = config.layers[l].units;
    const pair: unknown = value[l];
    if (!Array.isArray(pair) || pair.length !== 2) throw argumentError(where, `parameters[${l}]`, 'a [weights, bias] pair of Float32Arrays', pair);
    finiteFloats(where, `parameters[${l}][0]`, pair[0], inSize * units, `${inSize}×${units} weights`);
    finiteFloats(where, `parameters[${l}][1]`, pair[1], units, `${units} biases`);
    inSize = units;
  }
}

/** The optimizer's saved progress: a whole number of steps and epochs, and state arrays the optimizer keeps. */
export function checkRestoredState(where: string, value: unknown, config: NetworkConfig, paramCount: number): void {
  if (value === undefined) return;
  const state = plainObject(where, 'optimizerState', value);
  for (const key of ['step', 'epoch']) {
    const n = key === 'epoch' ? orDefault(state.epoch, 0) : state[key];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw argumentError(where, `optimizerState.${key}`, 'a non-negative integer', n);
  }
  const m = state.learningRateMultiplier;
  if (m !== undefined && !isLearningRateMultiplier(m)) {
    throw argumentError(where, 'optimizerState.learningRateMultiplier', 'a number > 0 that float32 holds', m);
  }
  const arrays = stateArrays(config.optimizer);
  (['state1', 'state2'] as const).forEach((key, i) => {
    if (state[key] === undefined) return; // absent: zeros, a fresh optimizer
    if (i >= arrays) throw argumentError(where, `optimizerState.${key}`, `absent: a ${config.optimizer.type} optimizer keeps ${arrays} state arrays`, state[key]);
    const values = finiteFloats(where, `optimizerState.${key}`, state[key], paramCount, 'one value per parameter');
    // Mean squares (RMSProp's only array, Adam's second) are never negative: a negative one would make √v NaN.
    const meanSquares = config.optimizer.type === 'rmsprop' || (config.optimizer.type === 'adam' && key === 'state2');
    const negative = meanSquares ? values.findIndex((v) => v < 0) : -1;
    if (negative >= 0) throw argumentError(where, `optimizerState.${key}[${negative}]`, 'a mean square ≥ 0', values[negative]);
  });
}

/** setWeights' argument: per layer { weights (in rows × out), bias (out) }, every value a float32; all checked before any is written. */
export function checkLayerWeights(where: string, value: unknown, plans: readonly LayerPlan[]): (readonly [Float32Array, Float32Array])[] {
  if (!Array.isArray(value) || value.length !== plans.length) {
    throw argumentError(where, 'layers', `an array of ${plans.length} { weights, bias } entries, one per layer`, value);
  }
  return plans.map((plan, l) => {
    if (!(l in value)) throw holeError(where, `layers[${l}]`, 'a { weights, bias } object');
    const entry = plainObject(where, `layers[${l}]`, value[l]);
    const w = toMatrix(where, `layers[${l}].weights`, entry.weights, plan.outSize, `layer ${l} has ${plan.outSize} units`);
    if (w.rows !== plan.inSize) {
      throw shapeError(`${where}: layers[${l}].weights must have ${plan.inSize} rows (the layer's inputs), got ${w.rows}`);
    }
    return [w.data, toFloat32Vector(where, `layers[${l}].bias`, entry.bias, plan.outSize)] as const;
  });
}

function finiteFloats(where: string, name: string, value: unknown, length: number, meaning: string): Float32Array {
  if (!(value instanceof Float32Array)) throw argumentError(where, name, `a Float32Array of ${length} values (${meaning})`, value);
  if (value.length !== length) throw shapeError(`${where}: ${name} holds ${value.length} values, expected ${length} (${meaning})`);
  for (let i = 0; i < length; i++) {
    if (value[i] - value[i] !== 0) throw argumentError(where, `${name}[${i}]`, 'a finite number', value[i]);
  }
  return value;
}
