/** net.summary(): the exact table for small networks, parameters counted by hand. */
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, sequential, sgd } from '../../src/index.js';
import { summary } from '../../src/nn/summary.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

// Columns are two spaces apart; each rule is as wide as the header line.
const HEADER = 'Layer  Type   Units  Activation  Output shape  Parameters';
const WIDE = 'Layer  Type   Units  Activation         Output shape  Parameters'; // 'relu, dropout 0.2' is 17 wide
const rule = (header: string) => '-'.repeat(header.length);

describe.each(['wasm', 'js'] as const)('summary (%s backend)', (backend) => {
  it('the seed\'s 2-3-2 sigmoid network (L2 loss, SGD): 2·3 + 3 = 9 and 3·2 + 2 = 8 parameters, 17 in all', () => {
    const net = sequential({
      inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })],
      loss: 'l2', optimizer: sgd({ learningRate: 0.5 }), seed: 42, backend,
    });
    expect(net.summary()).toBe([
      HEADER,
      rule(HEADER),
      'input             2              [batch, 2]             0',
      '0      dense      3  sigmoid     [batch, 3]             9',
      '1      dense      2  sigmoid     [batch, 2]             8',
      rule(HEADER),
      'Total parameters: 17',
      'Loss: l2',
      'Optimizer: sgd (learning rate 0.5)',
      `Backend: ${backend}`,
    ].join('\n'));
    expect(net.parameterCount).toBe(17);
    net.dispose();
    expect(() => net.summary()).toThrow(/Network\.summary: this network has been disposed/);
  });

  it('dropout and a schedule are shown; columns widen to fit: 784·128 + 128 = 100480, 128·10 + 10 = 1290', () => {
    const net = sequential({
      inputSize: 784, layers: [dense(128, { activation: 'relu', dropout: 0.2 }), dense(10, { activation: 'softmax' })],
      loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.001, schedule: { type: 'exponential', factor: 0.9 } }), seed: 1, backend,
    });
    expect(net.summary()).toBe([
      WIDE,
      rule(WIDE),
      'input           784                     [batch, 784]           0',
      '0      dense    128  relu, dropout 0.2  [batch, 128]      100480',
      '1      dense     10  softmax            [batch, 10]         1290',
      rule(WIDE),
      'Total parameters: 101770',
      'Loss: categoricalCrossentropy',
      'Optimizer: adam (learning rate 0.001, exponential schedule (×0.9 per epoch))',
      `Backend: ${backend}`,
    ].join('\n'));
    expect(net.parameterCount).toBe(101770);
    net.dispose();
  });
});

describe('summary()', () => {
  it('shows a learning-rate multiplier other than 1 (reduceLROnPlateau\'s), and no layers but the input when there are none', () => {
    const net = { inputSize: 3, layers: [], loss: 'mse', optimizer: sgd({ learningRate: 0.1 }), backend: 'js', learningRateMultiplier: 0.25 } as const;
    const lines = summary(net).split('\n');
    expect(lines.at(-2)).toBe('Optimizer: sgd (learning rate 0.1, times 0.25 after plateaus)');
    // Columns at their header widths (5, 4, 5, 10, 12, 10), two spaces apart.
    expect(lines[2]).toBe(['input', '    ', '    3', ' '.repeat(10), '[batch, 3]  ', `${' '.repeat(9)}0`].join('  ').trimEnd());
    expect(summary({ ...net, learningRateMultiplier: 1 })).toContain('Optimizer: sgd (learning rate 0.1)\n');
  });
});
