/**
 * A randomized adversary: random sequences of calls on networks and tensors,
 * good ones and bad ones, `dispose` at random points, and training callbacks
 * that dispose a network (their own or another) or throw. After every step:
 * - every live network the step had no business changing has the same weights,
 *   bit for bit (one stray write into linear memory shows up here);
 * - a call given bad input threw a coded wasmgrad error and left its target as it was;
 * - the heap's live-block count is exactly what the live objects own;
 * - no call hangs (each async step races a timeout);
 * - at the end, with everything disposed, the heap's live bytes are back where they were.
 * The steps for fitDataset, abort signals and stopTraining, callback objects,
 * the predictor, summary and ONNX round trips are in ./random-calls-actions.ts.
 *
 * Bounded and seeded in `npm test`. To run it longer or with another seed:
 *   WASMGRAD_FUZZ_STEPS=20000 WASMGRAD_FUZZ_SEED=7 npx vitest run test/reliability/random-calls.test.ts
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  add, dense, fromJSON, grad, isWasmgradError, matmul, mul, sequential, sgd, adam, sigmoid, sum, tensor, tidy,
  type Network, type Tensor,
} from '../../src/index.js';
import { runtime } from '../../src/runtime.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';
import {
  CallbackError, fitDatasetStep, fitWithControl, onnxStep, predictorStep, stopTrainingStep, summaryStep, type Step, type Tracked,
} from './random-calls-actions.js';

const STEPS = Number(process.env.WASMGRAD_FUZZ_STEPS ?? 300);
const SEED = Number(process.env.WASMGRAD_FUZZ_SEED ?? 20261201);
const STEP_TIMEOUT_MS = 10_000;

/** Every weight and bias as raw bits, so -0, NaN payloads and 1 ulp all count. */
function fingerprint(net: Network): Uint32Array {
  const values: number[] = [];
  for (const layer of net.getWeights()) {
    for (const row of layer.weights) values.push(...row);
    values.push(...layer.bias);
  }
  return new Uint32Array(new Float32Array(values).buffer);
}

function bitsEqual(a: Uint32Array, b: Uint32Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} hung for ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS); }),
  ]);
}

class Adversary {
  readonly random = new Random(SEED, 9);
  readonly nets: Tracked[] = [];
  readonly tensors: Tensor[] = [];
  readonly log: string[] = [];
  baseline = 0;

  int(n: number): number { return Math.floor(this.random.next() * n); }
  chance(p: number): boolean { return this.random.next() < p; }
  pick<T>(items: readonly T[]): T { return items[this.int(items.length)]; }
  value(): number { return (this.random.next() - 0.5) * 4; }
  rows(count: number, width: number): number[][] {
    return Array.from({ length: count }, () => Array.from({ length: width }, () => this.value()));
  }

  /** Inputs for `width` columns, sometimes corrupted; says whether they are bad. */
  maybeBadRows(count: number, width: number): { rows: unknown; bad: boolean } {
    const rows = this.rows(count, width) as unknown[][];
    switch (this.int(8)) {
      case 0: rows[this.int(count)] = this.rows(1, width + 1)[0]; return { rows, bad: true };
      case 1: rows[this.int(count)][this.int(width)] = NaN; return { rows, bad: true };
      case 2: rows[this.int(count)][this.int(width)] = 1e39; return { rows, bad: true };
      case 3: delete rows[this.int(count)][this.int(width)]; return { rows, bad: true };
      case 4: return { rows: 'not rows', bad: true };
      default: return { rows, bad: false };
    }
  }

  liveNets(): Tracked[] { return this.nets.filter((t) => !t.net.disposed); }

  expectedBlocks(): number {
    const tensorBlocks = this.tensors.filter((t) => !t.disposed).reduce((n, t) => n + 1 + (t.grad && !t.grad.disposed ? 1 : 0), 0);
    return this.baseline + this.liveNets().length + tensorBlocks;
  }

  build(): Tracked {
    const inputSize = 1 + this.int(4);
    const depth = 1 + this.int(3);
    const layers = Array.from({ length: depth }, (_, i) => dense(1 + this.int(5), {
      activation: this.pick(['sigmoid', 'tanh', 'relu', 'linear'] as const),
      dropout: i < depth - 1 && this.chance(0.2) ? 0.25 : 0,
    }));
    const net = sequential({
      inputSize, layers, seed: this.int(1000),
      backend: this.pick(['wasm', 'js'] as const),
      optimizer: this.chance(0.5) ? adam({ learningRate: 0.01 }) : sgd({ learningRate: 0.05, momentum: this.chance(0.5) ? 0.9 : 0 }),
    });
    return this.track(net);
  }

