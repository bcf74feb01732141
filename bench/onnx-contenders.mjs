/**
 * onnxruntime-web as an inference contender: its wasm execution provider
 * (ort-wasm-simd-threaded.wasm, MLAS kernels, wasm SIMD) on one thread, as
 * tfjs and wasmgrad run here. The model is written by bench/onnx-model.mjs
 * from the same weights the other contenders start from (one Gemm + Sigmoid
 * per layer, batch a symbolic dimension), so no exporter is involved.
 *
 * Same contract as the other predict contenders: Float32Array rows in, a
 * Float32Array of outputs back, so wrapping the rows in an ort.Tensor, the
 * copy into ort's heap and the copy out are part of the cost, as they are for
 * any caller holding plain arrays. session.run is async (its API has no
 * synchronous form), so predict returns a promise: `async: true` tells
 * bench/inference.mjs to await it.
 */
import * as ort from 'onnxruntime-web';
import { mlpOnnxModel } from './onnx-model.mjs';

export { ort };

/** Must run before a session is created (numThreads is read when the wasm loads). Returns what the footer reports. */
export async function initOrt() {
  ort.env.wasm.numThreads = 1; // one thread, like the other contenders; the proxy worker stays off (the default)
  ort.env.logLevel = 'error';
  // Load the wasm now, outside any timing, by creating one tiny session.
  const probe = await ortSession({ inputSize: 1, units: [1] }, [{ weights: new Float32Array(1), bias: new Float32Array(1) }]);
  await probe.release();
  return { version: ort.env.versions.web, threads: ort.env.wasm.numThreads, binary: 'ort-wasm-simd-threaded.wasm' };
}

/** An InferenceSession of the sigmoid MLP `spec` with `parameters` (weights in×out, as wasmgrad's getWeights). */
export function ortSession(spec, parameters, op = 'gemm') {
  const model = mlpOnnxModel({ inputSize: spec.inputSize, layers: parameters.map(({ weights, bias }) => ({ weights, bias })), op });
  return ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
}

export const ortPredict = {
  name: 'onnxruntime-web',
  async create(spec, data, parameters) {
    const session = await ortSession(spec, parameters);
    return {
      async: true,
      async predict(x, rows) {
        const { output } = await session.run({ input: new ort.Tensor('float32', x, [rows, spec.inputSize]) });
        return output.data;
      },
      dispose: () => session.release(),
    };
  },
};
