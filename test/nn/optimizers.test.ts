/**
 * Each optimizer's update against an independent float64 reference computed
 * here from the gradients the network reports, over several steps, on both
 * backends; schedules, clipping, L2 and weight decay; and their state saved
 * and restored exactly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, adamw, dense, fromJSON, rmsprop, sequential, sgd, type Optimizer } from '../../src/index.js';
import { learningRateAt } from '../../src/nn/optimizers.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const X = [[0.5, -1.2, 0.3]], T = [[0.2, 0.9]];
const flat = (layers: { weights: number[][]; bias: number[] }[]) => layers.flatMap((l) => [...l.weights.flat(), ...l.bias]);

/** The reference update rules, float64, written from their papers' formulas. */
function reference(optimizer: Optimizer) {
  const m: number[] = [], v: number[] = [];
  let t = 0;
  return (w: number[], g0: number[], lr: number): number[] => {
    t++;
    let g = g0.slice();
    if (optimizer.clipNorm > 0) {
      const norm = Math.hypot(...g);
      if (norm > optimizer.clipNorm) g = g.map((x) => (x * optimizer.clipNorm) / norm);
    }
    g = g.map((x, i) => x + optimizer.l2 * w[i]);
    return w.map((wi, i) => {
      let direction: number;
      if (optimizer.type === 'adam') {
        m[i] = optimizer.beta1 * (m[i] ?? 0) + (1 - optimizer.beta1) * g[i];
        v[i] = optimizer.beta2 * (v[i] ?? 0) + (1 - optimizer.beta2) * g[i] ** 2;
        direction = m[i] / (1 - optimizer.beta1 ** t) / (Math.sqrt(v[i] / (1 - optimizer.beta2 ** t)) + optimizer.epsilon);
      } else if (optimizer.type === 'rmsprop') {
        m[i] = optimizer.rho * (m[i] ?? 0) + (1 - optimizer.rho) * g[i] ** 2;
        direction = g[i] / (Math.sqrt(m[i]) + optimizer.epsilon);
      } else if (optimizer.momentum > 0) {
        m[i] = optimizer.momentum * (m[i] ?? 0) + g[i];
        direction = optimizer.nesterov ? g[i] + optimizer.momentum * m[i] : m[i];
      } else {
        direction = g[i];
      }
      return wi - lr * direction - lr * optimizer.weightDecay * wi;
    });
  };
}

const optimizers: [string, Optimizer][] = [
  ['sgd', sgd({ learningRate: 0.3 })],
  ['sgd with momentum', sgd({ learningRate: 0.1, momentum: 0.9 })],
  ['sgd with Nesterov momentum', sgd({ learningRate: 0.1, momentum: 0.8, nesterov: true })],
  ['adam', adam({ learningRate: 0.05 })],
  ['adamw (decoupled weight decay)', adamw({ learningRate: 0.05, weightDecay: 0.1 })],
  ['rmsprop', rmsprop({ learningRate: 0.01, rho: 0.8 })],
  ['sgd with L2 and clipping by norm', sgd({ learningRate: 0.2, l2: 0.05, clipNorm: 0.1 })],
  ['adam with a step schedule', adam({ learningRate: 0.05, schedule: { type: 'step', every: 2, factor: 0.5 } })],
];

describe.each(['wasm', 'js'] as const)('optimizer updates (%s backend)', (backend) => {
  it.each(optimizers)('%s matches the float64 reference over 5 steps', (_, optimizer) => {
    const net = sequential({ inputSize: 3, layers: [dense(4, { activation: 'tanh' }), dense(2, { activation: 'sigmoid' })], optimizer, seed: 4, backend });
    const update = reference(optimizer);
    for (let epoch = 0; epoch < 5; epoch++) {
      const w = flat(net.getWeights());
      const g = flat(net.gradients(X, T));
      const want = update(w, g, learningRateAt(optimizer, epoch));
      net.fitSync(X, T, { epochs: 1, batchSize: 1, gradientNorms: false });
      const got = flat(net.getWeights());
      got.forEach((value, i) => expect(Math.abs(value - want[i])).toBeLessThan(2e-6 * (1 + Math.abs(want[i]))));
      // Steps must actually move the weights.
      expect(got.some((value, i) => value !== w[i])).toBe(true);
    }
    net.dispose();
  });
});

describe('schedules', () => {
  it('step, exponential and cosine give the documented learning rates', () => {
    const base = { learningRate: 0.1 };
    expect([0, 1, 2, 3, 4].map((e) => learningRateAt(sgd({ ...base, schedule: { type: 'step', every: 2, factor: 0.5 } }), e))).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    expect(learningRateAt(sgd({ ...base, schedule: { type: 'exponential', factor: 0.9 } }), 3)).toBeCloseTo(0.1 * 0.9 ** 3, 12);
    const cosine = sgd({ ...base, schedule: { type: 'cosine', epochs: 10, minimum: 0.01 } });
    expect(learningRateAt(cosine, 0)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(cosine, 5)).toBeCloseTo(0.055, 12);
    expect(learningRateAt(cosine, 10)).toBeCloseTo(0.01, 12);
    expect(learningRateAt(cosine, 50)).toBeCloseTo(0.01, 12);
  });

  it('bad settings name the field', () => {
    expect(() => adam({ beta1: 1 })).toThrow(/options.beta1 must be a number in \[0, 1\)/);
    expect(() => sgd({ momentum: -0.1 })).toThrow(/options.momentum must be a number in \[0, 1\)/);
    expect(() => rmsprop({ epsilon: 0 })).toThrow(/options.epsilon must be a positive finite number/);
    expect(() => sgd({ schedule: { type: 'step', every: 0, factor: 0.5 } })).toThrow(/options.schedule.every must be a positive integer/);
    expect(() => sgd({ schedule: { type: 'linear' } as never })).toThrow(/options.schedule.type must be one of "step", "exponential", "cosine"/);
    expect(() => adam({ clipNorm: -1 })).toThrow(/options.clipNorm must be a finite number ≥ 0/);
  });
});

describe('optimizer state in model files', () => {
  it.each(optimizers)('%s: a saved and reloaded network keeps training exactly as the original', (_, optimizer) => {
    const net = sequential({ inputSize: 3, layers: [dense(4, { activation: 'relu' }), dense(2)], optimizer, seed: 8 });
    const x = [[0.5, -1.2, 0.3], [1, 0.2, -0.4], [-0.3, 0.8, 0.9]], t = [[0.2, 0.9], [0.5, -0.1], [0, 1]];
    net.fitSync(x, t, { epochs: 3, batchSize: 2, shuffle: false });
    const copy = fromJSON(JSON.stringify(net.toJSON()));
    net.fitSync(x, t, { epochs: 2, batchSize: 2, shuffle: false });
    copy.fitSync(x, t, { epochs: 2, batchSize: 2, shuffle: false });
    expect(copy.getWeights()).toEqual(net.getWeights());
    net.dispose();
    copy.dispose();
  });
});
