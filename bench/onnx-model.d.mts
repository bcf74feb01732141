/** Types of bench/onnx-model.mjs, for the test that imports it (test/bench/onnx-model.test.ts). */

export interface OnnxDenseLayer {
  /** in×out, row-major (a = x·W + b), as a wasmgrad network's getWeights() gives them flattened. */
  weights: Float32Array | readonly number[];
  bias: Float32Array | readonly number[];
  /** Default 'sigmoid'; 'linear' adds no activation node. */
  activation?: 'sigmoid' | 'tanh' | 'relu' | 'linear';
}

/** The ONNX ModelProto bytes of a dense MLP: input `input` [batch, inputSize] → output `output` [batch, units]. */
export function mlpOnnxModel(options: { inputSize: number; layers: readonly OnnxDenseLayer[]; op?: 'gemm' | 'matmul' }): Uint8Array;
