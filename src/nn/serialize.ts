/**
 * Reading a network saved in the JSON form (format 1, written by
 * `Network.toJSON`). The binary model file (src/nn/model-file.ts) is the form
 * without a size limit; this one stays for small models and for files written
 * by earlier releases.
 */
import type { BackendName } from '../backend/backend.js';
import { badModelError } from '../errors.js';
import { base64ToFloat32 } from './base64.js';
import { checkConfig } from './config.js';
import { asModelFileError, checkEpoch, checkMultiplier, fieldError, checkSavedValues, checkStep, holdsMeanSquares, type RestoredState } from './model-checks.js';
import { Network } from './network.js';
import type { NetworkConfig } from './network-types.js';
import { stateArrays } from './optimizers.js';
import { oneOf, plainObject } from './validate.js';
import { BACKEND_NAMES } from '../backend/backend.js';

export interface FromJSONOptions {
  /** Backend for the loaded network. Default: the runtime's ('wasm', or 'js' under `init({ backend: 'js' })`). */
  backend?: BackendName;
}

const WHERE = 'fromJSON';

/** A saved network, checked and ready to build: nothing has been allocated yet. */
export interface CheckedModel {
  config: NetworkConfig;
  parameters: [Float32Array, Float32Array][];
  state: RestoredState;
}

/**
 * Rebuilds a network from `toJSON()` output (an object or its JSON text).
 * Everything is checked (format, version, architecture, every weight's count
 * and finiteness, the optimizer's progress and state) before any memory is
 * taken, so a bad file loads nothing; a malformed one throws
 * WASMGRAD_BAD_MODEL_FILE naming the field.
 *
 * The JSON form holds every weight as base64 text, so it serves models up to
 * about 100 million float32 values (weights and optimizer state together; a
 * JavaScript string holds at most 2^29 - 24 characters). For larger models,
 * and for anything written to disk, use `save`/`load` or `toBytes`/`fromBytes`.
 */
export function fromJSON(json: unknown, options: FromJSONOptions = {}): Network {
  const backend = checkBackendOption(WHERE, options);
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (cause) {
      throw badModelError(`${WHERE}: json is not valid JSON (${(cause as Error).message})`, 'SyntaxError', { cause });
    }
  }
  const { config, parameters, state } = checkJSONModel(WHERE, value, backend);
  return new Network(config, parameters, state);
}

/** options.backend, checked (an argument error: the caller's, not the file's). */
export function checkBackendOption(where: string, options: unknown): BackendName | undefined {
  const backend = plainObject(where, 'options', options).backend;
  return backend === undefined ? undefined : oneOf(where, 'options.backend', backend, BACKEND_NAMES);
}

/** Checks a parsed format-1 document; `where` names the caller (fromJSON, fromBytes, load). */
export function checkJSONModel(where: string, value: unknown, backend: BackendName | undefined): CheckedModel {
  const model = asModelFileError(where, 'json', () => plainObject(where, 'json', value));
  if (model.format !== 'wasmgrad-network') throw fieldError(where, 'json.format', '"wasmgrad-network"', model.format);
  if (model.version !== 1) {
    const hint = model.version === 2 ? ' (version 2 is the binary model file: read it with fromBytes() or load())' : '';
    throw fieldError(where, 'json.version', `1 (the version of the JSON form${hint})`, model.version);
  }
  const config = asModelFileError(where, 'json', () => checkConfig(where, {
    inputSize: model.inputSize, layers: model.layers, loss: model.loss, optimizer: model.optimizer, seed: model.seed, backend,
  }));
  if (!Array.isArray(model.weights) || model.weights.length !== config.layers.length) {
    throw fieldError(where, 'json.weights', `an array of ${config.layers.length} { weights, bias } entries, one per layer`, model.weights);
  }
  const weights: unknown[] = model.weights;
  let inSize = config.inputSize;
  const parameters = config.layers.map((layer, l): [Float32Array, Float32Array] => {
    const entry = asModelFileError(where, 'json', () => plainObject(where, `json.weights[${l}]`, weights[l]));
    const w = checkValues(where, `json.weights[${l}].weights`, entry.weights, inSize * layer.units, `${inSize}×${layer.units}`);
    const b = checkValues(where, `json.weights[${l}].bias`, entry.bias, layer.units, `${layer.units}`);
    inSize = layer.units;
    return [w, b];
  });
  const paramCount = parameters.reduce((n, [w, b]) => n + w.length + b.length, 0);
  return { config, parameters, state: checkOptimizerState(where, model.optimizerState, config, paramCount) };
}

/** The optimizer's saved progress: absent means a fresh optimizer. */
function checkOptimizerState(where: string, value: unknown, config: NetworkConfig, paramCount: number): RestoredState {
  if (value === undefined) return { step: 0, epoch: 0 };
  const state = asModelFileError(where, 'json', () => plainObject(where, 'json.optimizerState', value));
  const step = checkStep(where, 'json.optimizerState.step', state.step);
  const epoch = checkEpoch(where, 'json.optimizerState.epoch', state.epoch);
  const learningRateMultiplier = checkMultiplier(where, 'json.optimizerState.learningRateMultiplier', state.learningRateMultiplier);
  const arrays = stateArrays(config.optimizer);
  const read = (key: 'state1' | 'state2', index: number) => {
    if (index > arrays) {
      if (state[key] !== undefined) {
        throw fieldError(where, `json.optimizerState.${key}`, `absent: a ${config.optimizer.type} optimizer keeps ${arrays} state arrays`, state[key]);
      }
      return undefined;
    }
    const values = checkValues(where, `json.optimizerState.${key}`, state[key], paramCount, 'one value per parameter');
    return checkSavedValues(where, `json.optimizerState.${key}`, values, holdsMeanSquares(config.optimizer, key));
  };
  return { step, epoch, learningRateMultiplier, state1: read('state1', 1), state2: read('state2', 2) };
}

function checkValues(where: string, name: string, text: unknown, count: number, shape: string): Float32Array {
  const values = base64ToFloat32(where, name, text);
  if (values.length !== count) {
    throw badModelError(`${where}: ${name} holds ${values.length} float32 values, expected ${count} (${shape})`);
  }
  return checkSavedValues(where, name, values);
}
