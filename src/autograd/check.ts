/** Checking gradients numerically: central finite differences against backward(), element by element. */
import { argumentError, positiveFinite } from '../nn/validate.js';
import { constantFrom, liveTensor } from './create.js';
import { valueAndGrad, type Differentiable } from './grad.js';
import { noGrad, tidy } from './scope.js';
import { Tensor } from './tensor.js';

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
 * suits functions whose values are of order 1. Everything f makes is freed,
 * also when it throws.
 */
export function checkGradients(f: Differentiable, inputs: Tensor[], options: { epsilon?: number } = {}): GradientCheck {
  if (typeof f !== 'function') throw argumentError('checkGradients', 'f', 'a function of tensors', f);
  if (!Array.isArray(inputs)) throw argumentError('checkGradients', 'inputs', 'an array of tensors', inputs);
  inputs.forEach((t, i) => liveTensor('checkGradients', t, `inputs[${i}]`));
  const epsilon = positiveFinite('checkGradients', 'options.epsilon', options.epsilon ?? 1e-2);
  const { value, grads } = valueAndGrad(f)(...inputs);
  value.dispose();
  const analytic = grads.map((g) => g.dataSync());
  grads.forEach((g) => g.dispose());
  const base = inputs.map((t) => t.dataSync());
  const evaluate = (which: number, values: Float32Array) => tidy(() => noGrad(() => {
    const args = inputs.map((t, i) => (i === which ? constantFrom(values, t.shape, t.backend) : t));
    const out: unknown = f(...args);
    if (!(out instanceof Tensor) || out.size !== 1) throw argumentError('checkGradients', 'f(...)', 'a scalar Tensor', out);
    return out.item();
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
