/**
 * Layer specifications. A spec is plain data; the network turns it into
 * weights in linear memory when it is built.
 */
import { ACTIVATIONS, activationInfo, type Activation } from '../backend/kinds.js';
import { argumentError, oneOf, orDefault, plainObject, positiveInteger, rejectUnknownKeys } from './validate.js';
import type { Random } from '../random.js';

export type { Activation };

export const INITIALIZERS = ['glorotUniform', 'glorotNormal', 'heUniform', 'heNormal'] as const;
/**
 * How W starts: Glorot/Xavier (variance 2/(in+out)) or He (variance 2/in),
 * uniform or normal, drawn from the network's seeded generator. Biases start at 0.
 */
export type Initializer = (typeof INITIALIZERS)[number];

export interface DenseOptions {
  /** The unit's nonlinearity f in y = f(x·W + b). Default 'linear'. */
  activation?: Activation;
  /** Default: heUniform for the ReLU family (the registry's initializer family 'he'), glorotUniform otherwise. */
  initializer?: Initializer;
  /**
   * Inverted dropout on this layer's outputs during training: each is zeroed
   * with this probability and the rest scaled by 1/(1 - rate); prediction and
   * evaluation are untouched. Seeded by the network. Not on the last layer. Default 0.
   */
  dropout?: number;
}

/** A fully connected layer: y = f(x·W + b) with W of shape in×units. */
export interface DenseLayer {
  readonly type: 'dense';
  readonly units: number;
  readonly activation: Activation;
  readonly initializer: Initializer;
  readonly dropout: number;
}

const OPTION_KEYS = ['activation', 'initializer', 'dropout'];
const SPEC_KEYS = ['type', 'units', ...OPTION_KEYS];

/** A dense (fully connected) layer of `units` outputs. */
export function dense(units: number, options: DenseOptions = {}): DenseLayer {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw argumentError('dense', 'options', 'an object such as { activation: \'relu\' }', options);
  }
  rejectUnknownKeys('dense', 'options', options as Record<string, unknown>, OPTION_KEYS);
  return checkDense('dense', 'units', {
    type: 'dense', units, activation: orDefault(options.activation, 'linear'), initializer: options.initializer, dropout: options.dropout,
  });
}

/** Validates a layer spec that may have been written by hand or read from a file. */
export function checkDense(where: string, name: string, value: unknown): DenseLayer {
  const spec = plainObject(where, name, value);
  // dense() names its arguments (units, options.activation); a spec names its fields (layers[0].units).
  const field = (key: string) => (name === 'units' ? (key === 'units' ? 'units' : `options.${key}`) : `${name}.${key}`);
  if (name !== 'units') rejectUnknownKeys(where, name, spec, SPEC_KEYS, 'layer field');
  if (spec.type !== 'dense') throw argumentError(where, `${name}.type`, '"dense"', spec.type);
  const units = positiveInteger(where, field('units'), spec.units);
  const activation = oneOf(where, field('activation'), spec.activation, ACTIVATIONS);
  const initializer = oneOf(where, field('initializer'),
    orDefault(spec.initializer, activationInfo(activation).initializer === 'he' ? 'heUniform' : 'glorotUniform'), INITIALIZERS);
  // The rate is a float32 in the descriptor: 0.99999999999 would round to 1 there and scale by 1/0.
  const dropout = orDefault(spec.dropout, 0);
  if (typeof dropout !== 'number' || !(Math.fround(dropout) >= 0 && Math.fround(dropout) < 1)) {
    throw argumentError(where, field('dropout'), 'a rate in [0, 1)', dropout);
  }
  return Object.freeze({ type: 'dense', units, activation, initializer, dropout });
}

/** Fills W (in×out, row-major) by the layer's initializer. */
export function initialWeights(random: Random, inSize: number, outSize: number, initializer: Initializer, out: Float32Array): void {
  const variance = initializer.startsWith('he') ? 2 / inSize : 2 / (inSize + outSize);
  if (initializer.endsWith('Uniform')) {
    const limit = Math.sqrt(3 * variance);
    for (let i = 0; i < out.length; i++) out[i] = random.uniform(-limit, limit);
  } else {
    const std = Math.sqrt(variance);
    for (let i = 0; i < out.length; i++) out[i] = std * random.normal();
  }
}
