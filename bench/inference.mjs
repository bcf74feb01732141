/**
 * Inference workloads: a trained-shape MLP predicting from Float32Array rows,
 * as throughput (a batch of rows per call, samples/s) or as latency (one
 * sample per call, shown in µs per predict). One rep = one predict call; reps
 * walk through the dataset batch by batch, so no contender predicts the same
 * cached rows over and over.
 *
 * The check is the sum of every output over the first rows of the dataset:
 * all contenders start from the same weights, so it must agree across them
 * up to float32 rounding (a cheap guard against one doing different work).
 */
import { initialParameters, PREDICT_CONTENDERS, TFJS_PREDICT, MLP_BASELINE } from './mlp-contenders.mjs';

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
    ].filter((r) => names.includes(r.contender)),
    baseline: names.includes(MLP_BASELINE) ? MLP_BASELINE : null,
    checkLabel: 'Σ outputs',
    checkStyle: 'after',
    repLabel: 'predict',
    settings,
    setup({ quick }) {
      const d = data(quick);
      const parameters = initialParameters(spec);
      const batches = Math.floor(d.samples / batch);
      const checkBatches = Math.max(1, Math.min(batches, Math.floor(CHECK_ROWS / batch)));
      const rowsOf = (i) => d.x.subarray(i * batch * inputSize, (i + 1) * batch * inputSize);
      return {
        workPerRep: batch,
        dataLabel: `rotating through ${d.samples} samples`,
        contenders: contenders.map((c) => {
          const inst = c.create(spec, d, parameters, batch);
          let next = 0;
          return {
            name: c.name,
            run(reps) {
              for (let r = 0; r < reps; r++) {
                inst.predict(rowsOf(next), batch);
                next = next + 1 === batches ? 0 : next + 1;
              }
            },
            check() {
              inst.check?.();
              let sum = 0;
              for (let i = 0; i < checkBatches; i++) for (const v of inst.predict(rowsOf(i), batch)) sum += v;
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
