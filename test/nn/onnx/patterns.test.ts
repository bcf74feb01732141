/**
 * ONNX import's activation patterns (src/nn/onnx/patterns.ts): GELU's Erf
 * subgraph in the node orders exporters write, built here with the protobuf
 * writer and imported to predict what onnxruntime-web computes from the same
 * bytes; `Gelu` only under an opset that has it; a broken pattern refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fromOnnx } from '../../../src/nn/onnx/import.js';
import { runtime } from '../../../src/runtime.js';
import { initFromBuild } from '../../helpers.js';
import { expectSameAsOrt, model, type Node } from './graphs.js';

beforeAll(async () => {
  await initFromBuild();
});

/** Gemm (transB = 1) then `gelu` nodes from a0 to h0, then a second Gemm to y; constants sqrt2, invsqrt2, one and half. */
function geluModel(gelu: Node[], opset = 17): Uint8Array {
  return model({
    inputSize: 4, outputSize: 3, opset, irVersion: opset >= 20 ? 9 : 8,
    weights: { w0: [5, 4], b0: [5], w1: [3, 5], b1: [3], sqrt2: [], invsqrt2: [1], one: [], half: [1, 1] },
    values: { sqrt2: [Math.SQRT2], invsqrt2: [Math.SQRT1_2], one: [1], half: [0.5] },
    nodes: [['Gemm', ['x', 'w0', 'b0'], 'a0', { transB: { int: 1 } }], ...gelu, ['Gemm', ['h0', 'w1', 'b1'], 'y', { transB: { int: 1 } }]],
  });
}

describe('GELU as the Erf subgraph, in the orders exporters write', () => {
  const orders: [string, Node[]][] = [
    ['PyTorch: Div(x, √2) → Erf → Add(1) → Mul(x) → Mul(0.5), operands swapped', [
      ['Div', ['a0', 'sqrt2'], 'd'], ['Erf', ['d'], 'e'], ['Add', ['one', 'e'], 'p'], ['Mul', ['p', 'a0'], 'm'], ['Mul', ['half', 'm'], 'h0']]],
    ['0.5·x first: Mul(x, 0.5), then times 1 + Erf(x/√2)', [
      ['Mul', ['a0', 'half'], 'hx'], ['Div', ['a0', 'sqrt2'], 'd'], ['Erf', ['d'], 'e'], ['Add', ['e', 'one'], 'p'], ['Mul', ['hx', 'p'], 'h0']]],
    ['x·(1/√2) as Mul, 0.5 on the erf branch: x·(0.5·(1 + erf))', [
      ['Mul', ['invsqrt2', 'a0'], 'd'], ['Erf', ['d'], 'e'], ['Add', ['e', 'one'], 'p'], ['Mul', ['p', 'half'], 'q'], ['Mul', ['a0', 'q'], 'h0']]],
  ];
  it.each(orders)('%s', async (_, gelu) => {
    await expectSameAsOrt(geluModel(gelu), 4, 3, ['gelu', 'linear']);
  });
});

describe('refusals, nothing allocated', () => {
  const cases: [string, Uint8Array, RegExp][] = [
    ['Gelu under opset 17', geluModel([['Gelu', ['a0'], 'h0']]), /node "gelu1" \(Gelu\) needs opset 20 or newer, but the model imports opset 17/],
    ['an Erf subgraph adding 0.5, not 1', geluModel([['Div', ['a0', 'sqrt2'], 'd'], ['Erf', ['d'], 'e'], ['Add', ['e', 'half'], 'p'], ['Mul', ['a0', 'p'], 'm'], ['Mul', ['m', 'half'], 'h0']]),
      /node "div1" \(Div\) starts two branches that are not the GELU pattern/],
    ['0.5·x first, then 0.5 again', geluModel([['Mul', ['a0', 'half'], 'hx'], ['Div', ['a0', 'sqrt2'], 'd'], ['Erf', ['d'], 'e'], ['Add', ['e', 'one'], 'p'], ['Mul', ['p', 'half'], 'q'], ['Mul', ['hx', 'q'], 'h0']]),
      /node "div2" \(Div\) starts two branches that are not the GELU pattern/],
  ];
  it.each(cases)('%s', (_, bytes, message) => {
    const live = runtime().heap.liveBytes;
    expect(() => fromOnnx(bytes)).toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(message) }));
    expect(runtime().heap.liveBytes).toBe(live);
  });

  it('Gelu under opset 20 is accepted (the same graph)', async () => {
    await expectSameAsOrt(geluModel([['Gelu', ['a0'], 'h0']], 20), 4, 3, ['gelu', 'linear']);
  });
});
