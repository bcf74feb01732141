#!/usr/bin/env node
/**
 * W3 (1024-1024-1024-10 sigmoid, batch 128) on 1 and on 2 threads, each in its
 * own process (init() picks the build once per process), alternating, a few
 * times: `node bench/threads-scaling.mjs [rounds]`. The full bench measures the
 * same through its harness; this isolates the two runs from everything else.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);

if (process.argv[2] === '--child') {
  const { init, sequential, dense, sgd } = await import('../build/index.node.js');
  const rt = await init({ threads: Number(process.argv[3]) });
  const n = 512;
  const x = new Float32Array(n * 1024).map((_, i) => ((i * 2654435761) % 1000) / 1000);
  const t = new Float32Array(n * 10).map((_, i) => (i % 10 === Math.floor(i / 10) % 10 ? 1 : 0));
  const net = sequential({
    inputSize: 1024, layers: [dense(1024, { activation: 'sigmoid' }), dense(1024, { activation: 'sigmoid' }), dense(10, { activation: 'sigmoid' })],
    optimizer: sgd({ learningRate: 0.1 }), seed: 1,
  });
  net.fitSync(x, t, { epochs: 1, batchSize: 128 }); // warm-up
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const started = performance.now();
    net.fitSync(x, t, { epochs: 1, batchSize: 128, gradientNorms: false });
    best = Math.max(best, n / ((performance.now() - started) / 1000));
  }
  console.log(JSON.stringify({ threads: rt.threads, samplesPerSecond: best, loss: net.evaluate(x, t).loss }));
} else {
  const rounds = Number(process.argv[2] ?? 3);
  const run = (threads) => JSON.parse(execFileSync(process.execPath, [self, '--child', String(threads)], { encoding: 'utf8' }));
  for (let r = 0; r < rounds; r++) {
    const one = run(1), two = run(2);
    if (one.loss !== two.loss) throw new Error(`1 and 2 threads disagree: loss ${one.loss} vs ${two.loss}`);
    console.log(`round ${r + 1}: 1 thread ${one.samplesPerSecond.toFixed(0)} samples/s, 2 threads ${two.samplesPerSecond.toFixed(0)} samples/s: ${(two.samplesPerSecond / one.samplesPerSecond).toFixed(2)}× (same loss ${one.loss})`);
  }
}
