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
