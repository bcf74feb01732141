// Inverted dropout, forward next to backward: during training each unit's
// output is kept with probability 1 - rate and then scaled by 1/(1 - rate),
// so at inference nothing changes. The mask comes from a xorshift32 stream
// whose state lives in the network's descriptor (seeded from the network's
// seed), so a run is reproducible bit for bit.

import { slopeV } from './activations';

/** The next value of the xorshift32 stream at `state`, as a float in [0, 1). */
@inline function nextUniform(state: usize): f32 {
  let x = load<u32>(state);
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  store<u32>(state, x);
  return <f32>(x >> 8) * (<f32>1 / <f32>16777216);
}

/** y ⊙= mask, mask_i = [u_i ≥ rate] / (1 - rate), for n values; the mask is kept for the backward pass. */
export function dropoutForward(n: i32, y: usize, mask: usize, rate: f32, state: usize): void {
  const keep: f32 = 1 / (1 - rate);
  for (let i = 0; i < n; i++) {
    const m: f32 = nextUniform(state) >= rate ? keep : 0;
    const o = <usize>i << 2;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(y + o) * m);
  }
}

/**
 * delta ⊙= mask ⊙ f'(h), where h = y·(1 - rate) is the output before dropout
 * (only kept units matter: the others get 0 whatever their slope).
 */
export function dropoutBackward(kind: i32, n: i32, y: usize, mask: usize, rate: f32, delta: usize): void {
  const unscale: f32 = 1 - rate;
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const m = load<f32>(mask + o);
    if (m == 0) {
      store<f32>(delta + o, 0);
      continue;
    }
    const slope = f32x4.extract_lane(slopeV(kind, f32x4.splat(load<f32>(y + o) * unscale)), 0);
    store<f32>(delta + o, load<f32>(delta + o) * m * slope);
  }
}

