import type { MemoryViews } from '../../heap.js';

// The pure-TS twin of assembly/shape.ts: broadcasting (materialized), reductions over one axis,
// 2-D transpose and row softmax.

export function broadcastCopy(v: MemoryViews, rank: number, shapePtr: number, stridesPtr: number, x: number, y: number, n: number): void {
  const f = v.f32, i32 = v.i32, S = shapePtr >>> 2, T = stridesPtr >>> 2, X = x >>> 2, Y = y >>> 2;
  for (let i = 0; i < n; i++) {
    let rest = i, offset = 0;
    for (let d = rank - 1; d >= 0; d--) {
      offset += (rest % i32[S + d]) * i32[T + d];
      rest = Math.floor(rest / i32[S + d]);
    }
    f[Y + i] = f[X + offset];
  }
}

export function reduceSum(v: MemoryViews, outer: number, axis: number, inner: number, x: number, y: number): void {
  const f = v.f32, X = x >>> 2, Y = y >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let sum = 0;
      for (let a = 0; a < axis; a++) sum += f[X + (o * axis + a) * inner + i];
      f[Y + o * inner + i] = sum;
    }
  }
}

export function reduceMax(v: MemoryViews, outer: number, axis: number, inner: number, x: number, y: number): void {
  const f = v.f32, X = x >>> 2, Y = y >>> 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let top = f[X + o * axis * inner + i];
      for (let a = 1; a < axis; a++) top = Math.max(top, f[X + (o * axis + a) * inner + i]);
      f[Y + o * inner + i] = top;
    }
  }
}

export function transpose(v: MemoryViews, rows: number, cols: number, x: number, y: number): void {
  const f = v.f32, X = x >>> 2, Y = y >>> 2;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) f[Y + c * rows + r] = f[X + r * cols + c];
}

export function softmaxRows(v: MemoryViews, rows: number, cols: number, x: number, y: number): void {
  const f = v.f32;
  for (let r = 0; r < rows; r++) {
    const X = (x >>> 2) + r * cols, Y = (y >>> 2) + r * cols;
    let top = -Infinity;
    for (let c = 0; c < cols; c++) top = Math.max(top, f[X + c]);
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += Math.exp(f[X + c] - top);
    for (let c = 0; c < cols; c++) f[Y + c] = Math.exp(f[X + c] - top) / sum;
  }
}
