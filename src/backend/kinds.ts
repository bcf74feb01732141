/**
 * The registries: one table per concept (activations, losses, optimizers,
 * elementwise ops, optimizer hyper-parameter slots). Everything else reads
 * them: the id maps both backends dispatch on, validation, layers.ts's
 * initializer choice, the CLI's choices and help, the demo's list, TF.js
 * import/export, and the test matrices (test/nn/paths.test.ts). The ids must
 * equal the globals the wasm module exports (ACTIVATION_*, LOSS_*,
 * OPTIMIZER_*, UNARY_*, BINARY_*, SCALAR_*, HYPER_*): test/backend/registry.test.ts
 * checks every table against them.
 *
 * Adding an activation: append an entry here (the next id), then its forward
 * and derivative in assembly/activations.ts and its twin src/backend/js/activations.ts.
 */
import { internalError } from '../errors.js';

/** One activation f in y = f(x·W + b). */
export interface ActivationInfo {
  /** The number in the descriptor and the kernels' switch (assembly/activations.ts ACTIVATION_*). */
  readonly id: number;
  /** The public name (`dense(n, { activation: name })`, model files, the CLI). */
  readonly name: string;
  /** A short label for menus (the demo). */
  readonly label: string;
  /** The formula, for help text and the README. */
  readonly formula: string;
  /**
   * The TF.js/Keras Dense `activation` computing the same function, or null
   * when Dense has none and a separate layer follows a linear Dense (leakyRelu: `LeakyReLU`).
   */
  readonly tfjs: string | null;
  /** The ONNX operator (or, for a subgraph, its description); null for the identity. */
  readonly onnx: string | null;
  /** Which default initializer family suits it: He for the ReLU family, Glorot otherwise. */
  readonly initializer: 'glorot' | 'he';
  /** Whether its derivative needs the pre-activation a = x·W + b (not monotonic: one y, two x). */
  readonly needsPreactivation: boolean;
  /** Whether it may only be the last layer (softmax: a row-wise function, its delta fused with the loss). */
  readonly lastLayerOnly: boolean;
}

/** The activations, in id order. */
export const ACTIVATION_TABLE = [
  { id: 0, name: 'linear', label: 'linear', formula: 'x', tfjs: 'linear', onnx: null, initializer: 'glorot', needsPreactivation: false, lastLayerOnly: false },
  { id: 1, name: 'sigmoid', label: 'sigmoid', formula: '1 / (1 + e^-x), stable for any x', tfjs: 'sigmoid', onnx: 'Sigmoid', initializer: 'glorot', needsPreactivation: false, lastLayerOnly: false },
  { id: 2, name: 'tanh', label: 'tanh', formula: 'tanh x', tfjs: 'tanh', onnx: 'Tanh', initializer: 'glorot', needsPreactivation: false, lastLayerOnly: false },
  { id: 3, name: 'relu', label: 'ReLU', formula: 'max(0, x)', tfjs: 'relu', onnx: 'Relu', initializer: 'he', needsPreactivation: false, lastLayerOnly: false },
  { id: 4, name: 'leakyRelu', label: 'leaky ReLU', formula: 'x > 0 ? x : 0.01x', tfjs: null, onnx: 'LeakyRelu', initializer: 'he', needsPreactivation: false, lastLayerOnly: false },
  { id: 5, name: 'elu', label: 'ELU', formula: 'x > 0 ? x : e^x - 1 (α = 1)', tfjs: 'elu', onnx: 'Elu', initializer: 'he', needsPreactivation: false, lastLayerOnly: false },
  { id: 6, name: 'softplus', label: 'softplus', formula: 'ln(1 + e^x)', tfjs: 'softplus', onnx: 'Softplus', initializer: 'glorot', needsPreactivation: false, lastLayerOnly: false },
  { id: 7, name: 'softmax', label: 'softmax', formula: 'e^x_j / Σ_k e^x_k over the row', tfjs: 'softmax', onnx: 'Softmax', initializer: 'glorot', needsPreactivation: false, lastLayerOnly: true },
  { id: 8, name: 'gelu', label: 'GELU', formula: 'x·Φ(x) = x·(1 + erf(x/√2))/2 (exact, not the tanh approximation)', tfjs: 'gelu', onnx: 'Gelu', initializer: 'glorot', needsPreactivation: true, lastLayerOnly: false },
  { id: 9, name: 'silu', label: 'SiLU (swish)', formula: 'x·σ(x)', tfjs: 'swish', onnx: 'Mul(x, Sigmoid(x))', initializer: 'glorot', needsPreactivation: true, lastLayerOnly: false },
] as const satisfies readonly ActivationInfo[];

