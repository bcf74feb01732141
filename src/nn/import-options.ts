/**
 * What an imported model's file does not carry (TF.js Layers, ONNX): the
 * backend to build it on and the loss and optimizer for further training.
 * fromTfjs/loadTfjs and fromOnnx/loadOnnx take and check them alike.
 */
import { BACKEND_NAMES, type BackendName } from '../backend/backend.js';
import { LOSSES, type Loss } from '../backend/kinds.js';
import { checkOptimizer, type Optimizer } from './optimizers.js';
import { oneOf, plainObject, rejectUnknownKeys } from './validate.js';

/** Options of an import: what the model file does not carry. */
export interface ImportOptions {
  /** Backend for the network. Default: the runtime's ('wasm', or 'js' under `init({ backend: 'js' })`). */
  backend?: BackendName;
  /** Loss for further training (the file does not carry one). Default 'l2'. */
  loss?: Loss;
  /** Optimizer for further training. Default `sgd()`. */
  optimizer?: Optimizer;
}

const OPTION_KEYS = ['backend', 'loss', 'optimizer'];

/** The options, checked (unknown keys refused); the backend defaults to the runtime's later, when the network is built. */
export function checkImportOptions(where: string, options: unknown): { backend?: BackendName; loss: Loss; optimizer?: Optimizer } {
  const opts = plainObject(where, 'options', options);
  rejectUnknownKeys(where, 'options', opts, OPTION_KEYS);
  return {
    backend: opts.backend === undefined ? undefined : oneOf(where, 'options.backend', opts.backend, BACKEND_NAMES),
    loss: oneOf(where, 'options.loss', opts.loss ?? 'l2', LOSSES),
    optimizer: opts.optimizer === undefined ? undefined : checkOptimizer(where, 'options.optimizer', opts.optimizer),
  };
}
