/**
 * Elementwise ops, each forward next to its gradient rule. Binary ops
 * broadcast; a rule returns the gradient at the broadcast shape and
 * backward() sums it back to each operand's own shape.
 */
import { BINARY_IDS, SCALAR_IDS, UNARY_IDS, type BinaryOp, type ScalarOp, type UnaryOp } from '../../backend/kinds.js';
import { broadcastShapes, expandTo } from '../broadcast.js';
import { toTensor } from '../create.js';
import { Tensor } from '../tensor.js';
import { makeOp } from './record.js';

function binary(op: BinaryOp, a: Tensor, b: Tensor, rule: (g: Tensor, out: Tensor) => (Tensor | null)[]): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  let out!: Tensor;
  out = makeOp(op, shape, [a, b], (result) => {
    const x = expandTo(a, shape), y = expandTo(b, shape);
    a.kernels(op).mapBinary(BINARY_IDS[op], result.size, x.ptr, y.ptr, result.ptr);
    if (x !== a) x.dispose();
    if (y !== b) y.dispose();
  }, (g) => rule(g, out));
  return out;
}

function unary(op: UnaryOp, x: Tensor, rule: (g: Tensor, out: Tensor) => Tensor): Tensor {
  let out!: Tensor;
  out = makeOp(op, x.shape, [x], (result) => x.kernels(op).mapUnary(UNARY_IDS[op], x.size, x.ptr, result.ptr), (g) => [rule(g, out)]);
  return out;
}

/** x op s, with a plain number s (no graph node for the constant). */
function withScalar(op: ScalarOp, x: Tensor, s: number, detail: string, rule: (g: Tensor, out: Tensor) => Tensor): Tensor {
  let out!: Tensor;
  out = makeOp(op === 'rsub' ? 'sub' : op === 'rdiv' ? 'div' : op === 'rpow' ? 'pow' : op, x.shape, [x],
    (result) => x.kernels(op).mapScalar(SCALAR_IDS[op], x.size, x.ptr, s, result.ptr), (g) => [rule(g, out)], detail);
  return out;
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/** a + b. ∂/∂a = 1, ∂/∂b = 1. */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  if (isNumber(b) && a instanceof Tensor) return withScalar('add', a, b, `+ ${b}`, (g) => g);
  if (isNumber(a) && b instanceof Tensor) return add(b, a);
  const x = toTensor('add', a as Tensor, b as Tensor), y = toTensor('add', b, x);
  return binary('add', x, y, (g) => [g, g]);
}

/** a - b. ∂/∂a = 1, ∂/∂b = -1. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  if (isNumber(b) && a instanceof Tensor) return withScalar('add', a, -b, `- ${b}`, (g) => g);
  if (isNumber(a) && b instanceof Tensor) return withScalar('rsub', b, a, `${a} -`, (g) => neg(g));
  const x = toTensor('sub', a as Tensor, b as Tensor), y = toTensor('sub', b, x);
  return binary('sub', x, y, (g) => [g, neg(g)]);
}

/** a · b. ∂/∂a = b, ∂/∂b = a. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  if (isNumber(b) && a instanceof Tensor) return withScalar('mul', a, b, `× ${b}`, (g) => mul(g, b));
  if (isNumber(a) && b instanceof Tensor) return mul(b, a);
  const x = toTensor('mul', a as Tensor, b as Tensor), y = toTensor('mul', b, x);
  return binary('mul', x, y, (g) => [mul(g, y), mul(g, x)]);
}

/** a / b. ∂/∂a = 1/b, ∂/∂b = -a/b². */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  if (isNumber(b) && a instanceof Tensor) return withScalar('mul', a, 1 / b, `÷ ${b}`, (g) => mul(g, 1 / b));
  if (isNumber(a) && b instanceof Tensor) return withScalar('rdiv', b, a, `${a} ÷`, (g, out) => neg(div(mul(g, out), b)));
  const x = toTensor('div', a as Tensor, b as Tensor), y = toTensor('div', b, x);
  return binary('div', x, y, (g, out) => [div(g, y), neg(div(mul(g, out), y))]);
}

/**
 * a^b. With a number exponent: ∂/∂a = b·a^(b-1). With a tensor exponent also
 * ∂/∂b = a^b · ln a (defined for a > 0).
 */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  if (isNumber(b) && a instanceof Tensor) {
    return withScalar('pow', a, b, `^ ${b}`, (g) => mul(g, mul(pow(a, b - 1), b)));
  }
  if (isNumber(a) && b instanceof Tensor) return withScalar('rpow', b, a, `${a} ^`, (g, out) => mul(g, mul(out, Math.log(a))));
  const x = toTensor('pow', a as Tensor, b as Tensor), y = toTensor('pow', b, x);
  return binary('pow', x, y, (g, out) => [mul(g, mul(pow(x, sub(y, 1)), y)), mul(g, mul(out, log(x)))]);
}

/** -x. */
export function neg(x: Tensor): Tensor {
  return unary('neg', toTensor('neg', x, x), (g) => neg(g));
}

/** e^x. ∂/∂x = e^x, the output itself. */
export function exp(x: Tensor): Tensor {
  return unary('exp', toTensor('exp', x, x), (g, out) => mul(g, out));
}

/** ln x. ∂/∂x = 1/x. */
export function log(x: Tensor): Tensor {
  return unary('log', toTensor('log', x, x), (g) => div(g, x));
}

/** √x. ∂/∂x = 1/(2√x). */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', toTensor('sqrt', x, x), (g, out) => div(g, mul(out, 2)));
}

/** |x|. ∂/∂x = sign(x) (0 at 0). */
export function abs(x: Tensor): Tensor {
  return unary('abs', toTensor('abs', x, x), (g) => {
    const sign = makeOp('sign', x.shape, [x], (r) => x.kernels('abs').mapUnary(UNARY_IDS.sign, x.size, x.ptr, r.ptr), () => []);
    const result = mul(g, sign);
    sign.dispose();
    return result;
  });
}