export type Activation = (typeof ACTIVATION_TABLE)[number]['name'];
/** Every activation's name, in id order. */
export const ACTIVATIONS: readonly Activation[] = ACTIVATION_TABLE.map((a) => a.name);
/** Every activation's id by name. */
export const ACTIVATION_IDS = idsOf(ACTIVATION_TABLE);
/** The registry entry of an activation by name. */
export function activationInfo(name: Activation): ActivationInfo {
  return ACTIVATION_TABLE[ACTIVATION_IDS[name]];
}
/** The negative slope of leakyRelu. */
export const LEAKY_SLOPE = 0.01;

/** One loss the kernels compute: the per-sample value the network minimises the batch mean of. */
export interface LossInfo {
  /** assembly/losses.ts LOSS_*. */
  readonly id: number;
  readonly name: string;
  readonly formula: string;
}

/** The losses the kernels compute, in id order (the ids the descriptor's SLOT_LOSS holds). */
export const LOSS_TABLE = [
  { id: 0, name: 'l2', formula: '1/2 Σ_j (y_j - t_j)²' },
  { id: 1, name: 'mse', formula: '1/n Σ_j (y_j - t_j)²' },
  { id: 2, name: 'binaryCrossentropy', formula: '-1/n Σ_j [t ln y + (1-t) ln(1-y)]' },
  { id: 3, name: 'categoricalCrossentropy', formula: '-Σ_j t_j ln y_j' },
] as const satisfies readonly LossInfo[];

/** A loss with a kernel of its own (an id in LOSS_TABLE). */
export type KernelLoss = (typeof LOSS_TABLE)[number]['name'];
/** Kernel loss ids by name: what the kernels switch on. */
export const LOSS_IDS = idsOf(LOSS_TABLE);

/**
 * A loss whose targets are one class index per sample. It has no kernel of
 * its own: the index is expanded to a one-hot row when the targets are
 * checked (src/nn/targets.ts), and `kernel` computes the loss on that row,
 * so training and evaluation give the bits of `kernel` with one-hot targets.
 */
export interface ClassIndexLossInfo {
  readonly name: string;
  /** The formula, for help text and the README. */
  readonly formula: string;
  /** The kernel loss it runs as, on one-hot rows. */
  readonly kernel: KernelLoss;
  /** The last layer's activation it needs (the outputs must be class probabilities). */
  readonly outputActivation: Activation;
}

/** The losses whose targets are class indices. */
export const CLASS_INDEX_LOSS_TABLE = [
  { name: 'sparseCategoricalCrossentropy', formula: '-ln y_c, c the class index', kernel: 'categoricalCrossentropy', outputActivation: 'softmax' },
] as const satisfies readonly ClassIndexLossInfo[];

/** Every loss name a network accepts: the kernel losses and the class-index losses. */
export type Loss = KernelLoss | (typeof CLASS_INDEX_LOSS_TABLE)[number]['name'];
/** Every loss name, kernel losses first (in id order), then the class-index losses. */
export const LOSSES: readonly Loss[] = [...LOSS_TABLE.map((l) => l.name), ...CLASS_INDEX_LOSS_TABLE.map((l) => l.name)];

/** The class-index loss entry of `loss`, or null when its targets are rows of values. */
export function classIndexLoss(loss: Loss): ClassIndexLossInfo | null {
  return CLASS_INDEX_LOSS_TABLE.find((l) => l.name === loss) ?? null;
}

/** The kernel loss id `loss` runs as (its own id, or its class-index entry's kernel's). */
export function kernelLossId(loss: Loss): number {
  return LOSS_IDS[classIndexLoss(loss)?.kernel ?? (loss as KernelLoss)];
}

