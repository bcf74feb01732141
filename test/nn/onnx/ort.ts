/**
 * onnxruntime-web in Node (wasm, one thread), as the ONNX tests run it: the
 * independent engine whose outputs wasmgrad's export and import must match.
 */
import * as ort from 'onnxruntime-web';

let configured = false;

/** Runs ONNX `bytes` on `x` (`batch` rows of `width`), returning the output's values and dims. */
export async function ortRun(bytes: Uint8Array, x: Float32Array, batch: number, width: number): Promise<{ data: Float32Array; dims: readonly number[]; inputNames: readonly string[]; outputNames: readonly string[] }> {
  if (!configured) {
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    configured = true;
  }
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, [batch, width]) };
    const result = await session.run(feeds);
    const output = result[session.outputNames[0]];
    return { data: output.data as Float32Array, dims: output.dims, inputNames: session.inputNames, outputNames: session.outputNames };
  } finally {
    await session.release();
  }
}

/** The largest |a[i] - b[i]|. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Deterministic rows in [-2, 2). */
export function rows(count: number, width: number, seed: number): Float32Array {
  let state = seed >>> 0 || 1;
  return Float32Array.from({ length: count * width }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 2 ** 32) * 4 - 2;
  });
}
