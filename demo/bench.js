/**
 * The benchmark: the same training run (same network, weights, data and
 * batches) on the wasm backend and on the pure-TypeScript 'js' backend,
 * measured in samples per second of fitSync time.
 */
import { sequential, dense, sgd, adam } from '../build/index.js';
import { makeDataset, random } from './data.js';
import { formatCount } from './trainer.js';

export const WORKLOADS = {
  spirals: {
    title: '2-64-64-1 tanh, cross-entropy, Adam, batch 32 (800 spiral points)',
    data: () => makeDataset('spirals', { perClass: 400 }),
    network: (backend) => sequential({
      inputSize: 2, layers: [dense(64, { activation: 'tanh' }), dense(64, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
      loss: 'binaryCrossentropy', optimizer: adam({ learningRate: 0.01 }), seed: 1, backend,
    }),
    batchSize: 32,
  },
  mnist: {
    title: '784-128-10 sigmoid, L2, SGD, batch 32 (MNIST-sized random data, 1,024 samples)',
    data: () => {
      const next = random(3);
      const count = 1024;
      const x = new Float32Array(count * 784).map(() => next());
      const t = new Float32Array(count * 10);
      for (let i = 0; i < count; i++) t[i * 10 + Math.floor(next() * 10)] = 1;
      return { x, t, count };
    },
    network: (backend) => sequential({
      inputSize: 784, layers: [dense(128, { activation: 'sigmoid' }), dense(10, { activation: 'sigmoid' })],
      loss: 'l2', optimizer: sgd({ learningRate: 0.1 }), seed: 1, backend,
    }),
    batchSize: 32,
  },
  seed: {
    title: "2-3-2 sigmoid, L2, SGD, batch 1 (the worked example's network, 1,024 samples)",
    data: () => {
      const next = random(5);
      const count = 1024;
      const x = new Float32Array(count * 2).map(() => next());
      const t = new Float32Array(count * 2);
      for (let i = 0; i < count; i++) { const c = x[2 * i] > x[2 * i + 1] ? 0 : 1; t[2 * i + c] = 1; }
      return { x, t, count };
    },
    network: (backend) => sequential({
      inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })],
      loss: 'l2', optimizer: sgd({ learningRate: 0.5 }), seed: 1, backend,
    }),
    batchSize: 1,
  },
};

const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/**
 * Trains `workload` on `backend` for about `budgetMs` of fitSync time (after
 * one untimed warm-up epoch); returns samples/s and the last epoch's loss.
 * Gives the page a frame whenever ~50 ms have passed, so progress shows.
 */
export async function measure(workload, backend, budgetMs, onProgress) {
  const { x, t, count } = workload.data();
  const net = workload.network(backend);
  const options = { epochs: 1, batchSize: workload.batchSize, shuffle: false, gradientNorms: false };
  try {
    net.fitSync(x, t, options);   // warm-up: JIT, caches
    let timed = 0, samples = 0, loss = NaN, sinceFrame = performance.now();
    while (timed < budgetMs) {
      const started = performance.now();
      loss = net.fitSync(x, t, options).loss[0];
      timed += performance.now() - started;
      samples += count;
      if (performance.now() - sinceFrame > 50) {
        onProgress?.(Math.min(1, timed / budgetMs));
        await nextFrame();
        sinceFrame = performance.now();
      }
    }
    return { samplesPerSecond: samples / (timed / 1000), loss, samples, ms: timed };
  } finally {
    net.dispose();
  }
}

export class BenchView {
  constructor(root, { budgetMs = 1500, wasmAvailable = true, beforeRun = () => {} } = {}) {
    this.root = root;
    this.budgetMs = budgetMs;
    this.wasmAvailable = wasmAvailable;
    this.beforeRun = beforeRun;
    this.select = root.querySelector('[data-testid="bench-workload"]');
    this.button = root.querySelector('[data-testid="bench-run"]');
    this.status = root.querySelector('[data-testid="bench-status"]');
    this.rows = {
      wasm: { bar: root.querySelector('[data-testid="bench-bar-wasm"]'), value: root.querySelector('[data-testid="bench-wasm"]') },
      js: { bar: root.querySelector('[data-testid="bench-bar-js"]'), value: root.querySelector('[data-testid="bench-js"]') },
    };
    this.ratio = root.querySelector('[data-testid="bench-ratio"]');
    this.title = root.querySelector('[data-testid="bench-title"]');
    this.select.addEventListener('change', () => { this.title.textContent = WORKLOADS[this.select.value].title; });
    this.title.textContent = WORKLOADS[this.select.value].title;
    this.button.addEventListener('click', () => this.run());
    if (!wasmAvailable) this.status.textContent = 'WebAssembly SIMD is not available here: only the js backend can run.';
  }

  async run() {
    if (this.busy) return;
    this.busy = true;
    this.beforeRun();
    this.button.disabled = true;
    this.select.disabled = true;
    this.root.querySelector('[data-testid="bench-done"]')?.remove();
    const workload = WORKLOADS[this.select.value];
    for (const row of Object.values(this.rows)) { row.value.textContent = '…'; row.value.dataset.value = ''; row.bar.style.width = '0%'; }
    this.ratio.textContent = '';
    const results = {};
    try {
      for (const backend of ['wasm', 'js']) {
        if (backend === 'wasm' && !this.wasmAvailable) { this.rows.wasm.value.textContent = 'unavailable'; continue; }
        this.status.textContent = `Training on the ${backend} backend…`;
        results[backend] = await measure(workload, backend, this.budgetMs, (fraction) => {
          this.status.textContent = `Training on the ${backend} backend… ${Math.round(fraction * 100)} %`;
        });
        const row = this.rows[backend];
        row.value.textContent = `${formatCount(results[backend].samplesPerSecond)} samples/s`;
        row.value.dataset.value = String(results[backend].samplesPerSecond);
        row.value.title = `${results[backend].samples.toLocaleString('en-US')} samples in ${results[backend].ms.toFixed(0)} ms; last epoch's loss ${results[backend].loss.toFixed(4)}`;
        this.drawBars(results);
        await nextFrame();
      }
      if (results.wasm && results.js) {
        const ratio = results.wasm.samplesPerSecond / results.js.samplesPerSecond;
        this.ratio.textContent = `wasm is ${ratio.toFixed(1)}× the pure-TypeScript backend on this workload`;
        this.ratio.dataset.value = String(ratio);
      }
      this.status.innerHTML = `<span data-testid="bench-done">Done.</span> Same seed, weights and batches on both backends; `
        + `${(this.budgetMs / 1000).toFixed(1)} s of training each, after a warm-up epoch.`;
    } catch (error) {
      this.status.textContent = `Benchmark failed: ${error instanceof Error ? error.message : error}`;
      console.error(error);
    } finally {
      this.busy = false;
      this.button.disabled = false;
      this.select.disabled = false;
    }
  }

  drawBars(results) {
    const best = Math.max(...Object.values(results).map((r) => r.samplesPerSecond));
    for (const [backend, row] of Object.entries(this.rows)) {
      const r = results[backend];
      // Log-free linear bars, at least a sliver so a slow backend still shows.
      row.bar.style.width = r ? `${Math.max(1.5, (r.samplesPerSecond / best) * 100)}%` : '0%';
    }
  }
}
