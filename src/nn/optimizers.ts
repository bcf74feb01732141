/** Optimizer configurations; the updates themselves run in the kernels. */
import { plainObject, positiveFinite } from './validate.js';

export interface SgdOptions {
  /** η in w ← w - η ∂L/∂w. Default 0.01. */
  learningRate?: number;
}

/** Stochastic gradient descent, the seed's update w ← w - η ∂L/∂w. */
export interface Sgd {
  readonly type: 'sgd';
  readonly learningRate: number;
}

export type Optimizer = Sgd;

/** Plain gradient descent with learning rate η. */
export function sgd(options: SgdOptions = {}): Sgd {
  return checkOptimizer('sgd', 'options', { type: 'sgd', learningRate: options?.learningRate ?? 0.01 });
}

/** Validates an optimizer config that may have been written by hand or read from a file. */
export function checkOptimizer(where: string, name: string, value: unknown): Optimizer {
  const config = plainObject(where, name, value);
  if (config.type !== 'sgd') throw new TypeError(`${where}: ${name}.type must be "sgd", got ${JSON.stringify(config.type)}`);
  const learningRate = positiveFinite(where, `${name}.learningRate`, config.learningRate);
  return Object.freeze({ type: 'sgd', learningRate });
}
