/**
 * Backpropagation against central finite differences: for every parameter of
 * random networks, ∂L/∂θ from `net.gradients` (float32) must match
 * (L(θ + h) - L(θ - h)) / 2h computed with an independent float64 forward
 * pass (test/helpers.ts) at the very same float32 weights.
 *
 * Tolerance: |analytic - numeric| ≤ 1e-3·|numeric| + 2e-6. float32 backprop
 * carries ~1e-6 relative rounding per operation; the float64 differences with
 * h = 1e-5 are accurate to ~1e-10, so any real mistake (a missing term, a
 * transposed index, a wrong derivative) shows up orders of magnitude above it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, sequential, type Activation, type Loss } from '../../src/index.js';
import { Random } from '../../src/random.js';
import { checkAgainstFiniteDifferences, initFromBuild, randomMatrix, referenceForward, type ReferenceLayer } from '../helpers.js';

beforeAll(initFromBuild);

const cases: { sizes: number[]; activations: Activation[]; samples: number; loss?: Loss }[] = [
  { sizes: [2, 3, 2], activations: ['sigmoid', 'sigmoid'], samples: 1 },
  { sizes: [3, 1], activations: ['linear'], samples: 5 },
  { sizes: [3, 1, 1, 2], activations: ['tanh', 'sigmoid', 'linear'], samples: 4 },
  { sizes: [2, 2, 3, 1, 2], activations: ['tanh', 'relu', 'sigmoid', 'sigmoid'], samples: 3 },
  { sizes: [4, 5, 3], activations: ['tanh', 'linear'], samples: 6 },
  { sizes: [5, 7, 6, 2], activations: ['relu', 'sigmoid', 'tanh'], samples: 9 },
  { sizes: [9, 17, 4], activations: ['sigmoid', 'relu'], samples: 13 },
  { sizes: [6, 8, 8, 8, 3], activations: ['tanh', 'relu', 'sigmoid', 'linear'], samples: 4 },
  { sizes: [4, 9, 3], activations: ['leakyRelu', 'softplus'], samples: 5, loss: 'mse' },
  { sizes: [5, 6, 2], activations: ['elu', 'sigmoid'], samples: 7, loss: 'binaryCrossentropy' },
  { sizes: [4, 7, 3], activations: ['tanh', 'softmax'], samples: 6, loss: 'categoricalCrossentropy' },
  { sizes: [3, 20, 17], activations: ['relu', 'softmax'], samples: 9, loss: 'categoricalCrossentropy' },
  { sizes: [3, 5, 4], activations: ['sigmoid', 'softmax'], samples: 4, loss: 'l2' },
  { sizes: [6, 10, 2], activations: ['tanh', 'softmax'], samples: 5, loss: 'binaryCrossentropy' },
  { sizes: [30, 40, 5], activations: ['elu', 'leakyRelu'], samples: 33, loss: 'mse' },
];

describe.each(['wasm', 'js'] as const)('gradients vs central finite differences (%s backend)', (backend) => {
  cases.forEach(({ sizes, activations, samples, loss = 'l2' }, caseIndex) => {
    it(`${sizes.join('-')} (${activations.join(', ')}), ${loss}, ${samples} samples`, () => {
      const random = new Random(1000 + caseIndex);
      const net = sequential({
        inputSize: sizes[0],
        layers: activations.map((activation, l) => dense(sizes[l + 1], { activation })),
        loss, seed: 7 + caseIndex, backend,
      });
      const inputs = randomMatrix(random, samples, sizes[0], -2, 2);
      // Categorical cross-entropy gets one-hot rows; the others, values in [0, 1].
      const targets = loss === 'categoricalCrossentropy'
        ? Array.from({ length: samples }, (_, s) => Array.from({ length: sizes.at(-1)! }, (_, j) => (j === s % sizes.at(-1)! ? 1 : 0)))
        : randomMatrix(random, samples, sizes.at(-1)!, 0, 1);
      const weights = net.getWeights();
      // Give biases non-zero values so their gradients are exercised away from the initial zeros.
      weights.forEach((layer) => layer.bias.forEach((_, j) => { layer.bias[j] = Math.fround(random.uniform(-0.5, 0.5)); }));
      net.setWeights(weights);
      const reference: ReferenceLayer[] = net.getWeights().map((layer, l) => ({ ...layer, activation: activations[l] }));

      // The library's forward pass agrees with the float64 reference.
      const predicted = net.predict(inputs);
      inputs.forEach((x, s) => {
        const want = referenceForward(reference, x).at(-1)!;
        want.forEach((y, j) => expect(Math.abs(predicted[s][j] - y)).toBeLessThan(1e-5 * (1 + Math.abs(y))));
      });

      const analytic = net.gradients(inputs, targets);
      const { checked, worst } = checkAgainstFiniteDifferences(reference, inputs, targets, loss, analytic);
      expect(checked).toBe(net.parameterCount);
      expect(worst).toBeLessThan(1e-3);
      net.dispose();
    });
  });
});
