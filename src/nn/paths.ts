/**
 * The training paths and what each supports. The general path (GEMM per
 * layer, any batch) runs every network. The special paths are faster for some
 * networks; each declares what it supports as an allow-list, and a network
 * takes one only when it is inside that list, so a feature a fast path lacks
 * (a new activation, a loss, an optimizer setting) sends the network to the
 * general path instead of computing something else.
 *
 * The choice is made here, once, when a network is built, and written to the
 * descriptor's SLOT_PATHS as a bit set of the special paths the network may
 * take (PATH_BITS). The wasm kernels obey it (assembly/mlp.ts: tiny when
 * allowed and the batch is one sample without gradient norms, else narrow
 * when allowed, else general); the pure-TS backend has only the general
 * path, which computes the same numbers.
 *
 * Threads are not a descriptor path: the general path's GEMM and plain-SGD
 * update split across the pool (assembly/gemm.ts, assembly/sgd.ts) whenever a pool exists
 * and the product is large enough; they support everything the general path does.
 */
import { ACTIVATIONS, LOSSES, OPTIMIZER_TYPES, PATH_BITS, type Activation, type Loss, type OptimizerType } from '../backend/kinds.js';
import { unsupportedError } from '../errors.js';
import type { DenseLayer } from './layers.js';
import { readPaths, writePaths } from './layout.js';
import { networkMemory } from './network-memory.js';
import type { Optimizer } from './optimizers.js';
import { argumentError } from './validate.js';

export type PathName = 'general' | 'narrow' | 'tiny' | 'threads';

/** What a path supports; a network outside any of these lists does not take it. */
export interface PathSupport {
  readonly name: PathName;
  /** Its bit in SLOT_PATHS; 0 for the general path and threads, which need none. */
  readonly bit: number;
  /** Activations of the hidden layers. */
  readonly hiddenActivations: readonly Activation[];
  /** Activations of the last layer. */
  readonly outputActivations: readonly Activation[];
  readonly losses: readonly Loss[];
  readonly optimizers: readonly OptimizerType[];
  /** Only plain SGD: no momentum, weight decay, coupled L2 or gradient clipping. */
  readonly plainSgdOnly: boolean;
  readonly dropout: boolean;
  /** The widest input or layer. */
  readonly maxWidth: number;
  /** The layer counts it runs, or 'any'. */
  readonly layerCounts: readonly number[] | 'any';
  /** Batch sizes (decided per call by the kernel, not by the network). */
  readonly batchSize: 'any' | 1;
  /** Whether it runs while fit records gradient norms (decided per call by the kernel). */
  readonly gradientNorms: boolean;
}

