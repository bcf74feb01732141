/**
 * The wasm backend against the pure-TS backend: same forward outputs,
 * gradients and trained weights on random shapes, including sizes that are
 * not multiples of 4 or 16 and batches large enough for the packed GEMM.
 *
 * Tolerances: forward 1e-5, gradients 1e-4·max|g| + 1e-7, weights after
 * training 1e-3. The backends sum in different orders (SIMD lanes and blocks
 * vs float64 rows), so they agree to float32 rounding, not bit for bit, and
 * training lets those roundings compound a little over many steps.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, sgd, type Activation } from '../../src/index.js';
import { Random } from '../../src/random.js';
import { initFromBuild, maxAbsDiff, randomMatrix } from '../helpers.js';

beforeAll(initFromBuild);

const shapes: { sizes: number[]; activations: Activation[]; samples: number; batchSize: number }[] = [
  { sizes: [2, 3, 2], activations: ['sigmoid', 'sigmoid'], samples: 8, batchSize: 1 },
  { sizes: [7, 13, 5], activations: ['tanh', 'sigmoid'], samples: 37, batchSize: 5 },
  { sizes: [17, 33, 9, 3], activations: ['relu', 'tanh', 'linear'], samples: 50, batchSize: 16 },
  { sizes: [100, 77, 10], activations: ['sigmoid', 'sigmoid'], samples: 64, batchSize: 32 },
  { sizes: [31, 130, 65, 1], activations: ['relu', 'relu', 'sigmoid'], samples: 150, batchSize: 150 },
];

describe('wasm and js backends agree', () => {
  shapes.forEach(({ sizes, activations, samples, batchSize }, index) => {
    it(`${sizes.join('-')} (${activations.join(', ')}), batch ${batchSize}`, () => {
      const random = new Random(500 + index);
      const inputs = randomMatrix(random, samples, sizes[0], -1, 1);
      const targets = randomMatrix(random, samples, sizes.at(-1)!, 0, 1);
      const [wasm, js] = (['wasm', 'js'] as const).map((backend) => sequential({
        inputSize: sizes[0],
        layers: activations.map((activation, l) => dense(sizes[l + 1], { activation })),
        optimizer: sgd({ learningRate: 0.05 }), seed: 31 + index, backend,
      }));
      expect(wasm.getWeights()).toEqual(js.getWeights());

      expect(maxAbsDiff(wasm.predict(inputs), js.predict(inputs))).toBeLessThan(1e-5);
      const gradWasm = wasm.gradients(inputs, targets), gradJs = js.gradients(inputs, targets);
      const scale = Math.max(...gradJs.flatMap((l) => [...l.weights.flat(), ...l.bias].map(Math.abs)));
      expect(scale).toBeGreaterThan(0);
      gradWasm.forEach((layer, l) => {
        expect(maxAbsDiff(layer.weights, gradJs[l].weights)).toBeLessThan(1e-4 * scale + 1e-7);
        expect(maxAbsDiff(layer.bias, gradJs[l].bias)).toBeLessThan(1e-4 * scale + 1e-7);
      });

      const options = { epochs: 3, batchSize, shuffle: true };
      const historyWasm = wasm.fitSync(inputs, targets, options);
      const historyJs = js.fitSync(inputs, targets, options);
      historyWasm.loss.forEach((loss, e) => expect(loss).toBeCloseTo(historyJs.loss[e], 4));
      wasm.getWeights().forEach((layer, l) => {
        expect(maxAbsDiff(layer.weights, js.getWeights()[l].weights)).toBeLessThan(1e-3);
        expect(maxAbsDiff(layer.bias, js.getWeights()[l].bias)).toBeLessThan(1e-3);
      });
      wasm.dispose();
      js.dispose();
    });
  });
});
