/**
 * Training on the relaxed-SIMD build (fused multiply-add in the GEMM) against
 * the baseline build: a W2-like run (784-128-10 sigmoid, L2, SGD lr 0.1,
 * batch 32) ends its epochs within 1e-4 of the baseline's losses, and the
 * relaxed threads build stays bit-identical on 1 and 2 threads. Each run is a
 * fresh process on the built package (init's first call decides the build).
 * Runs only where the engine has relaxed SIMD (Node 22 and later).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/wasm/load.js';
import { THREADS_EXEC_ARGV } from '../threads/engine.js';

const HERE = relaxedSimdSupported();
const SKIP_REASON = HERE ? '' : ' (skipped: this engine lacks relaxed SIMD: Node 20 without --experimental-wasm-relaxed-simd)';
const PKG = new URL('../../build/index.node.js', import.meta.url).href;

interface Run { features: { relaxedSimd: boolean; threads: boolean }; threads: number; loss: number[]; hash: number }

/**
 * Trains `layers` (hidden widths, then the outputs) on seeded data in a new process:
 * one-hot targets from a fixed linear teacher, inputs in [0, 1) like pixels.
 */
function train(options: string, { inputs, layers, samples, batchSize, epochs }: {
  inputs: number; layers: number[]; samples: number; batchSize: number; epochs: number;
}): Run {
  const script = `
    import { init, sequential, dense, sgd } from ${JSON.stringify(PKG)};
    const info = await init(${options});
    let s = 12345;
    const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
    const inputs = ${inputs}, samples = ${samples}, classes = ${layers.at(-1)};
    const x = Float32Array.from({ length: samples * inputs }, next);
    const w = Float32Array.from({ length: inputs * classes }, () => 2 * next() - 1);
    const t = new Float32Array(samples * classes);
    for (let r = 0; r < samples; r++) {
      let best = 0, bestLogit = -Infinity;
      for (let j = 0; j < classes; j++) {
        let logit = 0;
        for (let k = 0; k < inputs; k++) logit += (x[r * inputs + k] - 0.5) * w[k * classes + j];
        if (logit > bestLogit) { bestLogit = logit; best = j; }
      }
      t[r * classes + best] = 1;
    }
    const net = sequential({ inputSize: inputs, layers: ${JSON.stringify(layers)}.map((units) => dense(units, { activation: 'sigmoid' })),
      loss: 'l2', optimizer: sgd({ learningRate: 0.1 }), seed: 7 });
    const loss = net.fitSync(x, t, { epochs: ${epochs}, batchSize: ${batchSize} }).loss;
    let hash = 0;
    for (const layer of net.getWeights()) for (const w of new Float32Array([...layer.weights.flat(), ...layer.bias])) {
      hash = (Math.imul(hash, 31) + new Int32Array(new Float32Array([w]).buffer)[0]) | 0;
    }
    console.log(JSON.stringify({ features: info.features, threads: info.threads, loss, hash }));`;
  // A file, not node -e: the pool's workers inherit execArgv, and --input-type would stop them.
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-relaxed-'));
  const file = join(dir, 'run.mjs');
  writeFileSync(file, script);
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [...THREADS_EXEC_ARGV, '--no-warnings', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe.skipIf(!HERE)(`training on the relaxed-SIMD build${SKIP_REASON}`, () => {
  it('a W2-like run (784-128-10, batch 32) ends each epoch within 1e-4 (relative) of the baseline build\'s loss', () => {
    const w2 = { inputs: 784, layers: [128, 10], samples: 512, batchSize: 32, epochs: 2 };
    const base = train('{ relaxedSimd: false }', w2);
    const relaxed = train('{ relaxedSimd: true }', w2);
    expect(base.features.relaxedSimd).toBe(false);
    expect(relaxed.features.relaxedSimd).toBe(true);
    expect(relaxed.loss).toHaveLength(2);
    for (const [epoch, loss] of base.loss.entries()) {
      expect(Number.isFinite(loss)).toBe(true);
      expect(Math.abs(relaxed.loss[epoch] - loss) / loss, `epoch ${epoch + 1}`).toBeLessThanOrEqual(1e-4);
    }
    // It learned: the second epoch's loss is below the first's.
    expect(relaxed.loss[1]).toBeLessThan(relaxed.loss[0]);
  });

  it('the relaxed threads build trains bit-identically on 2 threads and on 1 (slices split rows not on 6-row tiles)', () => {
    // 300 inputs × 260 units at batch 48: x·W splits by columns, Xᵀ·δ (300 × 260) by rows at 152 (not a multiple of 6).
    const shape = { inputs: 300, layers: [260, 260, 10], samples: 96, batchSize: 48, epochs: 3 };
    // relaxedSimd: true, since init() loads the relaxed build by default only on V8 13.6 and later (not on Node 22).
    const one = train('{ threads: 1, relaxedSimd: true }', shape);
    const two = train('{ threads: 2, relaxedSimd: true }', shape);
    expect(one.features).toMatchObject({ relaxedSimd: true, threads: false });
    expect(two.features).toMatchObject({ relaxedSimd: true, threads: true });
    expect(two.threads).toBe(2);
    expect(two.loss).toEqual(one.loss);
    expect(two.hash).toBe(one.hash);
  });
});
