// Trains a small iris classifier and saves it, for trying the service:
//   node examples/service/make-model.mjs iris.wgm
// Inputs are the four measurements (cm) as they are; outputs the three species' probabilities.
import { adam, dense, init, irisData, save, sequential } from 'wasmgrad';

const path = process.argv[2] ?? 'iris.wgm';
await init();
const { inputs, oneHot } = irisData();
const net = sequential({
  inputSize: 4, seed: 1, optimizer: adam({ learningRate: 0.01 }), loss: 'categoricalCrossentropy',
  layers: [dense(16, { activation: 'relu' }), dense(3, { activation: 'softmax' })],
});
await net.fit(inputs, oneHot, { epochs: 200, batchSize: 16 });
await save(net, path);
console.log(`saved ${path}: ${net.inputSize} inputs, ${net.outputSize} outputs`);
