/** Functional gradients: grad(f) and valueAndGrad(f), as in JAX and TensorFlow.js. */
import { shapeError } from '../errors.js';
import { argumentError } from '../nn/validate.js';
import { backward } from './backward.js';
import { copyOf, liveTensor, zerosLike } from './create.js';
import { formatShape } from './shape.js';
import { noGrad, tidy, withGrad } from './scope.js';
import { Tensor } from './tensor.js';

export type Differentiable = (...args: Tensor[]) => Tensor;

/**
 * valueAndGrad(f)(...args) → { value, grads }: f's scalar value and its
 * gradient with respect to every argument (each the argument's shape). The
 * arguments are not changed; everything f makes along the way is freed, also
 * when f throws or returns something other than a scalar tensor.
 */
export function valueAndGrad(f: Differentiable): (...args: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') throw argumentError('valueAndGrad', 'f', 'a function of tensors', f);
  return (...args: Tensor[]) => {
    args.forEach((a, i) => liveTensor('valueAndGrad', a, `args[${i}]`));
    return tidy(() => {
      // Fresh leaves, so that f's graph (and its gradients) are this call's alone.
      const leaves = args.map((a) => copyOf(a, { requiresGrad: true, name: a.name }));
      const out: unknown = withGrad(() => f(...leaves));
      if (!(out instanceof Tensor)) throw argumentError('valueAndGrad', 'f(...)', 'a Tensor', out);
      if (out.size !== 1) throw shapeError(`valueAndGrad: f must return a scalar to differentiate, got shape ${formatShape(out.shape)}`);
      backward(out);
      // Copies made in this scope, so tidy hands them to the caller's scope.
      const grads = leaves.map((leaf) => noGrad(() => (leaf.grad ? copyOf(leaf.grad) : zerosLike(leaf))));
      const value = copyOf(out);
      return { value, grads };
    });
  };
}

/** grad(f)(...args) → the gradient of scalar f with respect to each argument. */
export function grad(f: Differentiable): (...args: Tensor[]) => Tensor[] {
  const both = valueAndGrad(f);
  return (...args: Tensor[]) => {
    const { value, grads } = both(...args);
    value.dispose();
    return grads;
  };
}