  track(net: Network): Tracked {
    const tracked = { net, inputSize: net.inputSize, outputSize: net.outputSize, weights: fingerprint(net) };
    this.nets.push(tracked);
    return tracked;
  }

  /** Runs one random step; returns the networks it may legitimately have changed. */
  async step(i: number): Promise<Set<Tracked>> {
    const changed = new Set<Tracked>();
    if (this.liveNets().length < 2 || this.chance(0.05)) {
      this.log.push(`${i}: build`);
      changed.add(this.build());
      return changed;
    }
    const target = this.chance(0.9) ? this.pick(this.liveNets()) : this.pick(this.nets);
    const { net } = target;
    const wasDisposed = net.disposed;
    const action = this.pick([
      'predict', 'setWeights', 'fitSync', 'fit', 'evaluate', 'gradients', 'json', 'dispose', 'tensor', 'tidy', 'grad',
      'fitDataset', 'fitDataset', 'fitControl', 'fitSyncControl', 'stopTraining', 'predictor', 'summary', 'onnx',
    ] as const);
    this.log.push(`${i}: ${action} on a ${wasDisposed ? 'disposed' : 'live'} ${net.backend} net`);
    const usesNet = !['tensor', 'tidy', 'grad'].includes(action);
    const s: Step = {
      bad: usesNet && wasDisposed,
      allowed: ['WASMGRAD_DIVERGED', 'WASMGRAD_DISPOSED'],
      changed,
      timers: [],
      attempt: async (fn: () => unknown): Promise<void> => {
        try {
          await withTimeout(Promise.resolve().then(fn), action);
          if (s.bad) throw new Error(`step ${i} (${action}): bad input was accepted`);
        } catch (error) {
          if (error instanceof CallbackError) return;
          if (!isWasmgradError(error)) throw error;
          if (usesNet && wasDisposed) expect(error.code).toBe('WASMGRAD_DISPOSED');
          if (!s.bad && !s.allowed.includes(error.code)) throw error;
        }
      },
    };
    const attempt = s.attempt;
    switch (action) {
      case 'predict': {
        const { rows, bad: isBad } = this.maybeBadRows(1 + this.int(5), target.inputSize);
        s.bad ||= isBad;
        await attempt(() => net.predict(rows as number[][]));
        break;
      }
      case 'setWeights': {
        const layers = net.disposed ? [] : net.getWeights();
        const corrupt = this.chance(0.5) && layers.length > 0;
        if (corrupt) {
          const layer = layers[this.int(layers.length)];
          const how = this.int(3);
          if (how === 0) layer.weights[0][0] = 1e39;
          else if (how === 1) layer.bias.push(1);
          else layer.weights.pop();
        } else {
          for (const layer of layers) layer.bias = layer.bias.map(() => this.value());
        }
        s.bad ||= corrupt;
        if (!s.bad) changed.add(target);
        await attempt(() => net.setWeights(layers));
        break;
      }
      case 'fitSync':
      case 'fit': {
        const samples = 2 + this.int(12);
        const { rows: x, bad: badX } = this.maybeBadRows(samples, target.inputSize);
        const t = this.rows(samples, target.outputSize).map((r) => r.map((v) => Math.abs(v) / 2));
        s.bad ||= badX;
        const other = this.pick(this.liveNets());
        const callback = this.int(6);
        const fire = () => {
          if (callback === 1) net.dispose();
          if (callback === 2) other.net.dispose();
          if (callback === 3) throw new CallbackError('callback threw');
        };
        const options = {
          epochs: 1 + this.int(4), batchSize: 1 + this.int(4),
          ...(this.chance(0.3) ? { validationSplit: 0.25 } : {}),
          ...(this.chance(0.3) ? { earlyStopping: { patience: 1, restoreBestWeights: this.chance(0.7) } } : {}),
          ...(this.chance(0.3) ? { metrics: ['accuracy' as const] } : {}),
          ...(this.chance(0.5) ? { onEpochEnd: fire } : { onBatchEnd: fire }),
          onWarning: () => {},
        };
        if (!s.bad) {
          changed.add(target);
          if (callback === 2) changed.add(other);
        }
        await attempt(() => (action === 'fit' ? net.fit(x as number[][], t, options) : net.fitSync(x as number[][], t, options)));
        break;
      }
      case 'evaluate':
      case 'gradients': {
        const { rows: x, bad: isBad } = this.maybeBadRows(1 + this.int(4), target.inputSize);
        s.bad ||= isBad;
        const t = this.rows((x as unknown[]).length ?? 1, target.outputSize);
        await attempt(() => (action === 'evaluate' ? net.evaluate(x as number[][], t) : net.gradients(x as number[][], t)));
        break;
      }
      case 'json': {
        await attempt(() => {
          const copy = fromJSON(JSON.parse(JSON.stringify(net.toJSON())));
          expect(bitsEqual(fingerprint(copy), fingerprint(net))).toBe(true);
          const tracked = { net: copy, inputSize: target.inputSize, outputSize: target.outputSize, weights: fingerprint(copy) };
          this.nets.push(tracked);
          changed.add(tracked);
        });
        break;
      }
      case 'dispose':
        net.dispose();
        break;
      case 'fitDataset':
        await fitDatasetStep(this, s, target);
        break;
      case 'fitControl':
      case 'fitSyncControl':
        if (wasDisposed) await attempt(() => net.fit([[0]], [[0]]));
        else await fitWithControl(this, s, target, action === 'fitSyncControl');
        break;
      case 'stopTraining':
        await stopTrainingStep(s, target);
        break;
      case 'predictor':
        await predictorStep(this, s, target);
        break;
      case 'summary':
        await summaryStep(s, target);
        break;
      case 'onnx':
        await onnxStep(this, s, target);
        break;
      case 'tensor': {
        const values = this.rows(2, 3) as unknown[][];
        const isBad = this.chance(0.3);
        if (isBad) {
          if (this.chance(0.5)) values[1][this.int(3)] = 1e39;
          else delete values[0][this.int(3)];
        }
        s.bad = isBad;
        await attempt(() => { this.tensors.push(tensor(values as number[][], { requiresGrad: this.chance(0.5) })); });
        if (this.chance(0.3) && this.tensors.length > 0) this.pick(this.tensors).dispose();
        break;
      }
      case 'tidy': {
        const source = this.tensors.length > 0 ? this.pick(this.tensors) : null;
        s.bad = source === null || source.disposed;
        const throws = this.chance(0.5);
        await attempt(() => tidy(() => {
          if (source === null) throw new CallbackError('no tensor');
          const y = sigmoid(add(mul(source, 2), 1));
          if (throws) throw new CallbackError('inside tidy');
          return sum(y).item();
        }));
        break;
      }
      case 'grad': {
        const x = this.tensors.find((t) => !t.disposed && t.shape[0] === 2 && t.shape[1] === 3);
        s.bad = x === undefined;
        const throws = this.chance(0.5);
        await attempt(() => {
          if (!x) throw new CallbackError('no tensor');
          const w = tensor(this.rows(3, 2));
          try {
            const [g] = grad((a: Tensor) => {
              const y = sum(sigmoid(matmul(a, w)));
              if (throws) throw new CallbackError('inside grad');
              return y;
            })(x);
            g.dispose();
          } finally {
            w.dispose();
          }
        });
        break;
      }
    }
    await Promise.all(s.timers);
    if (s.bad && usesNet && !wasDisposed && !net.disposed) {
      expect(bitsEqual(fingerprint(net), target.weights), `step ${i}: ${action} with bad input changed the target's weights`).toBe(true);
    }
    return changed;
  }
}

