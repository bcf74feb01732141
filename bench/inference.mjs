/**
 * Inference workloads: a trained-shape MLP predicting from Float32Array rows,
 * as throughput (a batch of rows per call, samples/s) or as latency (one
 * sample per call, shown in µs per predict). One rep = one predict call; reps
 * walk through the dataset batch by batch, so no contender predicts the same
 * cached rows over and over.
 *
 * Contenders: wasmgrad (wasm, js), pure JS, TF.js's model.predict and its
 * hand-written forward (tfjs-contenders.mjs), onnxruntime-web
 * (onnx-contenders.mjs); each workload lists its own. A contender whose
 * predict returns a promise (onnxruntime-web's session.run) says `async: true`
 * and is awaited call by call; `create` may return a promise too.
 *
 * The check is the sum of every output over the first rows of the dataset:
 * all contenders start from the same weights, so it must agree across them
 * up to float32 rounding (a cheap guard against one doing different work).
 */
import { initialParameters, PREDICT_CONTENDERS, TFJS_PREDICT, MLP_BASELINE, ORT, TFJS_HAND_FORWARD } from './mlp-contenders.mjs';

const PARITY_TOLERANCE = 1e-4;
const CHECK_ROWS = 512;

export function predictWorkload({ id, group, inputSize, units, batch, data, contenders, latency = false, settings }) {
  const spec = { inputSize, units, learningRate: 0.1, batchSize: batch, seed: 42 }; // learningRate unused, but must be valid
  const names = contenders.map((c) => c.name);
  return {
    id,
    group,
    table: 'inference',
    title: `${[inputSize, ...units].join('-')} sigmoid, ${latency ? 'latency of predict(1 sample as a Float32Array)' : `predict batch ${batch}`}`,
    unit: latency ? 'predicts/s' : 'samples/s',
    display: latency ? 'latency' : 'rate',
    // Ratios only against contenders this workload has (latency rows have no pure JS).
    ratios: [
      { label: 'vs pure JS', contender: MLP_BASELINE },
      { label: 'vs tfjs predict', contender: TFJS_PREDICT },
      { label: 'vs tfjs hand forward', contender: TFJS_HAND_FORWARD },
      { label: 'vs onnxruntime-web', contender: ORT },
    ].filter((r) => names.includes(r.contender)),
    baseline: names.includes(MLP_BASELINE) ? MLP_BASELINE : null,
    checkLabel: 'Σ outputs',
    checkStyle: 'after',
    repLabel: 'predict',
    settings,
    // Async: a contender's create may be (onnxruntime-web's session is made asynchronously).
    async setup({ quick }) {
      const d = data(quick);
      const parameters = initialParameters(spec);
      const batches = Math.floor(d.samples / batch);
      const checkBatches = Math.max(1, Math.min(batches, Math.floor(CHECK_ROWS / batch)));
      const rowsOf = (i) => d.x.subarray(i * batch * inputSize, (i + 1) * batch * inputSize);
      const made = [];
      for (const c of contenders) made.push({ name: c.name, inst: await c.create(spec, d, parameters, batch) });
      return {
        workPerRep: batch,
        dataLabel: `rotating through ${d.samples} samples`,
        contenders: made.map(({ name, inst }) => {
          let next = 0;
          // A contender whose predict returns a promise (`async: true`) gets an awaiting loop; the
          // synchronous ones keep the plain loop, so they pay no microtask per call.
          const run = inst.async ? async (reps) => {
            for (let r = 0; r < reps; r++) {
              await inst.predict(rowsOf(next), batch);
              next = next + 1 === batches ? 0 : next + 1;
            }
          } : (reps) => {
            for (let r = 0; r < reps; r++) {
              inst.predict(rowsOf(next), batch);
              next = next + 1 === batches ? 0 : next + 1;
            }
          };
          return {
            name,
            run,
            async check() {
              inst.check?.();
              let sum = 0;
              for (let i = 0; i < checkBatches; i++) for (const v of await inst.predict(rowsOf(i), batch)) sum += v;
              return sum;
            },
            dispose: () => inst.dispose(),
          };
        }),
      };
    },
    verify(results) {
      const failures = [], warnings = [];
      for (const r of results) {
        if (!Number.isFinite(r.checkAfter)) failures.push(`${id} ${r.name}: outputs are not finite (Σ = ${r.checkAfter})`);
      }
      const sums = results.map((r) => r.checkAfter);
      const spread = (Math.max(...sums) - Math.min(...sums)) / Math.max(Math.abs(Math.min(...sums)), 1e-12);
      if (spread > PARITY_TOLERANCE) {
        warnings.push(`${id}: Σ outputs differ by ${Number((spread * 100).toPrecision(2))}% between contenders with identical weights ` +
          `(${results.map((r) => `${r.name} ${r.checkAfter}`).join(', ')})`);
      }
      return { failures, warnings };
    },
  };
}

export { PREDICT_CONTENDERS };
