// A module Web Worker: imports wasmgrad, trains, and posts progress to the page.
// The page's main thread never runs a training step, so it stays free to render.
import { init, sequential, dense, adam } from '../../build/index.js';

/** Two interleaved spirals in [-4, 4]², `perClass` points each, as row-major Float32Arrays. */
function spirals(perClass, seed) {
  let state = seed >>> 0;
  const random = () => {   // mulberry32
    state = (state + 0x6d2b79f5) >>> 0;
    let r = Math.imul(state ^ (state >>> 15), 1 | state);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
  const x = new Float32Array(perClass * 2 * 2);
  const t = new Float32Array(perClass * 2);
  for (let i = 0; i < perClass; i++) {
    for (let label = 0; label < 2; label++) {
      const r = i / perClass;
      const angle = 1.75 * r * 2 * Math.PI + label * Math.PI;
      const row = 2 * i + label;
      x[2 * row] = 4 * (r * Math.sin(angle) + (random() - 0.5) * 0.06);
      x[2 * row + 1] = 4 * (r * Math.cos(angle) + (random() - 0.5) * 0.06);
      t[row] = label;
    }
  }
  return { x, t };
}

self.onmessage = async ({ data }) => {
  if (data?.type !== 'train') return;
  try {
    await init();
    const { epochs = 400, hidden = 32, seed = 1 } = data;
    const { x, t } = spirals(400, seed);
    const net = sequential({
      inputSize: 2,
      layers: [dense(hidden, { activation: 'tanh' }), dense(hidden, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
      loss: 'binaryCrossentropy',
      optimizer: adam({ learningRate: 0.01 }),
      seed,
    });
    const started = performance.now();
    // fitSync blocks this worker, which is the point: the page does not wait for it.
    const history = net.fitSync(x, t, {
      epochs, batchSize: 16, gradientNorms: false,
      onEpochEnd: (epoch, { loss }) => self.postMessage({ type: 'progress', epoch: epoch + 1, epochs, loss }),
    });
    const { loss, accuracy } = net.evaluate(x, t, { metrics: ['accuracy'] });
    net.dispose();
    self.postMessage({ type: 'done', loss, accuracy, epochs: history.epochs, ms: performance.now() - started });
  } catch (error) {
    self.postMessage({ type: 'error', message: String(error?.stack ?? error) });
  }
};
