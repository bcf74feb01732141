/**
 * The seed's 2-3-2 sigmoid network with the L2 loss
 * (shared/seeds/001_14799c3e38cefb82.txt), every formula computed by hand here
 * and compared with what the library returns, on both backends.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, sgd } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

const σ = (a: number) => 1 / (1 + Math.exp(-a));

// x → (w, b¹) → h → (u, b²) → y, with t the target.
const x = [0.35, 0.9];
const t = [0.5, 0.1];
const w = [[0.1, 0.4, -0.3], [0.8, -0.6, 0.2]]; // w_ij: input i → hidden j
const b1 = [0.05, -0.1, 0.2];
const u = [[0.3, -0.9], [0.7, 0.5], [-0.4, 0.6]]; // u_jk: hidden j → output k
const b2 = [0.1, -0.2];
const η = 0.5;

/** Everything the seed derives, in float64 from its formulas. */
function byHand() {
  const h = [0, 1, 2].map((j) => σ(x[0] * w[0][j] + x[1] * w[1][j] + b1[j]));
  const y = [0, 1].map((k) => σ(h[0] * u[0][k] + h[1] * u[1][k] + h[2] * u[2][k] + b2[k]));
  const L = 0.5 * ((y[0] - t[0]) ** 2 + (y[1] - t[1]) ** 2);
  // δ_j = (y_j - t_j) y_j (1 - y_j)
  const δ = [0, 1].map((k) => (y[k] - t[k]) * y[k] * (1 - y[k]));
  // ∂L/∂u_ij = δ_j h_i
  const dU = [0, 1, 2].map((i) => [0, 1].map((j) => δ[j] * h[i]));
  // ∂L/∂w_ij = Σ_k (y_k - t_k) y_k (1 - y_k) u_jk h_j (1 - h_j) x_i
  const dW = [0, 1].map((i) => [0, 1, 2].map((j) =>
    [0, 1].reduce((sum, k) => sum + (y[k] - t[k]) * y[k] * (1 - y[k]) * u[j][k], 0) * h[j] * (1 - h[j]) * x[i]));
  // The biases see an input of 1.
  const db2 = δ;
  const db1 = [0, 1, 2].map((j) => [0, 1].reduce((s, k) => s + δ[k] * u[j][k], 0) * h[j] * (1 - h[j]));
  return { h, y, L, dU, dW, db1, db2 };
}

beforeAll(initFromBuild);

describe.each(['wasm', 'js'] as const)('the seed network (%s backend)', (backend) => {
  const build = () => {
    const net = sequential({
      inputSize: 2,
      layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })],
      loss: 'l2', optimizer: sgd({ learningRate: η }), seed: 1, backend,
    });
    net.setWeights([{ weights: w, bias: b1 }, { weights: u, bias: b2 }]);
    return net;
  };

  it('forward pass and loss match y = σ(σ(xw + b¹)u + b²) and L = 1/2 Σ (y - t)²', () => {
    const net = build();
    const expected = byHand();
    const [y] = net.predict([x]);
    y.forEach((yk, k) => expect(yk).toBeCloseTo(expected.y[k], 6));
    expect(net.evaluate([x], [t]).loss).toBeCloseTo(expected.L, 7);
    net.dispose();
  });

  it('gradients equal the hand formulas ∂L/∂u_ij = δ_j h_i and ∂L/∂w_ij = Σ_k δ_k u_jk h_j(1-h_j) x_i', () => {
    const net = build();
    const expected = byHand();
    const [hidden, output] = net.gradients([x], [t]);
    const close = (got: number, want: number) => expect(Math.abs(got - want)).toBeLessThan(1e-7 + 1e-5 * Math.abs(want));
    expected.dU.forEach((row, i) => row.forEach((g, j) => close(output.weights[i][j], g)));
    expected.dW.forEach((row, i) => row.forEach((g, j) => close(hidden.weights[i][j], g)));
    expected.db2.forEach((g, j) => close(output.bias[j], g));
    expected.db1.forEach((g, j) => close(hidden.bias[j], g));
    // The gradient is not trivially zero anywhere in this configuration.
    for (const g of [...expected.dU.flat(), ...expected.dW.flat()]) expect(Math.abs(g)).toBeGreaterThan(1e-4);
    net.dispose();
  });

  it('one fit step moves every parameter by exactly -η ∂L/∂w (in float32)', () => {
    const net = build();
    const before = net.getWeights();
    const grads = net.gradients([x], [t]);
    net.fitSync([x], [t], { epochs: 1, batchSize: 1, shuffle: false });
    const after = net.getWeights();
    const rate = Math.fround(η);
    before.forEach((layer, l) => {
      layer.weights.forEach((row, i) => row.forEach((w0, j) => {
        const g = grads[l].weights[i][j];
        expect(after[l].weights[i][j]).toBe(Math.fround(w0 - Math.fround(rate * g)));
        expect((after[l].weights[i][j] - w0) / -η).toBeCloseTo(g, 6);
      }));
      layer.bias.forEach((b0, j) => {
        expect(after[l].bias[j]).toBe(Math.fround(b0 - Math.fround(rate * grads[l].bias[j])));
      });
    });
    net.dispose();
  });

  it('the step lowers the loss, as gradient descent promises', () => {
    const net = build();
    const before = net.evaluate([x], [t]).loss;
    net.fitSync([x], [t], { epochs: 1, batchSize: 1 });
    expect(net.evaluate([x], [t]).loss).toBeLessThan(before);
    net.dispose();
  });
});
