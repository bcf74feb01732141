/** Checking gradients numerically: central finite differences against backward(), element by element. */
import { argumentError } from '../nn/validate.js';
import { fromValues } from './create.js';
import { valueAndGrad, type Differentiable } from './grad.js';
import { noGrad, Tensor, tidy } from './tensor.js';

export interface GradientCheck {
  /** Largest |analytic - numeric| / max(1, |analytic|, |numeric|) over every element checked. */
  maxError: number;
  /** Where it was: argument index, element index, and the two values. */
  worst: { input: number; index: number; analytic: number; numeric: number };
  /** Elements checked. */
  checked: number;
}

/**
 * Compares f's gradient from backward() with (f(x + ε) - f(x - ε)) / 2ε for
 * every element of every argument. Values are float32, so ε trades rounding
 * (large for small ε) against curvature (large for large ε); the default 1e-2
 * suits functions whose values are of order 1.
 */
export function checkGradients(f: Differentiable, inputs: Tensor[], options: { epsilon?: number } = {}): GradientCheck {
  const epsilon = options.epsilon ?? 1e-2;
  if (!(epsilon > 0)) throw argumentError('checkGradients', 'options.epsilon', 'a positive number', epsilon);
  if (!Array.isArray(inputs) || inputs.some((t) => !(t instanceof Tensor))) {
    throw argumentError('checkGradients', 'inputs', 'an array of tensors', inputs);
  }
  const { value, grads } = valueAndGrad(f)(...inputs);
  value.dispose();
  const analytic = grads.map((g) => g.dataSync());
  grads.forEach((g) => g.dispose());
  const base = inputs.map((t) => t.dataSync());
  const evaluate = (which: number, values: Float32Array) => tidy(() => noGrad(() => {
    const args = inputs.map((t, i) => (i === which ? fromValues(values, t.shape, { backend: t.backend }) : t));
    return f(...args).item();
  }));
  let result: GradientCheck = { maxError: 0, worst: { input: -1, index: -1, analytic: 0, numeric: 0 }, checked: 0 };
  base.forEach((values, which) => {
    for (let index = 0; index < values.length; index++) {
      const shifted = values.slice();
      shifted[index] = values[index] + epsilon;
      const up = evaluate(which, shifted);
      shifted[index] = values[index] - epsilon;
      const down = evaluate(which, shifted);
      const numeric = (up - down) / (2 * epsilon);
      const a = analytic[which][index];
      const error = Math.abs(a - numeric) / Math.max(1, Math.abs(a), Math.abs(numeric));
      result.checked++;
      if (error >= result.maxError) result = { ...result, maxError: error, worst: { input: which, index, analytic: a, numeric } };
    }
  });
  return result;
}
