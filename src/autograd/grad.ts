/** Functional gradients: grad(f) and valueAndGrad(f), as in JAX and TensorFlow.js. */
import { argumentError } from '../nn/validate.js';
import { backward } from './backward.js';
import { fromValues } from './create.js';
import { mul } from './ops/elementwise.js';
import { noGrad, Tensor, tidy } from './tensor.js';

export type Differentiable = (...args: Tensor[]) => Tensor;

/**
 * valueAndGrad(f)(...args) → { value, grads }: f's scalar value and its
 * gradient with respect to every argument (each the argument's shape). The
 * arguments are not changed; everything f makes along the way is freed.
 */
export function valueAndGrad(f: Differentiable): (...args: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  if (typeof f !== 'function') throw argumentError('valueAndGrad', 'f', 'a function of tensors', f);
  return (...args: Tensor[]) => {
    args.forEach((a, i) => {
      if (!(a instanceof Tensor)) throw argumentError('valueAndGrad', `args[${i}]`, 'a Tensor', a);
      a.assertLive('valueAndGrad');
    });
    return tidy(() => {
      const leaves = args.map((a) => fromValues(a.dataSync(), a.shape, { requiresGrad: true, backend: a.backend, name: a.name }));
      const out = f(...leaves);
      if (!(out instanceof Tensor)) throw argumentError('valueAndGrad', 'f(...)', 'a Tensor', out);
      if (out.size !== 1) throw new RangeError(`valueAndGrad: f must return a scalar to differentiate, got shape [${out.shape.join(', ')}]`);
      backward(out);
      // Copies made in this scope, so tidy hands them to the caller's scope.
      const grads = leaves.map((leaf) => {
        const g = noGrad(() => (leaf.grad ? mul(leaf.grad, 1) : fromValues(new Float32Array(leaf.size), leaf.shape, { backend: leaf.backend })));
        leaf.zeroGrad();
        return g;
      });
      const value = noGrad(() => fromValues(out.dataSync(), out.shape, { backend: out.backend }));
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
