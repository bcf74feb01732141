/** Metrics reported besides the loss. */
import { argumentError, holeError } from './validate.js';

export const METRICS = ['accuracy'] as const;
/** A metric `fit()` can report besides the loss (`FitOptions.metrics`): 'accuracy'. */
export type Metric = (typeof METRICS)[number];

export function checkMetrics(where: string, value: unknown): Metric[] {
  if (value === undefined) return [];
  const expected = `an array of metric names (${METRICS.map((m) => `"${m}"`).join(', ')})`;
  if (!Array.isArray(value)) throw argumentError(where, 'options.metrics', expected, value);
  // An index loop, not some(): some() skips the holes of a sparse array.
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw holeError(where, `options.metrics[${i}]`, 'a metric name');
    if (!METRICS.includes(value[i])) throw argumentError(where, 'options.metrics', expected, value);
  }
  return [...new Set(value as Metric[])];
}

/**
 * Correct predictions among `rows` rows: the largest output matches the
 * largest target (one-hot targets), or, for one output, y rounds to the 0/1
 * target at 0.5.
 */
export function countCorrect(y: Float32Array, t: Float32Array, rows: number, cols: number): number {
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    if (cols === 1) {
      if ((y[o] >= 0.5 ? 1 : 0) === (t[o] >= 0.5 ? 1 : 0)) correct++;
      continue;
    }
    let best = 0, target = 0;
    for (let j = 1; j < cols; j++) {
      if (y[o + j] > y[o + best]) best = j;
      if (t[o + j] > t[o + target]) target = j;
    }
    if (best === target) correct++;
  }
  return correct;
}
