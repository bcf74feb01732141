/**
 * The training paths (src/nn/paths.ts): each special path is chosen only for
 * networks inside its allow-list, the test-only override refuses a path that
 * does not support the network, and the path matrix: every activation × loss ×
 * optimizer × dropout, on every path that supports it, gives the gradients and
 * the update of the pure-TS backend's general path. A new registry entry joins
 * the matrix by being in the registry.
 *
 * Threads are not in the matrix: they need a worker pool, and split the
 * general path's GEMM without changing what it supports (test/threads trains
 * with 2 threads and 1 bit for bit).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATION_TABLE, ACTIVATIONS, LOSSES, OPTIMIZER_TYPES, PATH_BITS, type Activation, type Loss } from '../../src/backend/kinds.js';
import { adam, dense, rmsprop, sequential, sgd, type Network, type Optimizer } from '../../src/index.js';
import { currentPaths, forcePath, pathBits, PATHS, pathSupport, unsupportedBy, type PathName } from '../../src/nn/paths.js';
import { isWasmgradError } from '../../src/errors.js';
import { runtime } from '../../src/runtime.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

beforeAll(async () => { await initFromBuild(); });

const OPTIMIZERS: Record<string, () => Optimizer> = {
  sgd: () => sgd({ learningRate: 0.05 }),
  momentum: () => sgd({ learningRate: 0.05, momentum: 0.9 }),
  adam: () => adam({ learningRate: 0.01 }),
  rmsprop: () => rmsprop({ learningRate: 0.01 }),
};

/** The output activation a loss is scored on: the activation under test where the loss takes any output. */
function outputFor(activation: Activation, loss: Loss): Activation {
  if (loss === 'binaryCrossentropy') return 'sigmoid';
  if (loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') return 'softmax';
  return activation;
}

interface Case { activation: Activation; loss: Loss; optimizer: string; dropout: number }

/** A 3-4-3 network (three outputs: mse and l2 differ, unlike with two), the activation under test in the hidden layer (and on the output where the loss allows). */
function build(c: Case, backend: 'wasm' | 'js'): Network {
  const info = ACTIVATION_TABLE.find((a) => a.name === c.activation)!;
  const hidden = info.lastLayerOnly ? 'tanh' : c.activation;
  return sequential({
    inputSize: 3, loss: c.loss, optimizer: OPTIMIZERS[c.optimizer](), seed: 7, backend,
    layers: [dense(4, { activation: hidden, dropout: c.dropout }), dense(3, { activation: info.lastLayerOnly ? c.activation : outputFor(c.activation, c.loss) })],
  });
}

function data(loss: Loss, rows: number): { x: number[][]; t: number[][] | number[] } {
  const random = new Random(3);
  const x = Array.from({ length: rows }, () => [0, 1, 2].map(() => random.uniform(-2, 2)));
  // Class indices: the class-index loss trains on the one-hot rows the categorical case builds.
  if (loss === 'sparseCategoricalCrossentropy') return { x, t: Array.from({ length: rows }, (_, r) => r % 3) };
  const t = Array.from({ length: rows }, (_, r) => {
    if (loss === 'categoricalCrossentropy') return [0, 1, 2].map((k) => (k === r % 3 ? 1 : 0));
    return [0, 1, 2].map(() => random.uniform(0.1, 0.9));
  });
  return { x, t };
}

const flat = (layers: { weights: number[][]; bias: number[] }[]) => layers.flatMap((l) => [...l.weights.flat(), ...l.bias]);
function expectClose(actual: number[], expected: number[], what: string, relative: number) {
  const scale = Math.max(...expected.map(Math.abs), 1e-3);
  const worst = Math.max(...actual.map((a, i) => Math.abs(a - expected[i])));
  expect(worst, `${what}: worst difference ${worst} at scale ${scale}`).toBeLessThanOrEqual(relative * scale + 1e-7);
}

describe('the path matrix: every registry entry on every path that supports it, against the pure-TS general path', () => {
  const cases: Case[] = [];
  for (const activation of ACTIVATIONS) {
    for (const loss of LOSSES) {
      for (const optimizer of Object.keys(OPTIMIZERS)) {
        for (const dropout of [0, 0.5]) cases.push({ activation, loss, optimizer, dropout });
      }
    }
  }
  // Every optimizer type of the registry is exercised.
  it('covers every optimizer type', () => {
    expect(new Set(Object.values(OPTIMIZERS).map((f) => f().type))).toEqual(new Set(OPTIMIZER_TYPES));
  });

  for (const path of ['general', 'narrow', 'tiny'] as PathName[]) {
    for (const c of cases) {
      const name = `${path}: ${c.activation}, ${c.loss}, ${c.optimizer}${c.dropout ? ', dropout' : ''}`;
      // Whether the path supports the case is the path's own answer (its allow-list), asked of the built network.
      it(name, () => {
        const wasm = build(c, 'wasm'), js = build(c, 'js');
        try {
          if (unsupportedBy(pathSupport(path), wasm) !== null) {
            expect(() => forcePath(wasm, path)).toThrow(/does not support/);
            return;
          }
          forcePath(wasm, path);
          expect(currentPaths(wasm)).toEqual(path === 'general' ? [] : [path]);
          const rows = 5;
          const { x, t } = data(c.loss, rows);
          expectClose(flat(wasm.gradients(x, t)), flat(js.gradients(x, t)), 'gradients', 1e-4);
          // One update: a batch of five, or five steps of one sample where the path trains only those.
          // The tiny path runs only without gradient norms (fit measures them by default).
          const support = pathSupport(path);
          const options = { epochs: 1, batchSize: support.batchSize === 1 ? 1 : rows, shuffle: false, gradientNorms: support.gradientNorms };
          wasm.fitSync(x, t, options);
          js.fitSync(x, t, options);
          expectClose(flat(wasm.getWeights()), flat(js.getWeights()), 'weights after the update', 1e-4);
          // Still on the forced path: growing the block for the batch kept the choice.
          expect(currentPaths(wasm)).toEqual(path === 'general' ? [] : [path]);
        } finally {
          wasm.dispose();
          js.dispose();
        }
      });
    }
  }
});

describe('the default choice', () => {
  const seedNet = { inputSize: 2, layers: [{ units: 3, activation: 'sigmoid', dropout: 0 }, { units: 2, activation: 'sigmoid', dropout: 0 }], loss: 'l2', optimizer: sgd() } as const;

  it("the seed's 2-3-2 with L2 and plain SGD may take the tiny and the narrow path", () => {
    expect(pathBits(seedNet)).toBe(PATH_BITS.tiny | PATH_BITS.narrow);
    const net = sequential({ inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd() });
    expect(currentPaths(net)).toEqual(['narrow', 'tiny']);
    net.dispose();
  });

  it('each feature outside a path\'s allow-list sends the network elsewhere', () => {
    expect(pathBits({ ...seedNet, optimizer: sgd({ momentum: 0.9 }) })).toBe(PATH_BITS.narrow);
    expect(pathBits({ ...seedNet, optimizer: adam() })).toBe(PATH_BITS.narrow);
    expect(pathBits({ ...seedNet, loss: 'mse' })).toBe(PATH_BITS.narrow);
    expect(pathBits({ ...seedNet, inputSize: 5 })).toBe(PATH_BITS.narrow);
    expect(pathBits({ ...seedNet, inputSize: 17 })).toBe(0);
    expect(pathBits({ ...seedNet, layers: [{ ...seedNet.layers[0], dropout: 0.5 }, seedNet.layers[1]] })).toBe(0);
    expect(pathBits({ ...seedNet, layers: [seedNet.layers[0], { ...seedNet.layers[1], activation: 'softmax' }] })).toBe(PATH_BITS.narrow);
  });

  it('an activation a path does not list (every one its kernels do not compute from y) takes the general path', () => {
    for (const a of ACTIVATION_TABLE.filter((entry) => !entry.lastLayerOnly)) {
      const layers = [{ units: 3, activation: a.name, dropout: 0 }, { units: 2, activation: 'sigmoid', dropout: 0 }] as const;
      const bits = pathBits({ ...seedNet, layers });
      // The tiny kernel keeps no pre-activation (the narrow one does, in LAYER_PRE).
      if (a.needsPreactivation) expect(bits & PATH_BITS.tiny, a.name).toBe(0);
      for (const p of PATHS.filter((path) => path.bit !== 0)) {
        expect((bits & p.bit) !== 0, `${a.name} on ${p.name}`).toBe(p.hiddenActivations.includes(a.name));
      }
    }
  });

  it('the allow-lists name only registry entries, and the widths the kernels are written for', () => {
    const exports = runtime().exports as Record<string, WebAssembly.Global>;
    expect(pathSupport('narrow').maxWidth).toBe(exports.NARROW_UNITS.value);
    expect(pathSupport('tiny').maxWidth).toBe(exports.TINY_UNITS.value);
    for (const p of PATHS) {
      for (const a of [...p.hiddenActivations, ...p.outputActivations]) expect(ACTIVATIONS).toContain(a);
      for (const l of p.losses) expect(LOSSES).toContain(l);
      for (const o of p.optimizers) expect(OPTIMIZER_TYPES).toContain(o);
    }
  });
});

describe('forcePath (test-only)', () => {
  it('refuses a path that does not support the network, with WASMGRAD_UNSUPPORTED naming what it lacks, and changes nothing', () => {
    const net = sequential({ inputSize: 2, layers: [dense(3, { activation: 'tanh', dropout: 0.2 }), dense(2)], optimizer: adam() });
    expect(currentPaths(net)).toEqual([]);
    let error: unknown;
    try { forcePath(net, 'narrow'); } catch (e) { error = e; }
    expect(isWasmgradError(error, 'WASMGRAD_UNSUPPORTED')).toBe(true);
    expect(String(error)).toContain('forcePath: the narrow path does not support dropout on layer 0');
    expect(() => forcePath(net, 'tiny')).toThrow(/tiny path does not support/);
    expect(() => forcePath(net, 'fast' as PathName)).toThrow(/forcePath: path must be one of/);
    expect(currentPaths(net)).toEqual([]);
    net.dispose();
  });

  it('is not exported from the package', async () => {
    const pkg = await import('../../src/index.js') as Record<string, unknown>;
    expect(pkg.forcePath).toBeUndefined();
    expect(pkg.currentPaths).toBeUndefined();
  });
});
