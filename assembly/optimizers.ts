// Parameter updates over the network's one contiguous parameter array.

/** Plain gradient descent, the seed's w ← w - η ∂L/∂w. */
export function sgdUpdate(n: i32, w: usize, g: usize, learningRate: f32): void {
  const bytes = <usize>n << 2;
  const vecBytes = bytes & ~15;
  const rate = f32x4.splat(learningRate);
  let i: usize = 0;
  for (; i < vecBytes; i += 16) {
    v128.store(w + i, f32x4.sub(v128.load(w + i), f32x4.mul(rate, v128.load(g + i))));
  }
  for (; i < bytes; i += 4) store<f32>(w + i, load<f32>(w + i) - learningRate * load<f32>(g + i));
}

/** Σ x², in f64: the squared gradient norm that guards an update against divergence. */
export function sumSquares(n: i32, x: usize): f64 {
  const bytes = <usize>n << 2;
  let sum: f64 = 0;
  for (let i: usize = 0; i < bytes; i += 4) {
    const v = <f64>load<f32>(x + i);
    sum += v * v;
  }
  return sum;
}