describe(`random call sequences (seed ${SEED}, ${STEPS} steps)`, () => {
  beforeAll(initFromBuild);

  it('never corrupts another network, leaks a block, throws an uncoded error or hangs', async () => {
    const adversary = new Adversary();
    adversary.baseline = runtime().heap.liveBlocks;
    const baselineBytes = runtime().heap.liveBytes;
    for (let i = 0; i < STEPS; i++) {
      let changed: Set<Tracked>;
      try {
        changed = await adversary.step(i);
      } catch (error) {
        throw new Error(`step ${i} failed; the last steps were:\n${adversary.log.slice(-8).join('\n')}\n${(error as Error).stack}`);
      }
      for (const tracked of adversary.liveNets()) {
        const now = fingerprint(tracked.net);
        if (!changed.has(tracked) && !bitsEqual(now, tracked.weights)) {
          throw new Error(`step ${i} changed the weights of a network it did not touch; the last steps were:\n${adversary.log.slice(-8).join('\n')}`);
        }
        tracked.weights = now;
      }
      expect(runtime().heap.liveBlocks, `live blocks after step ${i}: ${adversary.log.slice(-3).join(' / ')}`).toBe(adversary.expectedBlocks());
    }
    for (const { net } of adversary.nets) net.dispose();
    for (const t of adversary.tensors) t.dispose();
    expect(runtime().heap.liveBlocks).toBe(adversary.baseline);
    expect(runtime().heap.liveBytes).toBe(baselineBytes);
  }, 120_000);
});
