/**
 * The computational graph's public face: ops as functions and as chainable
 * Tensor methods (attached here, TensorFlow.js style, so each op file stays
 * independent of the Tensor class).
 */
import { backward } from './backward.js';
import { abs, add, div, exp, log, mul, neg, pow, sqrt, sub } from './ops/elementwise.js';
import { gelu, relu, sigmoid, silu, softmax, tanh } from './ops/activations.js';
import { max, mean, sum } from './ops/reduce.js';
import { matmul, reshape, transpose } from './ops/linalg.js';
import { l2Loss, mseLoss } from './ops/losses.js';
import { Tensor } from './tensor.js';

declare module './tensor.js' {
  interface Tensor {
    add(other: Tensor | number): Tensor;
    sub(other: Tensor | number): Tensor;
    mul(other: Tensor | number): Tensor;
    div(other: Tensor | number): Tensor;
    pow(exponent: Tensor | number): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    gelu(): Tensor;
    silu(): Tensor;
    softmax(): Tensor;
    sum(axis?: number, keepDims?: boolean): Tensor;
    mean(axis?: number, keepDims?: boolean): Tensor;
    max(axis?: number, keepDims?: boolean): Tensor;
    matmul(other: Tensor): Tensor;
    transpose(): Tensor;
    reshape(shape: readonly number[]): Tensor;
    /** Runs backpropagation from this tensor; see `backward`. */
    backward(seed?: Tensor | number): void;
  }
}

const methods: Record<string, (this: Tensor, ...args: never[]) => unknown> = {
  add(this: Tensor, other: Tensor | number) { return add(this, other); },
  sub(this: Tensor, other: Tensor | number) { return sub(this, other); },
  mul(this: Tensor, other: Tensor | number) { return mul(this, other); },
  div(this: Tensor, other: Tensor | number) { return div(this, other); },
  pow(this: Tensor, exponent: Tensor | number) { return pow(this, exponent); },
  neg(this: Tensor) { return neg(this); },
  exp(this: Tensor) { return exp(this); },
  log(this: Tensor) { return log(this); },
  sqrt(this: Tensor) { return sqrt(this); },
  abs(this: Tensor) { return abs(this); },
  sigmoid(this: Tensor) { return sigmoid(this); },
  tanh(this: Tensor) { return tanh(this); },
  relu(this: Tensor) { return relu(this); },
  gelu(this: Tensor) { return gelu(this); },
  silu(this: Tensor) { return silu(this); },
  softmax(this: Tensor) { return softmax(this); },
  sum(this: Tensor, axis?: number, keepDims?: boolean) { return sum(this, axis, keepDims); },
  mean(this: Tensor, axis?: number, keepDims?: boolean) { return mean(this, axis, keepDims); },
  max(this: Tensor, axis?: number, keepDims?: boolean) { return max(this, axis, keepDims); },
  matmul(this: Tensor, other: Tensor) { return matmul(this, other); },
  transpose(this: Tensor) { return transpose(this); },
  reshape(this: Tensor, shape: readonly number[]) { return reshape(this, shape); },
  backward(this: Tensor, seed?: Tensor | number) { backward(this, seed); },
};
Object.assign(Tensor.prototype, methods);

export { Tensor, type TensorOptions, type NestedArray } from './tensor.js';
export { tidy, noGrad } from './scope.js';
export { tensor, scalar, zeros, ones } from './create.js';
export { abs, add, div, exp, log, mul, neg, pow, sqrt, sub, relu, gelu, silu, sigmoid, softmax, tanh, max, mean, sum, matmul, reshape, transpose, l2Loss, mseLoss, backward };
export { grad, valueAndGrad, type Differentiable } from './grad.js';
export { checkGradients, type GradientCheck } from './check.js';
export { trace, toDot } from './trace.js';
