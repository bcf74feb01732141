// The bias of a dense layer, forward (a = x·w + b, broadcast over rows) and
// its gradient (∂L/∂b_j = Σ_rows δ_j, the column sums of the delta).

/** c[i, :] += bias for each of `rows` rows of `cols` floats. */
export function biasAdd(rows: i32, cols: i32, bias: usize, c: usize): void {
  const rowBytes = <usize>cols << 2;
  const vecBytes = <usize>(cols & ~3) << 2;
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * rowBytes;
    let j: usize = 0;
    for (; j < vecBytes; j += 16) v128.store(row + j, f32x4.add(v128.load(row + j), v128.load(bias + j)));
    for (; j < rowBytes; j += 4) store<f32>(row + j, load<f32>(row + j) + load<f32>(bias + j));
  }
}

/** out[j] = Σ_i x[i, j]: the bias gradient from a layer's delta. Overwrites out. */
export function columnSums(rows: i32, cols: i32, x: usize, out: usize): void {
  const rowBytes = <usize>cols << 2;
  const vecBytes = <usize>(cols & ~3) << 2;
  memory.fill(out, 0, rowBytes);
  for (let i = 0; i < rows; i++) {
    const row = x + <usize>i * rowBytes;
    let j: usize = 0;
    for (; j < vecBytes; j += 16) v128.store(out + j, f32x4.add(v128.load(out + j), v128.load(row + j)));
    for (; j < rowBytes; j += 4) store<f32>(out + j, load<f32>(out + j) + load<f32>(row + j));
  }
}
