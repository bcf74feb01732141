/**
 * ONNX graphs written by the tests with wasmgrad's protobuf writer, and the
 * check the import tests share: fromOnnx on both backends predicts what
 * onnxruntime-web computes from the same bytes.
 */
import { expect } from 'vitest';
import type { Activation } from '../../../src/index.js';
import { fromOnnx } from '../../../src/nn/onnx/import.js';
import { modelProto, nodeProto, tensorProto, valueInfoProto, type AttributeValue } from '../../../src/nn/onnx/model.js';
import { ProtoWriter } from '../../../src/nn/onnx/protobuf.js';
import { ortRun, rows } from './ort.js';

/** The tests' tolerance: |wasmgrad − onnxruntime| ≤ 1e-5 · max(1, |onnxruntime|). */
export const TOLERANCE = 1e-5;

export type Node = [op: string, inputs: string[], output: string, attributes?: Record<string, AttributeValue>];
export interface GraphSpec {
  inputSize: number;
  outputSize: number;
  nodes: Node[];
  /** name → dims; values are a deterministic pattern unless `values` gives them. */
  weights: Record<string, number[]>;
  values?: Record<string, number[]>;
  opset?: number;
  irVersion?: number;
  inputDims?: (number | string)[];
}

/** Deterministic weights in [-0.8, 0.8). */
export function pattern(count: number, seed: number): number[] {
  return Array.from(rows(count, 1, seed), (v) => v * 0.4);
}

/** An ONNX model from a list of nodes (input "x", output "y"); initializers get pattern values by their dims. */
export function model(spec: GraphSpec): Uint8Array {
  const graph = new ProtoWriter();
  spec.nodes.forEach(([op, inputs, output, attributes], i) => graph.message(1, nodeProto(op, `${op.toLowerCase()}${i}`, inputs, [output], attributes)));
  graph.string(2, 'test');
  Object.entries(spec.weights).forEach(([name, dims], i) => {
    graph.message(5, tensorProto(name, dims, spec.values?.[name] ?? pattern(dims.reduce((a, b) => a * b, 1), 17 + i)));
  });
  graph.message(11, valueInfoProto('x', spec.inputDims ?? ['N', spec.inputSize]));
  graph.message(12, valueInfoProto('y', ['N', spec.outputSize]));
  return modelProto(graph, 'test', spec.opset ?? 17, spec.irVersion ?? 8);
}

/** The largest |a[i] − b[i]| / max(1, |b[i]|). */
export function maxRelativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return worst;
}

/**
 * Imports `bytes` on both backends and compares with onnxruntime-web on the
 * same bytes and inputs (`x`, default 7 rows in [-2, 2)); returns the worst
 * relative difference.
 */
export async function expectSameAsOrt(bytes: Uint8Array, inputSize: number, outputSize: number, activations: Activation[], x = rows(7, inputSize, 5)): Promise<number> {
  const batch = x.length / inputSize;
  const { data } = await ortRun(bytes, x, batch, inputSize);
  let worst = 0;
  for (const backend of ['wasm', 'js'] as const) {
    const net = fromOnnx(bytes, { backend });
    try {
      expect([net.inputSize, net.outputSize, net.backend]).toEqual([inputSize, outputSize, backend]);
      expect(net.layers.map((l) => l.activation)).toEqual(activations);
      const diff = maxRelativeDiff(net.predict(x), data);
      expect(diff).toBeLessThanOrEqual(TOLERANCE);
      worst = Math.max(worst, diff);
    } finally {
      net.dispose();
    }
  }
  return worst;
}
