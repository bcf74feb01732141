/**
 * Broadcasting, as in NumPy: shapes align at the right, and a dimension of 1
 * (or a missing one) stretches to match. Forward ops materialize the
 * stretched operand; the gradient of a stretched operand is summed back to
 * its own shape, since each of its elements fed several outputs.
 */
import { shapeError } from '../errors.js';
import { runtime } from '../runtime.js';
import { formatShape, sameShape } from './shape.js';
import { allocate, kernelsOf, type Tensor } from './tensor.js';

export { formatShape, sameShape };

/** The broadcast shape of a and b; the error names both shapes. */
export function broadcastShapes(where: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(`${where}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (dimension ${i}: ${da} vs ${db})`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** t stretched to `shape` (a new tensor, no graph), or t itself if it already has that shape. */
export function expandTo(t: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(t.shape, shape)) return t;
  const rank = shape.length;
  const heap = runtime().heap;
  const kernels = kernelsOf(t, 'broadcast');
  const out = allocate(shape, t.backend, { requiresGrad: false, op: 'expand' });
  let table: number;
  try {
    table = heap.alloc(rank * 8);
  } catch (error) {
    out.dispose();
    throw error;
  }
  const i32 = heap.views.i32;
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    const own = t.shape[t.shape.length - rank + d] ?? 1;
    i32[(table >>> 2) + d] = shape[d];
    i32[(table >>> 2) + rank + d] = own === 1 ? 0 : stride;
    stride *= own;
  }
  kernels.broadcastCopy(rank, table, table + rank * 4, t.ptr, out.ptr, out.size);
  heap.free(table);
  return out;
}

/** Sums g over the axes along which `shape` was stretched to g's shape (a new tensor, or g itself). */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const kernels = kernelsOf(g, 'sumToShape');
  let current = g;
  const replace = (next: Tensor) => {
    if (current !== g) current.dispose();
    current = next;
  };
  const extra = g.shape.length - shape.length;
  if (extra > 0) {
    const lead = g.shape.slice(0, extra).reduce((a, b) => a * b, 1);
    const rest = g.shape.slice(extra);
    const next = allocate(rest, g.backend, { requiresGrad: false, op: 'sum' });
    kernels.reduceSum(1, lead, next.size, current.ptr, next.ptr);
    replace(next);
  }
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1 && current.shape[d] !== 1) {
      const outer = current.shape.slice(0, d).reduce((a, b) => a * b, 1);
      const inner = current.shape.slice(d + 1).reduce((a, b) => a * b, 1);
      const reducedShape = current.shape.map((n, i) => (i === d ? 1 : n));
      const next = allocate(reducedShape, g.backend, { requiresGrad: false, op: 'sum' });
      kernels.reduceSum(outer, current.shape[d], inner, current.ptr, next.ptr);
      replace(next);
    }
  }
  return current;
}
