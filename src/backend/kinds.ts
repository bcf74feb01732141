/** Activation and loss identifiers shared by both backends (assembly/activations.ts, assembly/losses.ts). */

export const ACTIVATION_IDS = { linear: 0, sigmoid: 1, tanh: 2, relu: 3 } as const;
export type Activation = keyof typeof ACTIVATION_IDS;
export const ACTIVATIONS = Object.keys(ACTIVATION_IDS) as Activation[];

export const LOSS_IDS = { l2: 0 } as const;
export type Loss = keyof typeof LOSS_IDS;
export const LOSSES = Object.keys(LOSS_IDS) as Loss[];
