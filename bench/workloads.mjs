/**
 * What the bench measures: a list of workloads, each a plain entry. run.mjs
 * knows nothing about networks; it calls, for each entry,
 *
 *   setup({ quick })  → { workPerRep, dataLabel, contenders: [{ name, run(reps), check(), dispose() }] }
 *   verify(results)   → { failures: string[], warnings: string[] }
 *
 * and reports `unit` (work per second), the `checkLabel` value before → after
 * with the reps done (named `repLabel`), and ratios against the contender
 * named `baseline`, plus one ratio column per `ratios` entry ({ label,
 * contender }). `table` says which printed table the rows go to ('training',
 * 'inference', 'gemm'); `group` lets `--only` pick several entries at once
 * (e.g. --only W2 runs W2, W2-predict and W2-latency; --only GEMM every GEMM
 * entry). An entry may carry `settings` ({ rounds, minRunMs, warmupMs })
 * overriding the global ones, e.g. for a workload with long reps, and
 * `quickSettings` doing the same under --quick; `inQuick: false` leaves it
 * out of --quick runs unless named by id.
 */
import { sigmoidTeacherData, oneHotTeacherData } from './data.mjs';
import { wasmgradThreads } from './threads-contender.mjs';
import { MLP_BASELINE, MLP_CONTENDERS, TFJS_FIT, TFJS_STEP, initialParameters, pureJs232 } from './mlp-contenders.mjs';
import { predictWorkload, PREDICT_CONTENDERS } from './inference.mjs';
import { GEMM_WORKLOADS } from './gemm.mjs';

/** Losses after the same first epoch should agree to about this (relative); float32 rounding differs, the math must not. */
const PARITY_TOLERANCE = 1e-3;

/**
 * An all-sigmoid MLP trained with L2 loss and SGD, in data order.
 * `data(quick)` builds the dataset; quick runs may use a smaller one.
 */
function mlpWorkload({ id, inputSize, units, learningRate, batchSize, seed = 42, data, contenders = MLP_CONTENDERS, extraRatios = [], settings, quickSettings }) {
  const spec = { inputSize, units, learningRate, batchSize, seed };
  return {
    id,
    group: id,
    table: 'training',
    title: `${[inputSize, ...units].join('-')} sigmoid, L2, SGD lr ${learningRate}, batch ${batchSize}`,
    unit: 'samples/s',
    baseline: MLP_BASELINE,
    ratios: [
      { label: 'vs pure JS', contender: MLP_BASELINE },
      { label: 'vs tfjs fit', contender: TFJS_FIT },
      { label: 'vs tfjs step', contender: TFJS_STEP },
      ...extraRatios,
    ],
    checkLabel: 'loss',
    checkStyle: 'before-after',
    repLabel: 'epoch',
    settings,
    quickSettings,
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

const w2Data = (quick) => oneHotTeacherData({ samples: quick ? 256 : 2048, inputs: 784, classes: 10, seed: 2 });
const { wasm, js, pureJs, tfjs } = PREDICT_CONTENDERS;

export const WORKLOADS = [
  mlpWorkload({
    id: 'W1', inputSize: 2, units: [3, 2], learningRate: 0.5, batchSize: 1,
    data: (quick) => sigmoidTeacherData({ samples: quick ? 1024 : 4096, inputs: 2, outputs: 2, seed: 1 }),
    // The general pure-JS MLP is the baseline of every workload; for the seed network a loop written for it alone is faster still.
    contenders: [...MLP_CONTENDERS, pureJs232],
    extraRatios: [{ label: 'vs pure JS 2-3-2', contender: pureJs232.name }],
    // tfjs spends ~0.3–0.7 ms of per-batch overhead on each of the 4096 one-sample batches: an epoch is ~2 s
    // (step) to ~3 s (fit), so each of their runs is one epoch whatever minRunMs says; 7 rounds keep W1 near a minute.
    settings: { rounds: 7 },
  }),
  mlpWorkload({
    id: 'W2', inputSize: 784, units: [128, 10], learningRate: 0.1, batchSize: 32, data: w2Data,
  }),
  predictWorkload({
    id: 'W2-predict', group: 'W2', inputSize: 784, units: [128, 10], batch: 256, data: w2Data,
    contenders: [wasm, js, pureJs, tfjs],
  }),
  predictWorkload({
    id: 'W2-latency', group: 'W2', inputSize: 784, units: [128, 10], batch: 1, data: w2Data, latency: true,
    contenders: [wasm, tfjs],
  }),
  mlpWorkload({
    id: 'W3', inputSize: 1024, units: [1024, 1024, 10], learningRate: 0.1, batchSize: 128,
    // One epoch of 256 samples (2 batches) is ~3.2 GFLOP of training: ~0.1 s for wasmgrad wasm but ~3–4 s for
    // pure JS, wasmgrad js and both tfjs contenders (tfjs's transposed matMuls run at 0.4–2 GFLOP/s), so those
    // time one epoch per run; 5 rounds (the fewest that give a median) keep W3 near 1.5 minutes. The fast
    // contenders' runs last 1.5 s: a run on two threads that follows seconds of one-core work starts slow while
    // the idle virtual CPU is woken (measured: 4.9–6.1 k samples/s against 6.0 k steady), and 0.3 s runs
    // (tried) let that transient set the ratio.
    data: (quick) => oneHotTeacherData({ samples: quick ? 128 : 256, inputs: 1024, classes: 10, seed: 3 }),
    contenders: [...MLP_CONTENDERS, wasmgradThreads(2)],
    extraRatios: [{ label: 'vs wasmgrad wasm', contender: 'wasmgrad wasm' }],
    settings: { rounds: 5, minRunMs: 1500, warmupMs: 0 },
    quickSettings: { rounds: 1, warmupMs: 0 }, // a smoke run: it only has to show every contender runs and learns
  }),
  ...GEMM_WORKLOADS,
];
