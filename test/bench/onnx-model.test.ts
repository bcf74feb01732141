/**
 * bench/onnx-model.mjs writes the ONNX models the bench's onnxruntime-web
 * contender runs, from a wasmgrad network's weights: run by onnxruntime-web
 * (wasm, one thread), such a model must predict what the network predicts.
 */
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { mlpOnnxModel, type OnnxDenseLayer } from '../../bench/onnx-model.mjs';
import { dense, sequential, sgd, type Activation } from '../../src/index.js';
import { initFromBuild } from '../helpers.js';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initFromBuild();
  ort.env.wasm.numThreads = 1;
  ort.env.logLevel = 'error';
});

/** A seeded network and its layers as the writer takes them (weights in×out, flattened). */
function network(inputSize: number, layers: { units: number; activation: Activation }[], seed: number) {
  const net = sequential({
    inputSize,
    layers: layers.map(({ units, activation }) => dense(units, { activation })),
    loss: 'l2',
    optimizer: sgd({ learningRate: 0.1 }),
    seed,
  });
  const onnxLayers: OnnxDenseLayer[] = net.getWeights().map(({ weights, bias }, l) => ({
    weights: Float32Array.from(weights.flat()),
    bias: Float32Array.from(bias),
    activation: layers[l].activation as OnnxDenseLayer['activation'],
  }));
  return { net, onnxLayers };
}

/** Deterministic inputs in [0, 1). */
function rows(count: number, width: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count * width }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  });
}

async function ortPredict(session: ort.InferenceSession, x: Float32Array, batch: number, inputSize: number): Promise<Float32Array> {
  const { output } = await session.run({ input: new ort.Tensor('float32', x, [batch, inputSize]) });
  expect(output.dims).toEqual([batch, output.dims[1]]);
  return output.data as Float32Array;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe('bench/onnx-model.mjs: onnxruntime-web runs the written model as wasmgrad predicts', () => {
  const cases: { name: string; inputSize: number; layers: { units: number; activation: Activation }[]; batches: number[] }[] = [
    { name: 'a small 3-5-4-2 sigmoid network', inputSize: 3, layers: [{ units: 5, activation: 'sigmoid' }, { units: 4, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], batches: [1, 7] },
    { name: 'the bench\'s 784-128-10 sigmoid network', inputSize: 784, layers: [{ units: 128, activation: 'sigmoid' }, { units: 10, activation: 'sigmoid' }], batches: [1, 32, 256] },
    { name: 'a 6-8-3 network with tanh, relu and linear layers', inputSize: 6, layers: [{ units: 8, activation: 'tanh' }, { units: 8, activation: 'relu' }, { units: 3, activation: 'linear' }], batches: [5] },
  ];
  for (const { name, inputSize, layers, batches } of cases) {
    for (const op of ['gemm', 'matmul'] as const) {
      it(`${name}, ${op === 'gemm' ? 'Gemm' : 'MatMul + Add'} nodes, batches ${batches.join(', ')} through one session (the batch is dynamic)`, async () => {
        const { net, onnxLayers } = network(inputSize, layers, 7);
        try {
          const session = await ort.InferenceSession.create(mlpOnnxModel({ inputSize, layers: onnxLayers, op }), { executionProviders: ['wasm'] });
          try {
            expect(session.inputNames).toEqual(['input']);
            expect(session.outputNames).toEqual(['output']);
            for (const batch of batches) {
              const x = rows(batch, inputSize, batch * 31 + inputSize);
              const expected = net.predict(x);
              const actual = await ortPredict(session, x, batch, inputSize);
              expect(actual.length).toBe(batch * layers.at(-1)!.units);
              expect(maxAbsDiff(actual, expected)).toBeLessThanOrEqual(TOLERANCE);
            }
          } finally {
            await session.release();
          }
        } finally {
          net.dispose();
        }
      });
    }
  }

  it('reads rows from a view into a larger buffer, as the bench passes them', async () => {
    const { net, onnxLayers } = network(4, [{ units: 3, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], 3);
    const session = await ort.InferenceSession.create(mlpOnnxModel({ inputSize: 4, layers: onnxLayers }), { executionProviders: ['wasm'] });
    try {
      const all = rows(10, 4, 5);
      const view = all.subarray(3 * 4, 8 * 4); // rows 3..7
      expect(maxAbsDiff(await ortPredict(session, view, 5, 4), net.predict(all).subarray(3 * 2, 8 * 2))).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await session.release();
      net.dispose();
    }
  });

  it('refuses weights that do not fit the layer, an unknown activation and an unknown op', () => {
    expect(() => mlpOnnxModel({ inputSize: 2, layers: [{ weights: [1, 2, 3], bias: [0, 0] }] })).toThrow(/layer 0 has 3 weights for 2×2/);
    expect(() => mlpOnnxModel({ inputSize: 1, layers: [{ weights: [1], bias: [0], activation: 'gelu' as never }] })).toThrow(/activation "gelu"/);
    expect(() => mlpOnnxModel({ inputSize: 1, layers: [{ weights: [1], bias: [0] }], op: 'conv' as never })).toThrow(/op must be/);
  });
});
