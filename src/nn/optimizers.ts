/**
 * Optimizer configurations. The updates themselves run in the kernels
 * (assembly/optimizers.ts and its pure-TS twin), fused into the train step; this
 * file only validates settings and turns them into the descriptor's numbers.
 */
import { HYPER, HYPER_COUNT, OPTIMIZER_IDS, OPTIMIZER_TABLE, OPTIMIZER_TYPES } from '../backend/kinds.js';
import {
  float32Fraction, nonNegativeFloat32, oneOf, optionalBoolean, orDefault, plainObject, positiveFinite, positiveFloat32, positiveInteger,
  rejectUnknownKeys,
} from './validate.js';

/** How the learning rate changes from epoch to epoch (epochs count from 0). */
export type Schedule =
  /** η · factor^⌊epoch / every⌋ */
  | { type: 'step'; every: number; factor: number }
  /** η · factor^epoch */
  | { type: 'exponential'; factor: number }
  /** From η down to `minimum` over `epochs` epochs along a half cosine, then `minimum`. */
  | { type: 'cosine'; epochs: number; minimum?: number };

export interface CommonOptions {
  /** η. */
  learningRate?: number;
  /** Rescale the whole gradient to this global norm when it is longer. Default: off. */
  clipNorm?: number;
  /** Coupled L2 regularisation: adds λ₂·w to the gradient (the gradient of λ₂/2 ‖w‖²). Default 0. */
  l2?: number;
  /** Decoupled weight decay: w ← w - η·λ·w besides the step (AdamW). Default 0 (0.01 for adamw). */
  weightDecay?: number;
  schedule?: Schedule;
}

interface Common {
  readonly learningRate: number;
  readonly clipNorm: number;
  readonly l2: number;
  readonly weightDecay: number;
  readonly schedule?: Schedule;
}

/** Gradient descent w ← w - η ∂L/∂w (the seed's), optionally with momentum or Nesterov momentum. */
export interface Sgd extends Common {
  readonly type: 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
}

/** Adam with bias correction; with weightDecay it is AdamW. */
export interface Adam extends Common {
  readonly type: 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
}

export interface RmsProp extends Common {
  readonly type: 'rmsprop';
  readonly rho: number;
  readonly epsilon: number;
}

export type Optimizer = Sgd | Adam | RmsProp;
export { OPTIMIZER_TYPES };

const COMMON_KEYS = ['learningRate', 'clipNorm', 'l2', 'weightDecay', 'schedule'] as const;
/** The settings each optimizer type takes, besides `type` (the registry's own settings after the common ones). */
const KEYS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(OPTIMIZER_TABLE.map((o) => [o.name, [...COMMON_KEYS, ...o.settings]]));

/** The factories' options: an object (or nothing) with only the keys `type` takes; the error names the factory. */
function factoryOptions(where: string, type: Optimizer['type'], options: unknown): Record<string, unknown> {
  const o = plainObject(where, 'options', options === undefined ? {} : options);
  rejectUnknownKeys(where, 'options', o, KEYS[type]);
  return o;
}

/** SGD. Defaults: learningRate 0.01, momentum 0, nesterov false. */
export function sgd(options: CommonOptions & { momentum?: number; nesterov?: boolean } = {}): Sgd {
  return checkOptimizer('sgd', 'options', { ...factoryOptions('sgd', 'sgd', options), type: 'sgd' }) as Sgd;
}

/** Adam. Defaults: learningRate 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8. */
export function adam(options: CommonOptions & { beta1?: number; beta2?: number; epsilon?: number } = {}): Adam {
  return checkOptimizer('adam', 'options', { ...factoryOptions('adam', 'adam', options), type: 'adam' }) as Adam;
}

/** Adam with decoupled weight decay (default 0.01). */
export function adamw(options: CommonOptions & { beta1?: number; beta2?: number; epsilon?: number } = {}): Adam {
  const o = factoryOptions('adamw', 'adam', options);
  return checkOptimizer('adamw', 'options', { ...o, weightDecay: orDefault(o.weightDecay, 0.01), type: 'adam' }) as Adam;
}

/** RMSProp. Defaults: learningRate 0.001, rho 0.9, epsilon 1e-8. */
export function rmsprop(options: CommonOptions & { rho?: number; epsilon?: number } = {}): RmsProp {
  return checkOptimizer('rmsprop', 'options', { ...factoryOptions('rmsprop', 'rmsprop', options), type: 'rmsprop' }) as RmsProp;
}

const SCHEDULE_KEYS = { step: ['type', 'every', 'factor'], exponential: ['type', 'factor'], cosine: ['type', 'epochs', 'minimum'] } as const;

function checkSchedule(where: string, name: string, value: unknown): Schedule | undefined {
  if (value === undefined) return undefined;
  const s = plainObject(where, name, value);
  const type = oneOf(where, `${name}.type`, s.type, ['step', 'exponential', 'cosine'] as const);
  rejectUnknownKeys(where, name, s, SCHEDULE_KEYS[type], `${type} schedule field`);
  // The factor's powers and the minimum become float32 learning rates; TrainingRun checks each epoch's rate.
  if (type === 'step') return Object.freeze({ type, every: positiveInteger(where, `${name}.every`, s.every), factor: positiveFinite(where, `${name}.factor`, s.factor) });
  if (type === 'exponential') return Object.freeze({ type, factor: positiveFinite(where, `${name}.factor`, s.factor) });
  return Object.freeze({ type, epochs: positiveInteger(where, `${name}.epochs`, s.epochs),
    minimum: nonNegativeFloat32(where, `${name}.minimum`, orDefault(s.minimum, 0)) });
}

