/**
 * What the bench measures: a list of workloads, each a plain entry. run.mjs
 * knows nothing about networks; it calls, for each entry,
 *
 *   setup({ quick })  → { workPerRep, dataLabel, contenders: [{ name, run(reps), check(), dispose() }] }
 *   verify(results)   → { failures: string[], warnings: string[] }
 *
 * and reports `unit` (work per second), the `checkLabel` value before → after
 * with the reps done (named `repLabel`), and ratios against the contender
 * named `baseline`. An entry may carry `settings` ({ rounds, minRunMs,
 * warmupMs }) overriding the global ones, e.g. for a workload with long reps.
 *
 * New workloads (a 1024-1024-1024-10 MLP, GEMM GFLOP/s with a max-error
 * check, TensorFlow.js contenders) are new entries here or new factories in
 * a contender list, not changes to the harness.
 */
import { sigmoidTeacherData, oneHotTeacherData } from './data.mjs';
import { MLP_BASELINE, MLP_CONTENDERS, initialParameters } from './mlp-contenders.mjs';

/** Losses after the same first epoch should agree to about this (relative); float32 rounding differs, the math must not. */
const PARITY_TOLERANCE = 1e-3;

/**
 * An all-sigmoid MLP trained with L2 loss and SGD, in data order.
 * `data(quick)` builds the dataset; quick runs may use a smaller one.
 */
function mlpWorkload({ id, inputSize, units, learningRate, batchSize, seed = 42, data, contenders = MLP_CONTENDERS, settings }) {
  const spec = { inputSize, units, learningRate, batchSize, seed };
  return {
    id,
    title: `${[inputSize, ...units].join('-')} sigmoid, L2, SGD lr ${learningRate}, batch ${batchSize}`,
    unit: 'samples/s',
    baseline: MLP_BASELINE,
    checkLabel: 'loss',
    repLabel: 'epoch',
    settings,
    setup({ quick }) {
      const d = data(quick);
      const parameters = initialParameters(spec);
      return {
        workPerRep: d.samples, // one rep = one epoch
        dataLabel: `${d.samples} samples`,
        contenders: contenders.map((c) => ({ name: c.name, ...c.create(spec, d, parameters) })),
      };
    },
    verify(results) {
      const failures = [];
      for (const r of results) {
        if (!Number.isFinite(r.checkBefore) || !Number.isFinite(r.checkAfter)) {
          failures.push(`${id} ${r.name}: loss is not finite (${r.checkBefore} → ${r.checkAfter})`);
        } else if (!(r.checkAfter < r.checkBefore)) {
          failures.push(`${id} ${r.name}: loss did not fall (${r.checkBefore} → ${r.checkAfter})`);
        }
      }
      // Same start, same batches, one epoch each: a large disagreement means different arithmetic.
      const warnings = [];
      const first = results.map((r) => r.checkAfterFirstRep);
      if (first.every(Number.isFinite) && first.length > 1) {
        const spread = (Math.max(...first) - Math.min(...first)) / Math.max(Math.min(...first), 1e-12);
        if (spread > PARITY_TOLERANCE) {
          warnings.push(`${id}: losses after the first epoch differ by ${Number((spread * 100).toPrecision(2))}% between contenders ` +
            `that did identical training (${results.map((r) => `${r.name} ${r.checkAfterFirstRep}`).join(', ')})`);
        }
      }
      return { failures, warnings };
    },
  };
}

export const WORKLOADS = [
  mlpWorkload({
    id: 'W1', inputSize: 2, units: [3, 2], learningRate: 0.5, batchSize: 1,
    data: (quick) => sigmoidTeacherData({ samples: quick ? 1024 : 4096, inputs: 2, outputs: 2, seed: 1 }),
  }),
  mlpWorkload({
    id: 'W2', inputSize: 784, units: [128, 10], learningRate: 0.1, batchSize: 32,
    data: (quick) => oneHotTeacherData({ samples: quick ? 256 : 2048, inputs: 784, classes: 10, seed: 2 }),
  }),
];
