/**
 * The progress bar (src/nn/callbacks/progress.ts): the line it draws, when it
 * draws on a terminal and in a log, and fit's and fitDataset's `progress`
 * option. The CLI's train command draws with the same class
 * (test/cli covers its output).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { sgd } from '../../../src/index.js';
import { ProgressBar, progressLine } from '../../../src/nn/callbacks/progress.js';
import { initFromBuild } from '../../helpers.js';
import { T, X, xorNet } from './xor.js';

beforeAll(initFromBuild);

/** A stream that keeps what is written. */
const recorder = (isTTY: boolean) => {
  const chunks: string[] = [];
  return {
    chunks,
    stream: {
      isTTY,
      write: (text: string) => {
        chunks.push(text);
      },
    },
  };
};

const net = (backend: 'wasm' | 'js' = 'wasm') => xorNet(backend, sgd({ learningRate: 0.5 }), 1);

describe('progressLine', () => {
  it('draws 24 slots, filled in proportion, the loss to 5 decimals, then validation loss and speed when known', () => {
    expect(progressLine(3, 12, 0.123456, {})).toBe(`  epoch  3/12 ${'█'.repeat(6)}${'░'.repeat(18)} loss 0.12346`);
    expect(progressLine(12, 12, 1, { valLoss: 0.5, samplesPerSecond: 12345.6 })).toBe(
      `  epoch 12/12 ${'█'.repeat(24)} loss 1.00000  val loss 0.50000  12,346 samples/s`,
    );
    expect(progressLine(5, 10, 0.5, { label: 'js' })).toBe(`  js    epoch  5/10 ${'█'.repeat(12)}${'░'.repeat(12)} loss 0.50000`);
    expect(progressLine(1, 2, 0, {}, { filled: (t) => `<${t}>`, empty: (t) => `[${t}]` })).toBe(
      `  epoch 1/2 <${'█'.repeat(12)}>[${'░'.repeat(12)}] loss 0.00000`,
    );
  });
});

describe('ProgressBar', () => {
  it('in a log: one line per tenth of the epochs, ending with the last', () => {
    const { chunks, stream } = recorder(false);
    const bar = new ProgressBar(stream, 25, undefined);
    for (let e = 1; e <= 25; e++) bar.update(e, 1 / e);
    // Tenths change at epochs 3 (⌊30/25⌋ = 1), 5, 8, 10, 13, 15, 18, 20, 23, 25.
    expect(chunks.map((c) => Number(/epoch +(\d+)/.exec(c)![1]))).toEqual([3, 5, 8, 10, 13, 15, 18, 20, 23, 25]);
    expect(chunks.every((c) => c.endsWith('\n') && !c.includes('\r'))).toBe(true);
    bar.finish();
    expect(chunks).toHaveLength(10);
  });

  it('on a terminal: redrawn in place at most every 50 ms, the last epoch always, then a line break', () => {
    const { chunks, stream } = recorder(true);
    let time = 1000;
    const bar = new ProgressBar(stream, 5, 10, { clock: () => time });
    bar.update(1, 0.5); // drawn (the first)
    time += 10;
    bar.update(2, 0.4); // skipped: 10 ms later
    time += 60;
    bar.update(3, 0.3); // drawn
    time += 1;
    bar.update(5, 0.1); // the last: drawn
    expect(chunks).toHaveLength(3);
    expect(chunks.every((c) => c.startsWith('\r') && c.includes('\x1b[K'))).toBe(true);
    expect(chunks[2].endsWith('\n')).toBe(true);
    // 3 epochs of 10 samples in 70 ms: 429 samples/s.
    expect(chunks[1]).toContain(' 429 samples/s');
    bar.finish();
    expect(chunks).toHaveLength(3);
  });

  it('finish() ends a terminal line that stopped short of the last epoch', () => {
    const { chunks, stream } = recorder(true);
    const bar = new ProgressBar(stream, 10, undefined, { clock: () => 0 });
    bar.update(1, 1);
    bar.finish();
    expect(chunks.at(-1)).toBe('\n');
  });
});

describe('options.progress', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: fit and fitSync draw every epoch's line to the stream, with the history's losses; training is unchanged`, async () => {
      const { chunks, stream } = recorder(false);
      const a = net(backend),
        b = net(backend);
      const history = await a.fit(X, T, { epochs: 10, batchSize: 2, progress: { stream } });
      const plain = b.fitSync(X, T, { epochs: 10, batchSize: 2, onEpochEnd: () => {} });
      expect(history).toEqual(plain);
      expect(chunks).toHaveLength(10);
      chunks.forEach((line, e) => {
        expect(line).toContain(`epoch ${String(e + 1).padStart(2)}/10`);
        expect(line).toContain(`loss ${history.loss[e].toFixed(5)}`);
        expect(line).toMatch(/samples\/s\n$/);
      });
      a.dispose();
      b.dispose();
    });
  }

  it("fitDataset draws without a speed (an epoch's length is not known ahead), with the validation loss", async () => {
    const { chunks, stream } = recorder(false);
    const a = net();
    const history = await a.fitDataset(() => [{ xs: X, ys: T }], { epochs: 2, validationData: [X, T], progress: { stream } });
    expect(chunks).toEqual([1, 2].map((e) => `${progressLine(e, 2, history.loss[e - 1], { valLoss: history.valLoss![e - 1] })}\n`));
    a.dispose();
  });

  it('progress: true draws to process.stderr', () => {
    const writes: string[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((text: string) => {
      writes.push(text);
      return true;
    }) as typeof process.stderr.write;
    try {
      const a = net();
      a.fitSync(X, T, { epochs: 1, progress: true });
      a.dispose();
    } finally {
      process.stderr.write = original;
    }
    expect(writes.join('')).toContain('epoch 1/1');
  });

  it('refuses a bad option by name, before training', () => {
    const a = net();
    const before = JSON.stringify(a.toJSON());
    expect(() => a.fitSync(X, T, { progress: 'yes' as unknown as boolean })).toThrow(/options.progress must be/);
    expect(() => a.fitSync(X, T, { progress: { stream: {} as never } })).toThrow(
      /options.progress.stream must be an object with a write\(text\) method/,
    );
    expect(() => a.fitSync(X, T, { progress: { colour: true } as never })).toThrow(/colour/);
    expect(JSON.stringify(a.toJSON())).toBe(before);
    a.dispose();
  });
});
