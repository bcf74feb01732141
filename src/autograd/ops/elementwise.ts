/**
 * Elementwise ops, each forward next to its gradient rule. Binary ops
 * broadcast; a rule returns the gradient at the broadcast shape and
 * backward() sums it back to each operand's own shape.
 *
 * A number operand goes to the kernels as a float32, so it must be one that
 * float32 holds as a finite value (1e39 would become Infinity): the public
 * ops check it; the gradient rules use `scaled`, which does not, since the
 * constants they derive (1/b, ln a) may legitimately be infinite or NaN.
 */
import { BINARY_IDS, SCALAR_IDS, UNARY_IDS, type BinaryOp, type ScalarOp, type UnaryOp } from '../../backend/kinds.js';
import { argumentError } from '../../nn/validate.js';
import { broadcastShapes, expandTo } from '../broadcast.js';
import { float32Number, liveTensor } from '../create.js';
import { kernelsOf, Tensor } from '../tensor.js';
import { makeOp } from './record.js';

function binary(op: BinaryOp, a: Tensor, b: Tensor, rule: (g: Tensor, out: Tensor) => (Tensor | null)[]): Tensor {
  const shape = broadcastShapes(op, a.shape, b.shape);
  let out!: Tensor;
  out = makeOp(op, shape, [a, b], (result) => {
    let x: Tensor | null = null, y: Tensor | null = null;
    try {
      x = expandTo(a, shape);
      y = expandTo(b, shape);
      kernelsOf(a, op).mapBinary(BINARY_IDS[op], result.size, x.ptr, y.ptr, result.ptr);
    } finally {
      if (x && x !== a) x.dispose();
      if (y && y !== b) y.dispose();
    }
  }, (g) => rule(g, out));
  return out;
}

function unary(op: UnaryOp, x: Tensor, rule: (g: Tensor, out: Tensor) => Tensor): Tensor {
  let out!: Tensor;
  out = makeOp(op, x.shape, [x], (result) => kernelsOf(x, op).mapUnary(UNARY_IDS[op], x.size, x.ptr, result.ptr), (g) => [rule(g, out)]);
  return out;
}

/** x op s, with a plain number s (no graph node for the constant). s is not checked. */
function withScalar(op: ScalarOp, x: Tensor, s: number, detail: string, rule: (g: Tensor, out: Tensor) => Tensor): Tensor {
  let out!: Tensor;
  out = makeOp(op === 'rsub' ? 'sub' : op === 'rdiv' ? 'div' : op === 'rpow' ? 'pow' : op, x.shape, [x],
    (result) => kernelsOf(x, op).mapScalar(SCALAR_IDS[op], x.size, x.ptr, s, result.ptr), (g) => [rule(g, out)], detail);
  return out;
}

/** g · s for a derived constant s, unchecked (gradient rules only). */
function scaled(g: Tensor, s: number): Tensor {
  return withScalar('mul', g, s, `× ${s}`, (h) => scaled(h, s));
}

const isNumber = (v: unknown): v is number => typeof v === 'number';

/**
 * Sorts out a binary op's operands: both tensors, or a tensor and a number
 * (checked as a finite float32). Two numbers, or anything else, are refused.
 */
function operands(where: string, a: unknown, b: unknown): { x: Tensor; y: Tensor } | { tensor: Tensor; number: number; numberFirst: boolean } {
  if (a instanceof Tensor && b instanceof Tensor) return { x: liveTensor(where, a, 'a'), y: liveTensor(where, b, 'b') };
  if (a instanceof Tensor && isNumber(b)) return { tensor: liveTensor(where, a, 'a'), number: float32Number(where, 'b', b), numberFirst: false };
  if (isNumber(a) && b instanceof Tensor) return { tensor: liveTensor(where, b, 'b'), number: float32Number(where, 'a', a), numberFirst: true };
  if (!(a instanceof Tensor) && !isNumber(a)) throw argumentError(where, 'a', 'a Tensor or a number', a);
  if (!(b instanceof Tensor) && !isNumber(b)) throw argumentError(where, 'b', 'a Tensor or a number', b);
  throw argumentError(where, 'a', 'a Tensor when b is a number (at least one operand must be a Tensor)', a);
}

