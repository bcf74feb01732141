/**
 * fit's `validationSplit`: which samples are held out. By default the last
 * ones, as Keras does (`validationShuffle: false`); data sorted by class or
 * date then validates on one class or the latest period only. With
 * `validationShuffle` a seeded choice picks them instead.
 */
import { Random } from '../random.js';
import type { Matrix } from './data.js';

/**
 * The stream of the network's seed (src/random.ts) that chooses the held-out
 * samples; 0, 1 and 2 are the weights, the epoch shuffles and dropout. A
 * stream of its own, started afresh each fit, so the same seed and sample
 * count hold out the same samples in every fit: continuing training never
 * trains on what an earlier fit validated on, and the epoch shuffles are
 * those of a fit without validationShuffle.
 */
export const VALIDATION_STREAM = 3;

/** The training part and the held-out part of a split. */
export interface HeldOut {
  x: Matrix;
  t: Matrix;
  validation: { x: Matrix; t: Matrix };
}

function view(m: Matrix, from: number, to: number): Matrix {
  return { rows: to - from, cols: m.cols, data: m.data.subarray(from * m.cols, to * m.cols) };
}

function gather(m: Matrix, indices: ArrayLike<number>): Matrix {
  const data = new Float32Array(indices.length * m.cols);
  for (let i = 0; i < indices.length; i++) data.set(m.data.subarray(indices[i] * m.cols, (indices[i] + 1) * m.cols), i * m.cols);
  return { rows: indices.length, cols: m.cols, data };
}

/**
 * Holds out `held` samples of x and t (0 < held < rows). With `seed` null,
 * the last ones (views, nothing copied). With a seed, a uniformly random
 * set (the last `held` of a Fisher-Yates permutation from stream
 * VALIDATION_STREAM); both parts keep the samples' original order (only the
 * choice is random), copied into new arrays.
 */
export function holdOut(x: Matrix, t: Matrix, held: number, seed: number | null): HeldOut {
  const cut = x.rows - held;
  if (seed === null) return { x: view(x, 0, cut), t: view(t, 0, cut), validation: { x: view(x, cut, x.rows), t: view(t, cut, t.rows) } };
  const order = Int32Array.from({ length: x.rows }, (_, i) => i);
  new Random(seed, VALIDATION_STREAM).shuffle(order);
  const train = order.slice(0, cut).sort();
  const validation = order.slice(cut).sort();
  return { x: gather(x, train), t: gather(t, train), validation: { x: gather(x, validation), t: gather(t, validation) } };
}
