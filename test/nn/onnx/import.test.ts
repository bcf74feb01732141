/**
 * ONNX import: graphs built here, in the shapes exporters write (Gemm with
 * transB = 1 as PyTorch's TorchScript exporter writes nn.Linear, Gemm
 * without transposes, MatMul + Add), with weights written by the test, are
 * imported and predict what onnxruntime-web computes from the same bytes;
 * wasmgrad's own export round-trips bit for bit; anything else is refused
 * whole, before any memory is taken.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, adam, dense, sequential } from '../../../src/index.js';
import { activationInfo } from '../../../src/backend/kinds.js';
import { toOnnx } from '../../../src/nn/onnx/export.js';
import { fromOnnx } from '../../../src/nn/onnx/import.js';
import { modelProto, nodeProto, valueInfoProto } from '../../../src/nn/onnx/model.js';
import { ProtoWriter } from '../../../src/nn/onnx/protobuf.js';
import { runtime } from '../../../src/runtime.js';
import { initFromBuild } from '../../helpers.js';
import { expectSameAsOrt, model, pattern, type GraphSpec, type Node } from './graphs.js';
import { rows } from './ort.js';

beforeAll(async () => {
  await initFromBuild();
});

describe('fromOnnx predicts what onnxruntime-web computes from the same file', () => {
  it('Gemm with transB = 1 and weights [out, in] (PyTorch nn.Linear), with Flatten and Identity nodes that do nothing', async () => {
    await expectSameAsOrt(model({
      inputSize: 5, outputSize: 3, weights: { w0: [8, 5], b0: [8], w1: [3, 8], b1: [3] },
      nodes: [['Flatten', ['x'], 'f'], ['Gemm', ['f', 'w0', 'b0'], 'a0', { transB: { int: 1 } }], ['Relu', ['a0'], 'h0'],
        ['Gemm', ['h0', 'w1', 'b1'], 'a1', { alpha: { float: 1 }, beta: { float: 1 }, transB: { int: 1 } }], ['Identity', ['a1'], 'y']],
    }), 5, 3, ['relu', 'linear']);
  });

  it('Gemm without transposes, a [1, out] bias and none, tanh and softmax (axis 1)', async () => {
    await expectSameAsOrt(model({
      inputSize: 4, outputSize: 3, weights: { w0: [4, 6], b0: [1, 6], w1: [6, 3] }, opset: 13, irVersion: 7,
      nodes: [['Gemm', ['x', 'w0', 'b0'], 'a0'], ['Tanh', ['a0'], 'h0'], ['Gemm', ['h0', 'w1'], 'a1'], ['Softmax', ['a1'], 'y', { axis: { int: 1 } }]],
    }), 4, 3, ['tanh', 'softmax']);
  });

  it('MatMul + Add (the bias on either side), a MatMul without bias, sigmoid, leakyRelu (alpha 0.01), elu and softplus', async () => {
    await expectSameAsOrt(model({
      inputSize: 3, outputSize: 2, weights: { w0: [3, 5], b0: [5], w1: [5, 4], w2: [4, 4], b2: [4], w3: [4, 2], b3: [2] },
      nodes: [['MatMul', ['x', 'w0'], 'm0'], ['Add', ['b0', 'm0'], 'a0'], ['Sigmoid', ['a0'], 'h0'],
        ['MatMul', ['h0', 'w1'], 'a1'], ['LeakyRelu', ['a1'], 'h1', { alpha: { float: 0.01 } }],
        ['MatMul', ['h1', 'w2'], 'm2'], ['Add', ['m2', 'b2'], 'a2'], ['Elu', ['a2'], 'h2'],
        ['MatMul', ['h2', 'w3'], 'm3'], ['Add', ['m3', 'b3'], 'a3'], ['Softplus', ['a3'], 'y']],
    }), 3, 2, ['sigmoid', 'leakyRelu', 'elu', 'softplus']);
  });

  it('SiLU as Mul(Sigmoid(x), x), GELU as opset 20 Gelu', async () => {
    await expectSameAsOrt(model({
      inputSize: 4, outputSize: 2, weights: { w0: [6, 4], b0: [6], w1: [2, 6], b1: [2] }, opset: 20, irVersion: 9,
      nodes: [['Gemm', ['x', 'w0', 'b0'], 'a0', { transB: { int: 1 } }], ['Sigmoid', ['a0'], 's0'], ['Mul', ['s0', 'a0'], 'h0'],
        ['Gemm', ['h0', 'w1', 'b1'], 'a1', { transB: { int: 1 } }], ['Gelu', ['a1'], 'y', { approximate: { string: 'none' } }]],
    }), 4, 2, ['silu', 'gelu']);
  });

  it('GELU as the Erf subgraph PyTorch writes before opset 20, its constants from Constant nodes', async () => {
    const constant = (name: string, value: number): Node => ['Constant', [], name, { value_float: { float: value } }];
    await expectSameAsOrt(model({
      inputSize: 4, outputSize: 3, weights: { w0: [5, 4], b0: [5], w1: [3, 5], b1: [3] },
      nodes: [constant('sqrt2', Math.SQRT2), constant('one', 1), constant('half', 0.5),
        ['Gemm', ['x', 'w0', 'b0'], 'a0', { transB: { int: 1 } }],
        ['Div', ['a0', 'sqrt2'], 'd0'], ['Erf', ['d0'], 'e0'], ['Add', ['e0', 'one'], 'p0'], ['Mul', ['a0', 'p0'], 'm0'], ['Mul', ['m0', 'half'], 'h0'],
        ['Gemm', ['h0', 'w1', 'b1'], 'y', { transB: { int: 1 } }]],
    }), 4, 3, ['gelu', 'linear']);
  });
});

describe('the older ways of storing a graph', () => {
  it('weights in packed float_data, dims unpacked, and the initializers listed as graph inputs too (IR 3)', async () => {
    const floats = (field: number, values: number[]) => {
      const bytes = new Uint8Array(4 * values.length);
      values.forEach((v, i) => new DataView(bytes.buffer).setFloat32(4 * i, v, true));
      return new ProtoWriter().bytes(field, bytes);
    };
    // Written out directly: a TensorProto's fields are dims, data_type, name, then float_data packed.
    const tensorBytes = (name: string, dims: number[], values: number[]) => {
      const t = new ProtoWriter();
      for (const d of dims) t.int(1, d);
      t.int(2, 1).string(8, name);
      return new Uint8Array([...t.finish(), ...floats(4, values).finish()]);
    };
    const w = pattern(6, 3), b = pattern(2, 4);
    const graph = new ProtoWriter()
      .message(1, nodeProto('Gemm', 'dense', ['x', 'w', 'b'], ['a']))
      .message(1, nodeProto('Tanh', 'act', ['a'], ['y']))
      .bytes(5, tensorBytes('w', [3, 2], w)).bytes(5, tensorBytes('b', [2], b))
      .message(11, valueInfoProto('x', ['N', 3])).message(11, valueInfoProto('w', [3, 2])).message(11, valueInfoProto('b', [2]))
      .message(12, valueInfoProto('y', ['N', 2]));
    await expectSameAsOrt(modelProto(graph, 'old', 9, 3), 3, 2, ['tanh']);
  });
});

describe('round trip: toOnnx then fromOnnx predicts identically', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it.each([...ACTIVATIONS])(`%s (${backend})`, (activation) => {
      const lastOnly = activationInfo(activation).lastLayerOnly;
      const net = sequential({ inputSize: 3, layers: [dense(5, { activation: lastOnly ? 'relu' : activation }), dense(2, { activation })], seed: 4, backend });
      const copy = fromOnnx(toOnnx(net), { backend });
      const x = rows(6, 3, 8);
      expect(copy.layers.map((l) => l.activation)).toEqual(net.layers.map((l) => l.activation));
      expect(copy.predict(x)).toEqual(net.predict(x));
      net.dispose();
      copy.dispose();
    });
  }

  it('options set the loss and optimizer (what ONNX does not carry), and the import keeps training', () => {
    const net = sequential({ inputSize: 4, layers: [dense(6, { activation: 'relu' }), dense(3, { activation: 'softmax' })], seed: 2 });
    const copy = fromOnnx(toOnnx(net).buffer as ArrayBuffer, { loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.05 }), backend: 'js' });
    expect([copy.loss, copy.optimizer.type, copy.backend]).toEqual(['categoricalCrossentropy', 'adam', 'js']);
    const x = rows(30, 4, 1);
    const t = Float32Array.from({ length: 90 }, (_, i) => (i % 3 === (x[4 * Math.floor(i / 3)] > 0 ? 0 : 1) ? 1 : 0));
    const history = copy.fitSync(x, t, { epochs: 20, batchSize: 10 });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0]);
    net.dispose();
    copy.dispose();
  });
});

describe('refusals: WASMGRAD_UNSUPPORTED naming the node and op (or the attribute), nothing allocated', () => {
  const gemm = (extra: Node[], weights: Record<string, number[]> = {}, more: Partial<GraphSpec> = {}) => model({
    inputSize: 2, outputSize: 2, weights: { w: [2, 2], b: [2], ...weights }, nodes: [['Gemm', ['x', 'w', 'b'], extra.length ? 'a' : 'y'], ...extra], ...more,
  });
  const cases: [string, Uint8Array, string, RegExp][] = [
    ['LeakyRelu alpha 0.2', gemm([['LeakyRelu', ['a'], 'y', { alpha: { float: 0.2 } }]]), 'WASMGRAD_UNSUPPORTED', /node "leakyrelu1" \(LeakyRelu\) has attribute alpha = 0\.2.*only alpha = 0\.01/],
    ['Elu alpha 0.5', gemm([['Elu', ['a'], 'y', { alpha: { float: 0.5 } }]]), 'WASMGRAD_UNSUPPORTED', /\(Elu\) has attribute alpha = 0\.5/],
    ['Gelu approximate tanh', gemm([['Gelu', ['a'], 'y', { approximate: { string: 'tanh' } }]], {}, { opset: 20, irVersion: 9 }), 'WASMGRAD_UNSUPPORTED', /\(Gelu\) has attribute approximate = "tanh"/],
    ['Gemm transA 1', model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2] }, nodes: [['Gemm', ['x', 'w'], 'y', { transA: { int: 1 } }]] }), 'WASMGRAD_UNSUPPORTED', /\(Gemm\) has attribute transA = 1/],
    // An attribute of the wrong type would read as absent (transB 0, alpha 1): another product, silently.
    ['Gemm transB as a float', model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2] }, nodes: [['Gemm', ['x', 'w'], 'y', { transB: { float: 1 } }]] }), 'WASMGRAD_UNSUPPORTED', /\(Gemm\) has attribute transB of type 1; ONNX defines it as an integer/],
    ['Gemm alpha as an integer', model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2] }, nodes: [['Gemm', ['x', 'w'], 'y', { alpha: { int: 2 } }]] }), 'WASMGRAD_UNSUPPORTED', /\(Gemm\) has attribute alpha of type 2; ONNX defines it as a float/],
    ['another op', gemm([['Cos', ['a'], 'y']]), 'WASMGRAD_UNSUPPORTED', /node "cos1" \(Cos\) is not supported: wasmgrad imports Gemm/],
    ['an activation first', model({ inputSize: 2, outputSize: 2, weights: {}, nodes: [['Relu', ['x'], 'y']] }), 'WASMGRAD_UNSUPPORTED', /\(Relu\) follows no Gemm/],
    ['a branch', model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2], v: [2, 2] }, nodes: [['Gemm', ['x', 'w'], 'p'], ['Gemm', ['x', 'v'], 'q'], ['Add', ['p', 'q'], 'y']] }), 'WASMGRAD_UNSUPPORTED', /"x" is read by 2 nodes.*no branches/],
    ['softmax on a hidden layer', model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2], v: [2, 2] }, nodes: [['Gemm', ['x', 'w'], 'a'], ['Softmax', ['a'], 'h'], ['Gemm', ['h', 'v'], 'y']] }), 'WASMGRAD_UNSUPPORTED', /\(Softmax\) is supported only on the last layer/],
    ['a 3-D input', gemm([], {}, { inputDims: ['N', 2, 2] }), 'WASMGRAD_UNSUPPORTED', /graph input "x" has 3 dimensions/],
    ['computed weights', model({ inputSize: 2, outputSize: 2, weights: {}, nodes: [['Gemm', ['x', 'x'], 'y']] }), 'WASMGRAD_UNSUPPORTED', /\(Gemm\) takes its weights \(input B\) from "x", which is not an initializer/],
    ['a stray node', gemm([['Relu', ['zz'], 'q']]), 'WASMGRAD_UNSUPPORTED', /chain from "x" ends at "a", not at the graph output "y"|\(Relu\) is not on the chain/],
    ['a cycle', gemm([['Identity', ['a'], 'c'], ['Identity', ['c'], 'a']]), 'WASMGRAD_UNSUPPORTED', /\(Identity\) is reached twice: the graph has a cycle/],
    ['weights that do not fit', gemm([], { w: [3, 2] }), 'WASMGRAD_BAD_MODEL_FILE', /\(Gemm\) has weights "w" of dims \[3,2\] for 2 inputs/],
  ];
  it.each(cases)('%s', (_, bytes, code, message) => {
    const live = runtime().heap.liveBytes;
    expect(() => fromOnnx(bytes)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('non-float32 weights (float64), named with the node', () => {
    const graph = new ProtoWriter()
      .message(1, nodeProto('Gemm', 'dense', ['x', 'w'], ['y']))
      .message(5, new ProtoWriter().int(1, 1).int(1, 1).int(2, 11).string(8, 'w').bytes(9, new Uint8Array(8)))
      .message(11, valueInfoProto('x', ['N', 1])).message(12, valueInfoProto('y', ['N', 1]));
    expect(() => fromOnnx(modelProto(graph, 't'))).toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/node "dense" \(Gemm\) uses the tensor "w" of data_type 11; only float32/) }));
  });

  it('weights of the wrong byte count or not finite: WASMGRAD_BAD_MODEL_FILE', () => {
    const graph = (values: Uint8Array) => new ProtoWriter()
      .message(1, nodeProto('Gemm', 'dense', ['x', 'w'], ['y']))
      .message(5, new ProtoWriter().int(1, 1).int(1, 2).int(2, 1).string(8, 'w').bytes(9, values))
      .message(11, valueInfoProto('x', ['N', 1])).message(12, valueInfoProto('y', ['N', 2]));
    expect(() => fromOnnx(modelProto(graph(new Uint8Array(4)), 't'))).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(/holds 1 float32 values, but its dims \[1,2\] need 2/) }));
    const nan = new Uint8Array(new Float32Array([1, Number.NaN]).buffer);
    expect(() => fromOnnx(modelProto(graph(nan), 't'))).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(/"w"\[1\] is NaN/) }));
  });

  it('a value past float32\'s range (1e39, Infinity once stored) in raw_data, in float_data or a Constant\'s value_float: WASMGRAD_BAD_MODEL_FILE naming the tensor, nothing allocated', () => {
    const infinite = (message: RegExp) => expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(message) });
    const live = runtime().heap.liveBytes;
    // raw_data: the writer stores 1e39 as float32, which is Infinity.
    const raw = model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2] }, values: { w: [1, 2, 1e39, 4] }, nodes: [['Gemm', ['x', 'w'], 'y']] });
    expect(() => fromOnnx(raw)).toThrow(infinite(/fromOnnx: tensor "w"\[2\] is Infinity, expected a finite number/));
    // float_data, one fixed32 per value (unpacked).
    const floatData = new ProtoWriter().int(1, 1).int(1, 2).int(2, 1).string(8, 'w').float(4, 0.5).float(4, -1e39);
    const graph = new ProtoWriter().message(1, nodeProto('Gemm', 'dense', ['x', 'w'], ['y'])).message(5, floatData)
      .message(11, valueInfoProto('x', ['N', 1])).message(12, valueInfoProto('y', ['N', 2]));
    expect(() => fromOnnx(modelProto(graph, 't'))).toThrow(infinite(/tensor "w"\[1\] is -Infinity, expected a finite number/));
    // A Constant's value_float, added to the layer's outputs (folded into its bias).
    const constant = model({ inputSize: 2, outputSize: 2, weights: { w: [2, 2] }, nodes: [
      ['Gemm', ['x', 'w'], 'a'], ['Constant', [], 'k', { value_float: { float: 1e39 } }], ['Add', ['a', 'k'], 'y'],
    ] });
    expect(() => fromOnnx(constant)).toThrow(infinite(/tensor "k"\[0\] is Infinity, expected a finite number/));
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('Flatten of a 2-D input: axis 1 and -1 do nothing and are skipped; axis 0 (everything in one row) is refused naming the attribute', async () => {
    const spec = (axis: number): GraphSpec => ({ inputSize: 3, outputSize: 2, weights: { w: [3, 2] }, nodes: [['Flatten', ['x'], 'f', { axis: { int: axis } }], ['Gemm', ['f', 'w'], 'y']] });
    for (const axis of [1, -1]) await expectSameAsOrt(model(spec(axis)), 3, 2, ['linear']);
    expect(() => fromOnnx(model(spec(0)))).toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/\(Flatten\) has attribute axis = 0; wasmgrad supports only axis = 1/) }));
  });

  it('every truncation of a real model is refused with a wasmgrad error, never a crash; nothing is allocated', () => {
    const net = sequential({ inputSize: 3, layers: [dense(4, { activation: 'gelu' }), dense(2, { activation: 'softmax' })], seed: 1 });
    const bytes = toOnnx(net);
    net.dispose();
    const live = runtime().heap.liveBytes;
    const codes = new Set<string>();
    for (let n = 0; n < bytes.length; n++) {
      try {
        fromOnnx(bytes.subarray(0, n)).dispose();
        throw new Error(`a ${n}-byte prefix was accepted`);
      } catch (error) {
        codes.add((error as { code?: string }).code ?? String(error));
      }
    }
    expect([...codes].sort(), [...codes].join()).toEqual(expect.arrayContaining(['WASMGRAD_BAD_MODEL_FILE']));
    expect([...codes].filter((c) => c !== 'WASMGRAD_BAD_MODEL_FILE' && c !== 'WASMGRAD_UNSUPPORTED')).toEqual([]);
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('3000 seeded byte mutations of a real model: each is imported or refused with a wasmgrad error, never another exception', () => {
    const net = sequential({ inputSize: 3, layers: [dense(4, { activation: 'silu' }), dense(3, { activation: 'leakyRelu' }), dense(2, { activation: 'softmax' })], seed: 1 });
    const original = toOnnx(net);
    net.dispose();
    const live = runtime().heap.liveBytes;
    let state = 12345;
    const next = (n: number) => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state % n;
    };
    const outcomes = new Map<string, number>();
    for (let trial = 0; trial < 3000; trial++) {
      const bytes = original.slice();
      for (let k = 1 + next(3); k > 0; k--) bytes[next(bytes.length)] = next(4) === 0 ? 0xff : next(256);
      let outcome: string;
      try {
        fromOnnx(bytes).dispose();
        outcome = 'imported';
      } catch (error) {
        const code = (error as { code?: string }).code;
        outcome = code === 'WASMGRAD_BAD_MODEL_FILE' || code === 'WASMGRAD_UNSUPPORTED' ? code : `unexpected: ${String(error)}`;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect([...outcomes.keys()].filter((k) => k.startsWith('unexpected'))).toEqual([]);
    expect(outcomes.get('WASMGRAD_BAD_MODEL_FILE')).toBeGreaterThan(100);
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('a wrong wire type, a huge declared length and bytes that are not ONNX', () => {
    const bad = (message: RegExp) => expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(message) });
    expect(() => fromOnnx(Uint8Array.from([0x38, 0x01]))).toThrow(bad(/ModelProto\.graph at byte 0: has wire type 0, expected 2/));
    expect(() => fromOnnx(Uint8Array.from([0x3a, 0xff, 0xff, 0xff, 0xff, 0x07, 0x0a]))).toThrow(bad(/declares 2147483647 bytes, but only 1 remain/));
    expect(() => fromOnnx(new TextEncoder().encode('{"format": "layers-model"}'))).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE' }));
    expect(() => fromOnnx(new Uint8Array(0))).toThrow(bad(/no ModelProto\.graph/));
    expect(() => fromOnnx('model.onnx' as never)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    expect(() => fromOnnx(new Uint8Array(0), { loss: 'hinge' } as never)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/options\.loss/) }));
  });
});