/** The activations the tiny and narrow kernels compute (assembly/activations.ts activateV/slopeV, from y). */
const FROM_OUTPUT: readonly Activation[] = ['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'elu', 'softplus'];

/** Every path, general first. */
export const PATHS: readonly PathSupport[] = [
  {
    name: 'general', bit: 0, hiddenActivations: ACTIVATIONS, outputActivations: ACTIVATIONS, losses: LOSSES, optimizers: OPTIMIZER_TYPES,
    plainSgdOnly: false, dropout: true, maxWidth: Infinity, layerCounts: 'any', batchSize: 'any', gradientNorms: true,
  },
  {
    // assembly/mlp-narrow.ts: one sample at a time, a layer's units four to a register.
    // gelu and silu keep their pre-activation (LAYER_PRE) there too, for f'(a).
    name: 'narrow', bit: PATH_BITS.narrow, hiddenActivations: [...FROM_OUTPUT, 'gelu', 'silu'], outputActivations: [...FROM_OUTPUT, 'softmax', 'gelu', 'silu'],
    losses: ['l2', 'mse', 'binaryCrossentropy', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy'], optimizers: ['sgd', 'adam', 'rmsprop'],
    plainSgdOnly: false, dropout: false, maxWidth: 16, layerCounts: 'any', batchSize: 'any', gradientNorms: true,
  },
  {
    // assembly/mlp-tiny.ts: two layers held in registers from the first sample to the last, with the SGD step fused.
    name: 'tiny', bit: PATH_BITS.tiny, hiddenActivations: FROM_OUTPUT, outputActivations: FROM_OUTPUT,
    losses: ['l2'], optimizers: ['sgd'], plainSgdOnly: true, dropout: false, maxWidth: 4, layerCounts: [2], batchSize: 1, gradientNorms: false,
  },
  {
    name: 'threads', bit: 0, hiddenActivations: ACTIVATIONS, outputActivations: ACTIVATIONS, losses: LOSSES, optimizers: OPTIMIZER_TYPES,
    plainSgdOnly: false, dropout: true, maxWidth: Infinity, layerCounts: 'any', batchSize: 'any', gradientNorms: true,
  },
];

/** What the path choice reads of a network. */
export interface PathNetwork {
  readonly inputSize: number;
  readonly layers: readonly Pick<DenseLayer, 'units' | 'activation' | 'dropout'>[];
  readonly loss: Loss;
  readonly optimizer: Optimizer;
}

/** The path's entry by name. */
export function pathSupport(name: PathName): PathSupport {
  return PATHS.find((p) => p.name === name)!;
}

/** Why `path` cannot run `net`, or null when it can. */
export function unsupportedBy(path: PathSupport, net: PathNetwork): string | null {
  const { layers } = net;
  const last = layers.length - 1;
  if (path.layerCounts !== 'any' && !path.layerCounts.includes(layers.length)) return `${layers.length} layers (it runs ${path.layerCounts.join(', ')})`;
  const widest = Math.max(net.inputSize, ...layers.map((l) => l.units));
  if (widest > path.maxWidth) return `a width of ${widest} (at most ${path.maxWidth})`;
  for (let l = 0; l < layers.length; l++) {
    const allowed = l === last ? path.outputActivations : path.hiddenActivations;
    if (!allowed.includes(layers[l].activation)) return `activation "${layers[l].activation}" on layer ${l}`;
    if (layers[l].dropout > 0 && !path.dropout) return `dropout on layer ${l}`;
  }
  if (!path.losses.includes(net.loss)) return `loss "${net.loss}"`;
  const o = net.optimizer;
  if (!path.optimizers.includes(o.type)) return `optimizer "${o.type}"`;
  if (path.plainSgdOnly && (o.type !== 'sgd' || o.momentum > 0 || o.weightDecay > 0 || o.l2 > 0 || o.clipNorm > 0)) {
    return 'optimizer settings other than plain SGD (momentum, weightDecay, l2, clipNorm)';
  }
  return null;
}

/** SLOT_PATHS for `net`: the bits of every special path that supports it. */
export function pathBits(net: PathNetwork): number {
  return PATHS.reduce((bits, p) => (p.bit !== 0 && unsupportedBy(p, net) === null ? bits | p.bit : bits), 0);
}

/**
 * Test-only (not exported from the package): makes `net` take only `path`
 * from now on ('general' or 'threads': no special path), or throws
 * WASMGRAD_UNSUPPORTED naming what the path lacks. The tiny path still needs
 * batches of one sample and no gradient norms, as the kernel checks per call.
 */
export function forcePath(net: PathNetwork & object, path: PathName): void {
  const support = PATHS.find((p) => p.name === path);
  if (!support) throw argumentError('forcePath', 'path', `one of ${PATHS.map((p) => `"${p.name}"`).join(', ')}`, path);
  const why = unsupportedBy(support, net);
  if (why !== null) throw unsupportedError(`forcePath: the ${path} path does not support ${why}`);
  const { views, block } = networkMemory(net);
  writePaths(views.i32, block, support.bit);
}

/** The special paths `net` may take now, read back from its descriptor. */
export function currentPaths(net: object): PathName[] {
  const { views, block } = networkMemory(net);
  const bits = readPaths(views.i32, block);
  return PATHS.filter((p) => p.bit !== 0 && (bits & p.bit) !== 0).map((p) => p.name);
}