/** a + b. ∂/∂a = 1, ∂/∂b = 1. */
export function add(a: Tensor | number, b: Tensor | number): Tensor {
  const o = operands('add', a, b);
  if ('x' in o) return binary('add', o.x, o.y, (g) => [g, g]);
  return withScalar('add', o.tensor, o.number, `+ ${o.number}`, (g) => g);
}

/** a - b. ∂/∂a = 1, ∂/∂b = -1. */
export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  const o = operands('sub', a, b);
  if ('x' in o) return binary('sub', o.x, o.y, (g) => [g, neg(g)]);
  if (o.numberFirst) return withScalar('rsub', o.tensor, o.number, `${o.number} -`, (g) => neg(g));
  return withScalar('add', o.tensor, -o.number, `- ${o.number}`, (g) => g);
}

/** a · b. ∂/∂a = b, ∂/∂b = a. */
export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  const o = operands('mul', a, b);
  if ('x' in o) {
    const { x, y } = o;
    return binary('mul', x, y, (g) => [mul(g, y), mul(g, x)]);
  }
  const s = o.number;
  return withScalar('mul', o.tensor, s, `× ${s}`, (g) => scaled(g, s));
}

/** a / b. ∂/∂a = 1/b, ∂/∂b = -a/b². */
export function div(a: Tensor | number, b: Tensor | number): Tensor {
  const o = operands('div', a, b);
  if ('x' in o) {
    const { x, y } = o;
    return binary('div', x, y, (g, out) => [div(g, y), neg(div(mul(g, out), y))]);
  }
  const s = o.number, t = o.tensor;
  if (o.numberFirst) return withScalar('rdiv', t, s, `${s} ÷`, (g, out) => neg(div(mul(g, out), t)));
  // Multiplying by 1/s: x / 0 gives ±Infinity (NaN for 0 / 0) as IEEE division does.
  return withScalar('mul', t, 1 / s, `÷ ${s}`, (g) => scaled(g, 1 / s));
}

/**
 * a^b. With a number exponent: ∂/∂a = b·a^(b-1). With a tensor exponent also
 * ∂/∂b = a^b · ln a (defined for a > 0).
 */
export function pow(a: Tensor | number, b: Tensor | number): Tensor {
  const o = operands('pow', a, b);
  if ('x' in o) {
    const { x, y } = o;
    return binary('pow', x, y, (g, out) => [mul(g, mul(pow(x, sub(y, 1)), y)), mul(g, mul(out, log(x)))]);
  }
  const s = o.number, t = o.tensor;
  if (o.numberFirst) return withScalar('rpow', t, s, `${s} ^`, (g, out) => mul(g, scaled(out, Math.log(s))));
  return withScalar('pow', t, s, `^ ${s}`, (g) => mul(g, scaled(pow(t, s - 1), s)));
}

/** -x. */
export function neg(x: Tensor): Tensor {
  return unary('neg', liveTensor('neg', x), (g) => neg(g));
}

/** e^x. ∂/∂x = e^x, the output itself. */
export function exp(x: Tensor): Tensor {
  return unary('exp', liveTensor('exp', x), (g, out) => mul(g, out));
}

/** ln x. ∂/∂x = 1/x. */
export function log(x: Tensor): Tensor {
  return unary('log', liveTensor('log', x), (g) => div(g, x));
}

/** √x. ∂/∂x = 1/(2√x). */
export function sqrt(x: Tensor): Tensor {
  return unary('sqrt', liveTensor('sqrt', x), (g, out) => div(g, scaled(out, 2)));
}

/** |x|. ∂/∂x = sign(x) (0 at 0). */
export function abs(x: Tensor): Tensor {
  const input = liveTensor('abs', x);
  return unary('abs', input, (g) => {
    const sign = makeOp('sign', input.shape, [input], (r) => kernelsOf(input, 'abs').mapUnary(UNARY_IDS.sign, input.size, input.ptr, r.ptr), () => []);
    const result = mul(g, sign);
    sign.dispose();
    return result;
  });
}
