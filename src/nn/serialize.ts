/** Reading a saved network back (the writer is `Network.toJSON`). */
import type { BackendName } from '../backend/backend.js';
import { base64ToFloat32 } from './base64.js';
import { Network } from './network.js';
import { checkConfig } from './sequential.js';
import { argumentError, plainObject } from './validate.js';
import { stateArrays, type Optimizer } from './optimizers.js';

export interface FromJSONOptions {
  /** Backend for the loaded network. Default 'wasm'. */
  backend?: BackendName;
}

const WHERE = 'fromJSON';

/**
 * Rebuilds a network from `toJSON()` output (an object or its JSON text).
 * Everything is checked (format, version, architecture, every weight's count
 * and finiteness) before any memory is taken, so a bad file loads nothing.
 */
export function fromJSON(json: unknown, options: FromJSONOptions = {}): Network {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (cause) {
      throw new SyntaxError(`${WHERE}: json is not valid JSON (${(cause as Error).message})`);
    }
  }
  const model = plainObject(WHERE, 'json', value);
  if (model.format !== 'wasmgrad-network') {
    throw argumentError(WHERE, 'json.format', '"wasmgrad-network"', model.format);
  }
  if (model.version !== 1) throw argumentError(WHERE, 'json.version', '1 (the only format version this release reads)', model.version);
  const config = checkConfig(WHERE, {
    inputSize: model.inputSize, layers: model.layers, loss: model.loss, optimizer: model.optimizer,
    seed: model.seed, backend: plainObject(WHERE, 'options', options).backend,
  });
  if (!Array.isArray(model.weights) || model.weights.length !== config.layers.length) {
    throw argumentError(WHERE, 'json.weights', `an array of ${config.layers.length} { weights, bias } entries, one per layer`, model.weights);
  }
  const weights: unknown[] = model.weights;
  let inSize = config.inputSize;
  const parameters = config.layers.map((layer, l) => {
    const entry = plainObject(WHERE, `json.weights[${l}]`, weights[l]);
    const w = checkValues(`json.weights[${l}].weights`, entry.weights, inSize * layer.units, `${inSize}×${layer.units}`);
    const b = checkValues(`json.weights[${l}].bias`, entry.bias, layer.units, `${layer.units}`);
    inSize = layer.units;
    return [w, b] as const;
  });
  const paramCount = parameters.reduce((n, [w, b]) => n + w.length + b.length, 0);
  return new Network(config, parameters, checkOptimizerState(model.optimizerState, config.optimizer, paramCount));
}

/** The optimizer's saved progress: absent means a fresh optimizer. */
function checkOptimizerState(value: unknown, optimizer: Optimizer, paramCount: number) {
  if (value === undefined) return undefined;
  const state = plainObject(WHERE, 'json.optimizerState', value);
  const step = state.step;
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > 2 ** 31 - 1) {
    throw argumentError(WHERE, 'json.optimizerState.step', 'a non-negative integer', step);
  }
  const epoch = state.epoch ?? 0;
  if (typeof epoch !== 'number' || !Number.isInteger(epoch) || epoch < 0) {
    throw argumentError(WHERE, 'json.optimizerState.epoch', 'a non-negative integer', epoch);
  }
  const arrays = stateArrays(optimizer);
  const read = (key: 'state1' | 'state2', index: number) => {
    if (index > arrays) {
      if (state[key] !== undefined) throw argumentError(WHERE, `json.optimizerState.${key}`, `absent: a ${optimizer.type} optimizer keeps ${arrays} state arrays`, state[key]);
      return undefined;
    }
    return checkValues(`json.optimizerState.${key}`, state[key], paramCount, `one value per parameter`);
  };
  return { step, epoch, state1: read('state1', 1), state2: read('state2', 2) };
}

function checkValues(name: string, text: unknown, count: number, shape: string): Float32Array {
  const values = base64ToFloat32(WHERE, name, text);
  if (values.length !== count) {
    throw new RangeError(`${WHERE}: ${name} holds ${values.length} float32 values, expected ${count} (${shape})`);
  }
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new RangeError(`${WHERE}: ${name}[${bad}] is ${values[bad]}, expected a finite number`);
  return values;
}
