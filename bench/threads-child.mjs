// The child process of bench/threads-contender.mjs: one wasmgrad network on a thread pool.
import { init, sequential, dense, sgd } from '../build/index.node.js';

let net = null;
let data = null;
let options = null;

process.on('message', async (message) => {
  try {
    if (message.type === 'setup') {
      const rt = await init({ threads: message.threads });
      const { spec } = message;
      net = sequential({
        inputSize: spec.inputSize, layers: spec.units.map((units) => dense(units, { activation: 'sigmoid' })),
        loss: 'l2', optimizer: sgd({ learningRate: spec.learningRate }), seed: spec.seed,
      });
      net.setWeights(message.parameters);
      data = message.data;
      options = { batchSize: spec.batchSize, shuffle: false };
      process.send({ type: 'ready', threads: rt.threads });
    } else if (message.type === 'run') {
      net.fitSync(data.x, data.t, { ...options, epochs: message.reps });
      process.send({ type: 'done' });
    } else if (message.type === 'check') {
      process.send({ type: 'loss', loss: net.evaluate(data.x, data.t).loss });
    }
  } catch (error) {
    process.send({ type: 'error', error: String(error?.stack ?? error) });
  }
});
