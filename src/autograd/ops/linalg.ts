/** Matrix product, transpose and reshape, forward next to gradient. */
import { SCALAR_IDS } from '../../backend/kinds.js';
import { runtime } from '../../runtime.js';
import { shapeError } from '../../errors.js';
import { formatShape } from '../broadcast.js';
import { checkShape, liveTensor } from '../create.js';
import { kernelsOf, type Tensor } from '../tensor.js';
import { makeOp } from './record.js';

/**
 * a·b for 2-D a (m×k) and b (k×n), by the backend's GEMM. The gradients use
 * the same GEMM with transposed operands: ∂/∂a = g·bᵀ, ∂/∂b = aᵀ·g.
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const x = liveTensor('matmul', a, 'a'), y = liveTensor('matmul', b, 'b');
  if (x.rank !== 2 || y.rank !== 2 || x.shape[1] !== y.shape[0]) {
    throw shapeError(`matmul: needs 2-D operands m×k and k×n, got shapes ${formatShape(x.shape)} and ${formatShape(y.shape)}`);
  }
  const [m, k] = x.shape, n = y.shape[1];
  const gemm = (transA: number, transB: number, rows: number, cols: number, depth: number, A: Tensor, lda: number, B: Tensor, ldb: number, C: Tensor) =>
    kernelsOf(x, 'matmul').gemm(transA, transB, rows, cols, depth, 1, A.ptr, lda, B.ptr, ldb, 0, C.ptr, cols, runtime().gemmWork);
  return makeOp('matmul', [m, n], [x, y], (r) => gemm(0, 0, m, n, k, x, k, y, n, r), (g) => {
    const ga = makeOp('matmul', [m, k], [g, y], (r) => gemm(0, 1, m, k, n, g, n, y, n, r), () => []);
    const gb = makeOp('matmul', [k, n], [x, g], (r) => gemm(1, 0, k, n, m, x, k, g, n, r), () => []);
    return [ga, gb];
  });
}

/** The transpose of a 2-D tensor. ∂/∂x = gᵀ. */
export function transpose(x: Tensor): Tensor {
  const input = liveTensor('transpose', x);
  if (input.rank !== 2) throw shapeError(`transpose: needs a 2-D tensor, got shape ${formatShape(input.shape)}`);
  const [rows, cols] = input.shape;
  return makeOp('transpose', [cols, rows], [input], (r) => kernelsOf(input, 'transpose').transpose(rows, cols, input.ptr, r.ptr),
    (g) => [transpose(g)]);
}

/** The same values in another shape of the same size. ∂/∂x = g in x's shape. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const input = liveTensor('reshape', x);
  checkShape('reshape', shape);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== input.size) {
    throw shapeError(`reshape: shape ${formatShape(shape)} holds ${size} values, but the tensor of shape ${formatShape(input.shape)} has ${input.size}`);
  }
  return makeOp('reshape', shape, [input], (r) => kernelsOf(input, 'reshape').mapScalar(SCALAR_IDS.mul, input.size, input.ptr, 1, r.ptr),
    (g) => [reshape(g, input.shape)], formatShape(shape));
}
