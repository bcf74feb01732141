/**
 * Layer specifications. A spec is plain data; the network turns it into
 * weights in linear memory when it is built.
 */
import { ACTIVATIONS, type Activation } from '../backend/kinds.js';
import { oneOf, plainObject, positiveInteger } from './validate.js';
import type { Random } from '../random.js';

export type { Activation };

export interface DenseOptions {
  /** The unit's nonlinearity f in y = f(x·W + b). Default 'linear'. */
  activation?: Activation;
}

/** A fully connected layer: y = f(x·W + b) with W of shape in×units. */
export interface DenseLayer {
  readonly type: 'dense';
  readonly units: number;
  readonly activation: Activation;
}

/** A dense (fully connected) layer of `units` outputs. */
export function dense(units: number, options: DenseOptions = {}): DenseLayer {
  return checkDense('dense', 'units', { type: 'dense', units, activation: options?.activation ?? 'linear' });
}

/** Validates a layer spec that may have been written by hand or read from a file. */
export function checkDense(where: string, name: string, value: unknown): DenseLayer {
  const spec = plainObject(where, name, value);
  if (spec.type !== 'dense') throw new TypeError(`${where}: ${name}.type must be "dense", got ${JSON.stringify(spec.type)}`);
  const units = positiveInteger(where, name === 'units' ? 'units' : `${name}.units`, spec.units);
  const activation = oneOf(where, name === 'units' ? 'options.activation' : `${name}.activation`, spec.activation, ACTIVATIONS);
  return Object.freeze({ type: 'dense', units, activation });
}

/**
 * Fills W (in×out, row-major) with the default initializer: He uniform
 * (limit √(6/in)) for relu, Glorot uniform (limit √(6/(in+out))) otherwise.
 * Biases start at zero.
 */
export function initialWeights(random: Random, inSize: number, outSize: number, activation: Activation, out: Float32Array): void {
  const limit = activation === 'relu' ? Math.sqrt(6 / inSize) : Math.sqrt(6 / (inSize + outSize));
  for (let i = 0; i < out.length; i++) out[i] = random.uniform(-limit, limit);
}
