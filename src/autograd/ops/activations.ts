/**
 * Activation ops, forward next to gradient; the derivatives use the kept
 * output, as the seed does, except gelu's and silu's, which need the input.
 */
import { ACTIVATION_IDS, UNARY_IDS } from '../../backend/kinds.js';
import { liveTensor } from '../create.js';
import { kernelsOf, type Tensor } from '../tensor.js';
import { mul, sub } from './elementwise.js';
import { makeOp } from './record.js';
import { sum } from './reduce.js';

function activation(op: 'sigmoid' | 'tanh' | 'relu', x: Tensor, rule: (g: Tensor, out: Tensor) => Tensor): Tensor {
  const input = liveTensor(op, x);
  let out!: Tensor;
  out = makeOp(op, input.shape, [input], (r) => kernelsOf(input, op).mapUnary(UNARY_IDS[op], input.size, input.ptr, r.ptr), (g) => [rule(g, out)]);
  return out;
}

/** σ(x) = 1/(1 + e^-x). ∂/∂x = y(1 - y). */
export function sigmoid(x: Tensor): Tensor {
  return activation('sigmoid', x, (g, y) => mul(g, mul(y, sub(1, y))));
}

/** tanh x. ∂/∂x = 1 - y². */
export function tanh(x: Tensor): Tensor {
  return activation('tanh', x, (g, y) => mul(g, sub(1, mul(y, y))));
}

/** max(0, x). ∂/∂x = 1 where x > 0, else 0. */
export function relu(x: Tensor): Tensor {
  return activation('relu', x, (g) => {
    const step = makeOp('step', x.shape, [x], (r) => kernelsOf(x, 'relu').mapUnary(UNARY_IDS.step, x.size, x.ptr, r.ptr), () => []);
    return mul(g, step);
  });
}

/** Softmax over the last axis, stable. ∂/∂x = y ⊙ (g - Σ_last g ⊙ y). */
export function softmax(x: Tensor): Tensor {
  const input = liveTensor('softmax', x);
  const cols = input.shape.length === 0 ? 1 : input.shape[input.shape.length - 1];
  let out!: Tensor;
  out = makeOp('softmax', input.shape, [input],
    (r) => kernelsOf(input, 'softmax').softmaxRows(input.size / cols, cols, input.ptr, r.ptr),
    (g) => [mul(out, sub(g, sum(mul(g, out), -1, true)))]);
  return out;
}

/**
 * An activation whose derivative needs its input x (not monotonic: one y, two
 * x): forward and gradient g·f'(x) by the backends' activation kernels. The
 * gradient node has no rule of its own (as relu's step): gradients of
 * gradients are not supported.
 */
function inputActivation(op: 'gelu' | 'silu', x: Tensor): Tensor {
  const input = liveTensor(op, x);
  const kind = ACTIVATION_IDS[op];
  return makeOp(op, input.shape, [input], (r) => kernelsOf(input, op).activationForward(kind, 1, input.size, input.ptr, r.ptr),
    (g) => [makeOp(`${op}Grad`, input.shape, [input, g], (r) => kernelsOf(input, op).activationBackward(kind, input.size, input.ptr, g.ptr, r.ptr), () => [])]);
}

/** gelu(x) = x·Φ(x), Φ the standard normal CDF by erf (exact, as Keras/TF.js `gelu`). ∂/∂x = Φ(x) + x·φ(x). */
export function gelu(x: Tensor): Tensor {
  return inputActivation('gelu', x);
}

/** silu(x) = x·σ(x) (TF.js `swish`). ∂/∂x = σ(x)(1 + x(1 - σ(x))). */
export function silu(x: Tensor): Tensor {
  return inputActivation('silu', x);
}
