/** Activation and loss identifiers shared by both backends (assembly/activations.ts, assembly/losses.ts). */

export const ACTIVATION_IDS = { linear: 0, sigmoid: 1, tanh: 2, relu: 3, leakyRelu: 4, elu: 5, softplus: 6, softmax: 7 } as const;
/** The negative slope of leakyRelu. */
export const LEAKY_SLOPE = 0.01;
export type Activation = keyof typeof ACTIVATION_IDS;
export const ACTIVATIONS = Object.keys(ACTIVATION_IDS) as Activation[];

export const LOSS_IDS = { l2: 0, mse: 1, binaryCrossentropy: 2, categoricalCrossentropy: 3 } as const;
export type Loss = keyof typeof LOSS_IDS;
export const LOSSES = Object.keys(LOSS_IDS) as Loss[];

/** Operation ids of the elementwise tensor kernels (assembly/elementwise.ts). */
export const UNARY_IDS = { neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, sigmoid: 5, tanh: 6, relu: 7, sign: 8, step: 9 } as const;
export type UnaryOp = keyof typeof UNARY_IDS;
export const BINARY_IDS = { add: 0, sub: 1, mul: 2, div: 3, pow: 4, equal: 5 } as const;
export type BinaryOp = keyof typeof BINARY_IDS;
/** rsub: s - x, rdiv: s / x, pow: x^s, rpow: s^x. */
export const SCALAR_IDS = { add: 0, rsub: 1, mul: 2, rdiv: 3, pow: 4, rpow: 5 } as const;
export type ScalarOp = keyof typeof SCALAR_IDS;

/** Optimizer ids (assembly/update.ts). */
export const OPTIMIZER_IDS = { sgd: 0, adam: 1, rmsprop: 2 } as const;
/** Offsets of the f32 hyperparameters at the descriptor's SLOT_HYPER (assembly/update.ts HYPER_*). */
export const HYPER = { beta1: 0, beta2: 1, epsilon: 2, nesterov: 3, weightDecay: 4, l2: 5, clipNorm: 6 } as const;
export const HYPER_COUNT = 8;
