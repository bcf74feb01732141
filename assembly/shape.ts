// Kernels that move values between shapes for the tensor graph: broadcasting
// (materialized), reductions over one axis, 2-D transpose and row softmax.

/**
 * Broadcast copy: y (rank dims, shape at shapePtr) from x, whose strides (in
 * elements, 0 along broadcast axes) are at stridesPtr. Both tables are i32.
 */
export function broadcastCopy(rank: i32, shapePtr: usize, stridesPtr: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    let rest = i;
    let offset = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const extent = load<i32>(shapePtr + (<usize>d << 2));
      offset += (rest % extent) * load<i32>(stridesPtr + (<usize>d << 2));
      rest /= extent;
    }
    store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>offset << 2)));
  }
}

/** y[o, i] = Σ_a x[o, a, i] for x viewed as outer × axis × inner. */
export function reduceSum(outer: i32, axis: i32, inner: i32, x: usize, y: usize): void {
  const innerBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const out = y + <usize>o * innerBytes;
    memory.fill(out, 0, innerBytes);
    for (let a = 0; a < axis; a++) {
      const row = x + (<usize>(o * axis + a)) * innerBytes;
      let i: usize = 0;
      for (; i + 16 <= innerBytes; i += 16) v128.store(out + i, f32x4.add(v128.load(out + i), v128.load(row + i)));
      for (; i < innerBytes; i += 4) store<f32>(out + i, load<f32>(out + i) + load<f32>(row + i));
    }
  }
}

/** y[o, i] = max_a x[o, a, i]. */
export function reduceMax(outer: i32, axis: i32, inner: i32, x: usize, y: usize): void {
  const innerBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const out = y + <usize>o * innerBytes;
    memory.copy(out, x + <usize>(o * axis) * innerBytes, innerBytes);
    for (let a = 1; a < axis; a++) {
      const row = x + (<usize>(o * axis + a)) * innerBytes;
      for (let i: usize = 0; i < innerBytes; i += 4) store<f32>(out + i, max(load<f32>(out + i), load<f32>(row + i)));
    }
  }
}

/** y = xᵀ for x rows × cols. */
export function transpose(rows: i32, cols: i32, x: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      store<f32>(y + (<usize>(c * rows + r) << 2), load<f32>(x + (<usize>(r * cols + c) << 2)));
    }
  }
}

/** Softmax of each row, stable: exp(x - max) / Σ exp(x - max). */
export function softmaxRows(rows: i32, cols: i32, x: usize, y: usize): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2);
    const yr = y + (<usize>(r * cols) << 2);
    let top = load<f32>(xr);
    for (let c = 1; c < cols; c++) top = max(top, load<f32>(xr + (<usize>c << 2)));
    let sum: f32 = 0;
    for (let c = 0; c < cols; c++) {
      const e = Mathf.exp(load<f32>(xr + (<usize>c << 2)) - top);
      store<f32>(yr + (<usize>c << 2), e);
      sum += e;
    }
    const inv: f32 = 1 / sum;
    for (let c = 0; c < cols; c++) store<f32>(yr + (<usize>c << 2), load<f32>(yr + (<usize>c << 2)) * inv);
  }
}
