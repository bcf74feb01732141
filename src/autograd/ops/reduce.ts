/** Reductions over all elements or one axis, forward next to gradient. */
import { BINARY_IDS, SCALAR_IDS } from '../../backend/kinds.js';
import { argumentError, optionalBoolean } from '../../nn/validate.js';
import { expandTo, formatShape } from '../broadcast.js';
import { liveTensor } from '../create.js';
import { kernelsOf, type Tensor } from '../tensor.js';
import { div, mul } from './elementwise.js';
import { makeOp } from './record.js';

/** outer × axis × inner view of `shape` for reducing `axis` (undefined: everything). */
function split(where: string, shape: readonly number[], axis: number | undefined) {
  if (axis === undefined) return { outer: 1, length: shape.reduce((a, b) => a * b, 1), inner: 1, axis: -1 };
  const rank = shape.length;
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw argumentError(where, 'axis', `an integer axis of a rank-${rank} tensor (from ${-rank} to ${rank - 1}) for shape ${formatShape(shape)}`, axis);
  }
  const a = axis < 0 ? axis + rank : axis;
  return {
    outer: shape.slice(0, a).reduce((x, y) => x * y, 1), length: shape[a],
    inner: shape.slice(a + 1).reduce((x, y) => x * y, 1), axis: a,
  };
}

/** The result shape, and the same with the reduced axis kept as 1 (for broadcasting the gradient back). */
function reducedShapes(shape: readonly number[], axis: number, keepDims: boolean) {
  if (axis < 0) return { shape: keepDims ? shape.map(() => 1) : [], kept: shape.map(() => 1) };
  const kept = shape.map((n, i) => (i === axis ? 1 : n));
  return { shape: keepDims ? kept : shape.filter((_, i) => i !== axis), kept };
}

/** Σ over all elements, or over `axis`. ∂/∂x = 1 for every element summed. */
export function sum(x: Tensor, axis?: number, keepDims = false): Tensor {
  const input = liveTensor('sum', x);
  optionalBoolean('sum', 'keepDims', keepDims, false);
  const s = split('sum', input.shape, axis);
  const shapes = reducedShapes(input.shape, s.axis, keepDims);
  return makeOp('sum', shapes.shape, [input],
    (r) => kernelsOf(input, 'sum').reduceSum(s.outer, s.length, s.inner, input.ptr, r.ptr),
    (g) => [expandTo(reshapeView(g, shapes.kept), input.shape)], axis === undefined ? '' : `axis ${axis}`);
}

/** The mean over all elements, or over `axis`. */
export function mean(x: Tensor, axis?: number, keepDims = false): Tensor {
  const input = liveTensor('mean', x);
  optionalBoolean('mean', 'keepDims', keepDims, false);
  const count = split('mean', input.shape, axis).length;
  return div(sum(input, axis, keepDims), count);
}

/**
 * The maximum over all elements, or over `axis`. The gradient flows to the
 * elements equal to the maximum (to each of them, where there are ties).
 */
export function max(x: Tensor, axis?: number, keepDims = false): Tensor {
  const input = liveTensor('max', x);
  optionalBoolean('max', 'keepDims', keepDims, false);
  const s = split('max', input.shape, axis);
  const shapes = reducedShapes(input.shape, s.axis, keepDims);
  let out!: Tensor;
  out = makeOp('max', shapes.shape, [input],
    (r) => kernelsOf(input, 'max').reduceMax(s.outer, s.length, s.inner, input.ptr, r.ptr),
    (g) => {
      const top = expandTo(reshapeView(out, shapes.kept), input.shape);
      const mask = makeOp('equal', input.shape, [input],
        (r) => kernelsOf(input, 'max').mapBinary(BINARY_IDS.equal, input.size, input.ptr, top.ptr, r.ptr), () => []);
      return [mul(expandTo(reshapeView(g, shapes.kept), input.shape), mask)];
    }, axis === undefined ? '' : `axis ${axis}`);
  return out;
}

/** The same values under another shape, as a new tensor without a graph edge (used inside rules). */
function reshapeView(t: Tensor, shape: readonly number[]): Tensor {
  return makeOp('reshape', shape, [t], (r) => kernelsOf(t, 'reshape').mapScalar(SCALAR_IDS.mul, t.size, t.ptr, 1, r.ptr), () => []);
}
