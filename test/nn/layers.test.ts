/** Layer specs and weight initializers. */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, INITIALIZERS } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

describe('initializers', () => {
  it.each(INITIALIZERS)('%s draws W with the documented variance (zero mean; uniform ones bounded), biases 0', (initializer) => {
    const [inSize, outSize] = [400, 300];
    const net = sequential({ inputSize: inSize, layers: [dense(outSize, { activation: 'tanh', initializer })], seed: 11 });
    const [{ weights, bias }] = net.getWeights();
    const w = weights.flat();
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const variance = w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length;
    const want = initializer.startsWith('he') ? 2 / inSize : 2 / (inSize + outSize);
    expect(Math.abs(mean)).toBeLessThan(0.01 * Math.sqrt(want) * 10);
    expect(variance / want).toBeGreaterThan(0.97);
    expect(variance / want).toBeLessThan(1.03);
    const largest = Math.max(...w.map(Math.abs));
    if (initializer.endsWith('Uniform')) expect(largest).toBeLessThanOrEqual(Math.sqrt(3 * want));
    else expect(largest).toBeGreaterThan(Math.sqrt(3 * want)); // normal tails reach past the uniform bound
    expect(bias.every((b) => b === 0)).toBe(true);
    net.dispose();
  });

  it('defaults: He for the relu family, Glorot otherwise; saved with the model', () => {
    expect(dense(4, { activation: 'relu' }).initializer).toBe('heUniform');
    expect(dense(4, { activation: 'elu' }).initializer).toBe('heUniform');
    expect(dense(4, { activation: 'sigmoid' }).initializer).toBe('glorotUniform');
    const net = sequential({ inputSize: 2, layers: [dense(3, { activation: 'relu', initializer: 'heNormal' })], seed: 1 });
    expect(net.toJSON().layers[0].initializer).toBe('heNormal');
    net.dispose();
    expect(() => dense(3, { initializer: 'orthogonal' as never })).toThrow(/options.initializer must be one of "glorotUniform", "glorotNormal", "heUniform", "heNormal"/);
  });
});

describe('dropout', () => {
  const x = Array.from({ length: 32 }, (_, i) => [Math.sin(i), Math.cos(i), (i % 5) / 5]);
  const t = x.map(([a, b]) => [a * b > 0 ? 1 : 0]);
  const build = (dropout: number, backend: 'wasm' | 'js' = 'wasm') => sequential({
    inputSize: 3, layers: [dense(40, { activation: 'relu', dropout }), dense(1, { activation: 'sigmoid' })], loss: 'binaryCrossentropy', seed: 6, backend,
  });

  it.each(['wasm', 'js'] as const)('%s: the kernel drops a `rate` fraction and scales the rest by 1/(1 - rate)', async (backend) => {
    const { runtime } = await import('../../src/runtime.js');
    const rt = runtime(), n = 100_000;
    const y = rt.heap.alloc(n * 4), mask = rt.heap.alloc(n * 4), state = rt.heap.alloc(4);
    rt.heap.views.f32.fill(1, y >> 2, (y >> 2) + n);
    rt.heap.views.i32[state >> 2] = 12345;
    rt.backends[backend].dropoutForward(n, y, mask, 0.3, state);
    const out = rt.heap.views.f32.subarray(y >> 2, (y >> 2) + n);
    const dropped = out.filter((v) => v === 0).length / n;
    expect(dropped).toBeGreaterThan(0.29);
    expect(dropped).toBeLessThan(0.31);
    expect(new Set(out.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / Math.fround(0.7))]));
    [y, mask, state].forEach((p) => rt.heap.free(p));
  });

  it('predict and evaluate ignore dropout; training with it is seeded, and both backends drop the same units', () => {
    const a = build(0.5), plain = build(0);
    plain.setWeights(a.getWeights());
    expect(a.predict(x)).toEqual(plain.predict(x));
    expect(a.evaluate(x, t)).toEqual(plain.evaluate(x, t));
    a.fitSync(x, t, { epochs: 3, batchSize: 8 });
    plain.fitSync(x, t, { epochs: 3, batchSize: 8 });
    expect(a.getWeights()).not.toEqual(plain.getWeights());
    const again = build(0.5);
    again.fitSync(x, t, { epochs: 3, batchSize: 8 });
    expect(again.getWeights()).toEqual(a.getWeights());
    const js = build(0.5, 'js');
    js.fitSync(x, t, { epochs: 3, batchSize: 8 });
    js.getWeights().forEach((layer, l) => layer.weights.flat().forEach((w, i) => expect(w).toBeCloseTo(a.getWeights()[l].weights.flat()[i], 4)));
    [a, plain, again, js].forEach((n) => n.dispose());
  });

  it('refuses a bad rate and dropout on the last layer', () => {
    expect(() => dense(4, { dropout: 1 })).toThrow(/options.dropout must be a rate in \[0, 1\)/);
    expect(() => sequential({ inputSize: 2, layers: [dense(3), dense(1, { dropout: 0.2 })] })).toThrow(/config.layers\[1\].dropout must be 0/);
  });
});