/** The formula of any loss, for help text and the README. */
export function lossFormula(loss: Loss): string {
  return (classIndexLoss(loss) ?? LOSS_TABLE.find((l) => l.name === loss)!).formula;
}

/** One optimizer type (src/nn/optimizers.ts validates its settings). */
export interface OptimizerInfo {
  /** assembly/optimizers.ts OPTIMIZER_*. */
  readonly id: number;
  /** The config's `type`. */
  readonly name: string;
  /** A short label for menus and help. */
  readonly label: string;
  /** The learning rate when none is given. */
  readonly defaultLearningRate: number;
  /** The settings this type takes besides the common ones (learningRate, clipNorm, l2, weightDecay, schedule). */
  readonly settings: readonly string[];
}

/** The optimizers, in id order. */
export const OPTIMIZER_TABLE = [
  { id: 0, name: 'sgd', label: 'SGD', defaultLearningRate: 0.01, settings: ['momentum', 'nesterov'] },
  { id: 1, name: 'adam', label: 'Adam', defaultLearningRate: 0.001, settings: ['beta1', 'beta2', 'epsilon'] },
  { id: 2, name: 'rmsprop', label: 'RMSprop', defaultLearningRate: 0.001, settings: ['rho', 'epsilon'] },
] as const satisfies readonly OptimizerInfo[];

export type OptimizerType = (typeof OPTIMIZER_TABLE)[number]['name'];
export const OPTIMIZER_TYPES: readonly OptimizerType[] = OPTIMIZER_TABLE.map((o) => o.name);
/** Optimizer ids (assembly/optimizers.ts). */
export const OPTIMIZER_IDS = idsOf(OPTIMIZER_TABLE);

/** Offsets of the f32 hyperparameters at the descriptor's SLOT_HYPER (assembly/optimizers.ts HYPER_*). */
export const HYPER = { beta1: 0, beta2: 1, epsilon: 2, nesterov: 3, weightDecay: 4, l2: 5, clipNorm: 6 } as const;
export const HYPER_COUNT = 8;

/** Operation ids of the elementwise tensor kernels (assembly/elementwise.ts UNARY_*, BINARY_*, SCALAR_*). */
export const UNARY_IDS = { neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, sigmoid: 5, tanh: 6, relu: 7, sign: 8, step: 9 } as const;
export type UnaryOp = keyof typeof UNARY_IDS;
export const BINARY_IDS = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, equal: 5 } as const;
export type BinaryOp = keyof typeof BINARY_IDS;
/** rsub: s - x, rdiv: s / x, pow: x^s, rpow: s^x. */
export const SCALAR_IDS = { add: 0, rsub: 1, mul: 2, rdiv: 3, pow: 4, rpow: 5 } as const;
export type ScalarOp = keyof typeof SCALAR_IDS;

/**
 * Bits of the descriptor's SLOT_PATHS (assembly/layout.ts PATH_*): the special
 * training paths a network may take, chosen by src/nn/paths.ts.
 */
export const PATH_BITS = { narrow: 1, tiny: 2 } as const;

/**
 * The id tables the wasm module mirrors, by the prefix of its globals
 * (`LOSS_BINARY_CROSSENTROPY` for the loss binaryCrossentropy). Read by the
 * mirror test. Activations are checked by behaviour instead (each id computes
 * its entry's function; the module exports only ACTIVATION_COUNT), so adding
 * one touches no export list.
 */
export const WASM_ID_TABLES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  LOSS: LOSS_IDS, OPTIMIZER: OPTIMIZER_IDS, UNARY: UNARY_IDS, BINARY: BINARY_IDS, SCALAR: SCALAR_IDS, HYPER, PATH: PATH_BITS,
};

/** name → id of a table whose entries are in id order (checked: a gap or a swap is a bug here). */
function idsOf<T extends { readonly id: number; readonly name: string }>(table: readonly T[]): { readonly [K in T['name']]: number } {
  const ids: Record<string, number> = {};
  table.forEach((entry, i) => {
    // Not an error for users: a registry written out of order would make every id wrong.
    if (entry.id !== i) throw internalError(`registry: ${entry.name} has id ${entry.id} at index ${i}`);
    ids[entry.name] = entry.id;
  });
  return Object.freeze(ids) as { readonly [K in T['name']]: number };
}
