import { init, sequential, dense, adam } from 'wasmgrad';

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const status = $('status');

async function main() {
  // ?threads=2 starts a worker pool (on a cross-origin isolated server); Vite bundled its worker too.
  const threads = Number(new URLSearchParams(location.search).get('threads') ?? 1);
  const runtime = await init({ threads });   // finds the .wasm asset Vite emitted next to the bundle
  $('threads').textContent = String(runtime.threads);
  const wasm = performance.getEntriesByType('resource').find((entry) => /\.wasm$/.test(new URL(entry.name).pathname));
  $('wasm-url').textContent = wasm ? new URL(wasm.name).pathname : '(not fetched)';
  status.textContent = 'Training…';

  const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
  const t = [[0], [1], [1], [0]];
  const net = sequential({
    inputSize: 2,
    layers: [dense(8, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
    loss: 'binaryCrossentropy',
    optimizer: adam({ learningRate: 0.05 }),
    seed: 1,
  });
  const epochs = 300;
  await net.fit(x, t, { epochs, batchSize: 4 });
  const { loss } = net.evaluate(x, t);
  const y = net.predict(x);
  net.dispose();

  $('predictions').innerHTML = x.map(([a, b], i) => `<tr><td>${a}</td><td>${b}</td><td>${t[i][0]}</td><td>${y[i][0].toFixed(4)}</td></tr>`).join('');
  $('loss').textContent = loss.toFixed(5);
  $('epochs').textContent = String(epochs);
  status.innerHTML = '<span data-testid="done">Done.</span> The network learned XOR.';
}

main().catch((error) => {
  status.className = 'status error';
  status.textContent = `Failed: ${error?.stack ?? error}`;
  console.error(error);
});
