// Trains XOR with wasmgrad and writes the result into the page for the test
// to read. Both entries (index.js, served.js) call it, with the init options
// their bundler needs.
import { init, sequential, dense, adam } from 'wasmgrad';

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);

export async function trainXor(initOptions) {
  try {
    const runtime = await init(initOptions);
    $('threads').textContent = String(runtime.threads);
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const t = [[0], [1], [1], [0]];
    const net = sequential({
      inputSize: 2,
      layers: [dense(8, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })],
      loss: 'binaryCrossentropy',
      optimizer: adam({ learningRate: 0.05 }),
      seed: 1,
    });
    await net.fit(x, t, { epochs: 300, batchSize: 4 });
    $('loss').textContent = String(net.evaluate(x, t).loss);
    $('predictions').textContent = JSON.stringify(net.predict(x).map(([y]) => y));
    net.dispose();
    $('status').innerHTML = '<span data-testid="done">Done.</span>';
  } catch (error) {
    $('status').textContent = `Failed: ${error?.stack ?? error}`;
    console.error(error);
  }
}