/**
 * Validates an optimizer config that may have been written by hand or read
 * from a file. Every setting is checked as the float32 the kernels will see
 * (a learning rate of 1e39 is Infinity there, 1e-46 is zero); an absent
 * setting takes its default, a null one is refused.
 */
export function checkOptimizer(where: string, name: string, value: unknown): Optimizer {
  const o = plainObject(where, name, value);
  const type = oneOf(where, `${name}.type`, o.type, OPTIMIZER_TYPES);
  rejectUnknownKeys(where, name, o, ['type', ...KEYS[type]], `${type} setting`);
  const common: Common = {
    learningRate: positiveFloat32(where, `${name}.learningRate`, orDefault(o.learningRate, OPTIMIZER_TABLE[OPTIMIZER_IDS[type]].defaultLearningRate)),
    clipNorm: nonNegativeFloat32(where, `${name}.clipNorm`, orDefault(o.clipNorm, 0)),
    l2: nonNegativeFloat32(where, `${name}.l2`, orDefault(o.l2, 0)),
    weightDecay: nonNegativeFloat32(where, `${name}.weightDecay`, orDefault(o.weightDecay, 0)),
    schedule: checkSchedule(where, `${name}.schedule`, o.schedule),
  };
  const epsilon = () => positiveFloat32(where, `${name}.epsilon`, orDefault(o.epsilon, 1e-8));
  if (type === 'sgd') {
    return Object.freeze({ type, ...common, momentum: float32Fraction(where, `${name}.momentum`, orDefault(o.momentum, 0)),
      nesterov: optionalBoolean(where, `${name}.nesterov`, o.nesterov, false) });
  }
  if (type === 'adam') {
    return Object.freeze({ type, ...common, beta1: float32Fraction(where, `${name}.beta1`, orDefault(o.beta1, 0.9)),
      beta2: float32Fraction(where, `${name}.beta2`, orDefault(o.beta2, 0.999)), epsilon: epsilon() });
  }
  return Object.freeze({ type, ...common, rho: float32Fraction(where, `${name}.rho`, orDefault(o.rho, 0.9)), epsilon: epsilon() });
}

/** How many parameter-sized state arrays the optimizer keeps: velocity, or Adam's two moments. */
export function stateArrays(optimizer: Optimizer): 0 | 1 | 2 {
  if (optimizer.type === 'adam') return 2;
  if (optimizer.type === 'rmsprop') return 1;
  return optimizer.momentum > 0 ? 1 : 0;
}

/** The descriptor's optimizer id and f32 hyperparameters (assembly/optimizers.ts). */
export function optimizerNumbers(optimizer: Optimizer): { id: number; hyper: Float32Array } {
  const hyper = new Float32Array(HYPER_COUNT);
  hyper[HYPER.clipNorm] = optimizer.clipNorm;
  hyper[HYPER.l2] = optimizer.l2;
  hyper[HYPER.weightDecay] = optimizer.weightDecay;
  if (optimizer.type === 'sgd') {
    hyper[HYPER.beta1] = optimizer.momentum;
    hyper[HYPER.nesterov] = optimizer.nesterov ? 1 : 0;
  } else if (optimizer.type === 'adam') {
    hyper[HYPER.beta1] = optimizer.beta1;
    hyper[HYPER.beta2] = optimizer.beta2;
    hyper[HYPER.epsilon] = optimizer.epsilon;
  } else {
    hyper[HYPER.beta1] = optimizer.rho;
    hyper[HYPER.epsilon] = optimizer.epsilon;
  }
  return { id: OPTIMIZER_IDS[optimizer.type], hyper };
}

/**
 * Whether `value` can be the learning rate's multiplier (reduceLROnPlateau's,
 * kept with the optimizer's state): a number > 0 that stays finite and
 * non-zero as a float32, the type the kernels take the rate in.
 */
export function isLearningRateMultiplier(value: unknown): value is number {
  return typeof value === 'number' && value > 0 && Number.isFinite(Math.fround(value)) && Math.fround(value) !== 0;
}

/**
 * The learning rate in `epoch` (from 0) under the optimizer's schedule, times
 * `multiplier` (reduceLROnPlateau's, kept with the optimizer's state). Every
 * training path takes its rates from here, so they agree bit for bit; a
 * multiplier of 1 leaves the schedule's rate exactly as it is.
 */
export function learningRateAt(optimizer: Optimizer, epoch: number, multiplier = 1): number {
  return scheduledRate(optimizer, epoch) * multiplier;
}

function scheduledRate(optimizer: Optimizer, epoch: number): number {
  const base = optimizer.learningRate;
  const s = optimizer.schedule;
  if (!s) return base;
  if (s.type === 'step') return base * s.factor ** Math.floor(epoch / s.every);
  if (s.type === 'exponential') return base * s.factor ** epoch;
  const minimum = s.minimum ?? 0;
  return minimum + 0.5 * (base - minimum) * (1 + Math.cos((Math.PI * Math.min(epoch, s.epochs)) / s.epochs));
}
