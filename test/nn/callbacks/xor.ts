/**
 * The fixture the callback tests train on: XOR and a 2-3-1 tanh/sigmoid
 * network, small enough that every hook runs in microseconds.
 */
import { dense, sequential, type Network, type Optimizer } from '../../../src/index.js';

export const X = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
export const T = [[0], [1], [1], [0]];

/** A 2-3-1 network for X and T on `backend`, trained by `optimizer` from `seed`. */
export const xorNet = (backend: 'wasm' | 'js', optimizer: Optimizer, seed: number): Network =>
  sequential({
    inputSize: 2,
    layers: [dense(3, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
    optimizer,
    seed,
    backend,
  });
