/**
 * Issue 10, persistence: the optimizer's step count never wraps (item 7),
 * large models save and load (item 8), concurrent saves to one path leave one
 * whole file (item 9), and model files with out-of-range state are refused
 * (item 14). Each test here failed before the fix it covers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, fromBytes, fromJSON, load, rmsprop, save, sequential, sgd, toBytes, type Network } from '../../src/index.js';
import { networkMemory } from '../../src/nn/network-memory.js';
import { runtime } from '../../src/runtime.js';
import { float32ToBase64 } from '../../src/nn/base64.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

const X = [[0.5, -1, 2], [1, 0.25, -0.5], [-1.5, 2, 0]];
const T = [[0.2, -0.4], [1, 0.5], [-0.3, 0.9]];

/** A small Adam network whose saved optimizer state is set to `step`, with moments m and v. */
function atStep(step: number, backend: 'wasm' | 'js'): { net: Network; m: Float32Array; v: Float32Array } {
  const fresh = sequential({ inputSize: 3, layers: [dense(4, { activation: 'tanh' }), dense(2)], loss: 'mse', optimizer: adam({ learningRate: 0.01 }), seed: 5 });
  const json = fresh.toJSON();
  fresh.dispose();
  const n = fresh.parameterCount;
  const m = new Float32Array(n).map((_, i) => Math.sin(i) * 0.01);
  const v = new Float32Array(n).map((_, i) => 1e-4 * (1 + Math.cos(i)));
  json.optimizerState = { step, epoch: 7, state1: float32ToBase64(m), state2: float32ToBase64(v) };
  return { net: fromJSON(json, { backend }), m, v };
}

describe('the optimizer step count (item 7)', () => {
  it('counts past 2^31 with Adam: fit matches a float64 Adam at that step, and the file loads again', () => {
    const start = 2 ** 31 - 2;
    const { net, m: m0, v: v0 } = atStep(start, 'wasm');
    const m = Float64Array.from(m0), v = Float64Array.from(v0);
    const [beta1, beta2, epsilon, rate] = [0.9, 0.999, 1e-8, 0.01];
    for (let k = 1; k <= 4; k++) {
      // A float64 Adam step from the network's own gradients and weights (the gradients are the kernels' float32 ones).
      const grads = net.gradients(X, T).flatMap((l) => [...l.weights.flat(), ...l.bias]);
      const weights = net.getWeights().flatMap((l) => [...l.weights.flat(), ...l.bias]);
      const t = start + k;
      const expected = weights.map((w, i) => {
        m[i] = beta1 * m[i] + (1 - beta1) * grads[i];
        v[i] = beta2 * v[i] + (1 - beta2) * grads[i] ** 2;
        const mHat = m[i] / (1 - beta1 ** t), vHat = v[i] / (1 - beta2 ** t);
        return w - rate * mHat / (Math.sqrt(vHat) + epsilon);
      });
      net.fitSync(X, T, { epochs: 1, batchSize: 3, shuffle: false });
      const actual = net.getWeights().flatMap((l) => [...l.weights.flat(), ...l.bias]);
      actual.forEach((w, i) => expect(Math.abs(w - expected[i]), `step ${t}, parameter ${i}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(expected[i])));
      expect(actual.some((w, i) => w !== weights[i])).toBe(true); // Adam still moves the weights
    }
    const saved = net.toJSON();
    expect(saved.optimizerState.step).toBe(start + 4);
    const again = fromJSON(JSON.stringify(saved));
    expect(again.toJSON()).toEqual(saved);
    const binary = fromBytes(toBytes(net));
    expect(binary.toJSON()).toEqual(saved);
    for (const n of [net, again, binary]) n.dispose();
  });

  it('the wasm and JS optimizer kernels agree bit for bit past 2^31 (Adam, RMSProp, momentum)', () => {
    for (const optimizer of [adam({ learningRate: 0.01 }), rmsprop({ learningRate: 0.01 }), sgd({ learningRate: 0.1, momentum: 0.9 })]) {
      const nets = ['wasm', 'js'].map(() => {
        const fresh = sequential({ inputSize: 3, layers: [dense(4, { activation: 'tanh' }), dense(2)], optimizer, seed: 9 });
        const json = fresh.toJSON();
        fresh.dispose();
        json.optimizerState.step = 2 ** 31 - 2;
        return fromJSON(json);
      });
      const rt = runtime();
      for (let k = 0; k < 4; k++) {
        const blocks = nets.map((net) => networkMemory(net));
        for (const { block, plan } of blocks) {
          const g = rt.heap.views.f32.subarray((block + plan.grads) >>> 2, ((block + plan.grads) >>> 2) + plan.paramCount);
          g.forEach((_, i) => { g[i] = Math.sin(i * 7 + k) * 0.3; });
        }
        expect(rt.backends.wasm.optimizerStep(blocks[0].block, 0.01)).toBe(1);
        expect(rt.backends.js.optimizerStep(blocks[1].block, 0.01)).toBe(1);
      }
      const [a, b] = nets.map((net) => net.toJSON());
      expect(a.optimizerState.step).toBe(2 ** 31 + 2);
      expect(b).toEqual(a);
      nets.forEach((net) => net.dispose());
    }
  });

  it('keeps counting at 2^52 (bias correction 1, no NaN) and refuses a step past 2^53 - 1', () => {
    const { net } = atStep(2 ** 52, 'wasm');
    net.fitSync(X, T, { epochs: 2, batchSize: 1, shuffle: false });
    expect(net.toJSON().optimizerState.step).toBe(2 ** 52 + 6);
    expect(net.getWeights().flatMap((l) => l.bias).every(Number.isFinite)).toBe(true);
    const json = net.toJSON();
    net.dispose();
    json.optimizerState.step = 2 ** 53;
    expect(() => fromJSON(json)).toThrow(/json.optimizerState.step must be an integer from 0 to 2\^53 - 1/);
  });
});
