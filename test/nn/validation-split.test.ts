/**
 * fit's validationSplit with and without validationShuffle: which samples are held out (the last ones, or a
 * seeded random set from stream VALIDATION_STREAM), checked against an independent permutation, on both backends.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, irisData, sequential } from '../../src/index.js';
import { Random } from '../../src/random.js';
import { holdOut, VALIDATION_STREAM } from '../../src/nn/validation-split.js';
import { initFromBuild } from '../helpers.js';

beforeAll(initFromBuild);

/** The held-out indices for `seed`, computed here: the last `held` of the stream's Fisher-Yates permutation, sorted. */
function expectedHeld(seed: number, rows: number, held: number): number[] {
  const order = Int32Array.from({ length: rows }, (_, i) => i);
  new Random(seed, 3).shuffle(order);
  return [...order.subarray(rows - held)].sort((a, b) => a - b);
}

describe('holdOut', () => {
  const x = { rows: 6, cols: 2, data: Float32Array.from({ length: 12 }, (_, i) => i) };
  const t = { rows: 6, cols: 1, data: Float32Array.from({ length: 6 }, (_, i) => 100 + i) };

  it('without a seed takes the last rows', () => {
    const s = holdOut(x, t, 2, null);
    expect(Array.from(s.validation.t.data)).toEqual([104, 105]);
    expect(Array.from(s.validation.x.data)).toEqual([8, 9, 10, 11]);
    expect(Array.from(s.t.data)).toEqual([100, 101, 102, 103]);
  });

  it('with a seed takes a seeded random set, each part in the original order', () => {
    expect(VALIDATION_STREAM).toBe(3);
    const s = holdOut(x, t, 2, 7);
    const held = expectedHeld(7, 6, 2);
    expect(Array.from(s.validation.t.data)).toEqual(held.map((i) => 100 + i));
    expect(Array.from(s.validation.x.data)).toEqual(held.flatMap((i) => [2 * i, 2 * i + 1]));
    expect(Array.from(s.t.data)).toEqual([0, 1, 2, 3, 4, 5].filter((i) => !held.includes(i)).map((i) => 100 + i));
  });
});

describe.each(['wasm', 'js'] as const)('fit with validationSplit (%s backend)', (backend) => {
  const { inputs, oneHot, labels } = irisData(); // sorted by species: 50 setosa, 50 versicolor, 50 virginica
  const make = () => sequential({
    inputSize: 4, layers: [dense(8, { activation: 'relu' }), dense(3, { activation: 'softmax' })],
    loss: 'categoricalCrossentropy', optimizer: adam({ learningRate: 0.01 }), seed: 11, backend,
  });

  it('the default holds out the last 30 samples: all virginica (the trap)', async () => {
    const net = make();
    const history = await net.fit(inputs, oneHot, { epochs: 2, validationSplit: 0.2, metrics: ['accuracy'] });
    expect(labels.slice(120).every((k) => k === 2)).toBe(true);
    const last = net.evaluate(inputs.slice(120), oneHot.slice(120), { metrics: ['accuracy'] });
    expect(history.valLoss!.at(-1)).toBe(last.loss);
    net.dispose();
  });

  it('validationShuffle holds out the seeded set, trains exactly as on the rest given as validationData, and every species is validated', async () => {
    const held = expectedHeld(11, 150, 30);
    expect(new Set(held.map((i) => labels[i])).size).toBe(3);
    const rest = inputs.map((_, i) => i).filter((i) => !held.includes(i));
    const pick = (m: number[][], idx: number[]) => idx.map((i) => m[i]);

    const a = make();
    const ha = await a.fit(inputs, oneHot, { epochs: 3, batchSize: 16, validationSplit: 0.2, validationShuffle: true });
    const b = make();
    const hb = await b.fit(pick(inputs, rest), pick(oneHot, rest), { epochs: 3, batchSize: 16, validationData: [pick(inputs, held), pick(oneHot, held)] });
    expect(ha.loss).toEqual(hb.loss);
    expect(ha.valLoss).toEqual(hb.valLoss);
    expect(a.getWeights()).toEqual(b.getWeights());
    // A second fit holds out the same samples (the stream starts afresh), so it matches the second fit of b too.
    const ha2 = a.fitSync(inputs, oneHot, { epochs: 1, batchSize: 16, validationSplit: 0.2, validationShuffle: true });
    const hb2 = b.fitSync(pick(inputs, rest), pick(oneHot, rest), { epochs: 1, batchSize: 16, validationData: [pick(inputs, held), pick(oneHot, held)] });
    expect(ha2.valLoss).toEqual(hb2.valLoss);
    expect(a.getWeights()).toEqual(b.getWeights());
    a.dispose();
    b.dispose();
  });

  it('refuses validationShuffle without validationSplit, or not a boolean, before anything changes', () => {
    const net = make();
    const before = net.getWeights();
    expect(() => net.fitSync(inputs, oneHot, { validationShuffle: true })).toThrow(/options\.validationShuffle must be absent unless options\.validationSplit is given/);
    expect(() => net.fitSync(inputs, oneHot, { validationShuffle: true, validationData: [inputs, oneHot] })).toThrow(/validationShuffle must be absent/);
    expect(() => net.fitSync(inputs, oneHot, { validationSplit: 0.2, validationShuffle: 1 as unknown as boolean })).toThrow(/options\.validationShuffle must be true or false, got 1/);
    expect(net.getWeights()).toEqual(before);
    expect(net.epochsTrained).toBe(0);
    net.dispose();
  });
});
