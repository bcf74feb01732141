/**
 * The registries (src/backend/kinds.ts) against the wasm module: every id
 * table equals the globals the module exports, in both directions (an id the
 * module has but the table lacks is as wrong as the reverse), and the tables
 * are consistent with themselves.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime } from '../../src/runtime.js';
import {
  ACTIVATION_IDS, ACTIVATION_TABLE, ACTIVATIONS, BINARY_IDS, CLASS_INDEX_LOSS_TABLE, LOSS_IDS, LOSS_TABLE, LOSSES, OPTIMIZER_TABLE, SCALAR_IDS, UNARY_IDS,
  WASM_ID_TABLES, activationInfo, kernelLossId, lossFormula, type ActivationInfo,
} from '../../src/backend/kinds.js';
import { headerIndex, SLOT_OPTIMIZER } from '../../src/backend/descriptor.js';
import { networkMemory } from '../../src/nn/network-memory.js';
import { dense, fromTfjs, sequential, sgd, toTfjs } from '../../src/index.js';
import { activate, initFromBuild } from '../helpers.js';

beforeAll(async () => { await initFromBuild(); });

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

describe('the registries mirror the wasm module', () => {
  for (const [prefix, table] of Object.entries(WASM_ID_TABLES)) {
    it(`${prefix}_*: every entry is a wasm global of the same value, and every such global an entry`, () => {
      const exports = runtime().exports as Record<string, unknown>;
      for (const [name, id] of Object.entries(table)) {
        const global = exports[`${prefix}_${snake(name)}`] as WebAssembly.Global | undefined;
        expect(global, `wasm export ${prefix}_${snake(name)}`).toBeDefined();
        expect(global!.value, name).toBe(id);
      }
      // HYPER_COUNT is the size of the hyper-parameter block, not a slot.
      const known = new Set(Object.keys(table).map((name) => `${prefix}_${snake(name)}`).concat([`${prefix}_COUNT`]));
      const extra = Object.keys(exports).filter((k) => k.startsWith(`${prefix}_`) && !known.has(k));
      expect(extra, `wasm globals missing from the ${prefix} table`).toEqual([]);
    });
  }
});

describe('the activation ids mirror the wasm module, by behaviour', () => {
  it('ACTIVATION_COUNT is the registry\'s length', () => {
    expect((runtime().exports.ACTIVATION_COUNT as WebAssembly.Global).value).toBe(ACTIVATION_TABLE.length);
  });

  // Inputs where every pair of activations differs, so an id that computed another entry's function fails.
  const inputs = [-3, -1.5, -0.25, 0.5, 2, 4.5, -0.75, 1.25];
  for (const a of ACTIVATION_TABLE) {
    it(`id ${a.id} computes ${a.name} on the wasm backend`, () => {
      const rt = runtime(), k = rt.backends.wasm, n = inputs.length;
      const x = rt.heap.alloc(n * 4), y = rt.heap.alloc(n * 4);
      rt.heap.views.f32.set(inputs, x >>> 2);
      k.activationForward(a.id, 1, n, x, y);
      const got = Array.from(rt.heap.views.f32.subarray(y >>> 2, (y >>> 2) + n));
      [x, y].forEach((p) => rt.heap.free(p));
      const top = Math.max(...inputs), e = inputs.map((v) => Math.exp(v - top)), total = e.reduce((s, v) => s + v, 0);
      const want = a.name === 'softmax' ? e.map((v) => v / total) : inputs.map((v) => activate(a.name, v));
      got.forEach((value, i) => expect(Math.abs(value - want[i]), `${a.name}(${inputs[i]})`).toBeLessThan(1e-6 * (1 + Math.abs(want[i]))));
    });
  }
});

describe('the registry tables', () => {
  it('ids are the positions, names unique', () => {
    for (const table of [ACTIVATION_TABLE, LOSS_TABLE, OPTIMIZER_TABLE]) {
      table.forEach((entry, i) => expect(entry.id).toBe(i));
      expect(new Set(table.map((e) => e.name)).size).toBe(table.length);
    }
  });

  it('every loss is a kernel loss or a class-index loss that runs as one, on a softmax output', () => {
    expect(LOSSES).toEqual([...LOSS_TABLE.map((l) => l.name), ...CLASS_INDEX_LOSS_TABLE.map((l) => l.name)]);
    expect(new Set(LOSSES).size).toBe(LOSSES.length);
    for (const l of LOSS_TABLE) expect(kernelLossId(l.name)).toBe(l.id);
    for (const l of CLASS_INDEX_LOSS_TABLE) {
      expect(kernelLossId(l.name)).toBe(LOSS_IDS[l.kernel]);
      expect(ACTIVATIONS).toContain(l.outputActivation);
    }
  });

  it('every activation has the fields the rest of the library reads', () => {
    for (const name of ACTIVATIONS) {
      const a = activationInfo(name);
      expect(a.name).toBe(name);
      expect(['glorot', 'he']).toContain(a.initializer);
      expect(typeof a.needsPreactivation).toBe('boolean');
      expect(typeof a.lastLayerOnly).toBe('boolean');
      expect(a.tfjs === null || typeof a.tfjs === 'string').toBe(true);
      expect(a.onnx === null || typeof a.onnx === 'string').toBe(true);
      expect(a.label.length).toBeGreaterThan(0);
      expect(a.formula.length).toBeGreaterThan(0);
    }
  });
});

describe('TF.js names come from the registry', () => {
  for (const a of ACTIVATION_TABLE) {
    it(`${a.name}: toTfjs writes ${a.tfjs ?? 'a linear Dense and a LeakyReLU'}, fromTfjs reads it back`, () => {
      const net = sequential({ inputSize: 3, layers: [dense(4, { activation: a.lastLayerOnly ? 'tanh' : a.name }), dense(2, { activation: a.name })] });
      const { modelJson, weightData } = toTfjs(net);
      const dense0 = modelJson.modelTopology.config.layers[0].config as { activation: string };
      expect(dense0.activation).toBe(a.lastLayerOnly ? 'tanh' : (a.tfjs ?? 'linear'));
      const back = fromTfjs(modelJson, weightData);
      expect(back.layers.map((l) => l.activation)).toEqual(net.layers.map((l) => l.activation));
      net.dispose();
      back.dispose();
    });
  }
});

describe('README.md lists the registries', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  /** The README's row for an activation, as the table's columns render it. */
  const row = (a: ActivationInfo) => `| \`'${a.name}'\` | ${a.formula}${a.lastLayerOnly ? ' (last layer only)' : ''} | `
    + `${a.tfjs === null ? 'linear `Dense` + `LeakyReLU`' : `\`${a.tfjs}\``} | ${a.onnx === null ? '(none)' : `\`${a.onnx}\``} | `
    + `${a.initializer === 'he' ? 'He' : 'Glorot'} |`;

  it('the activation table has one row per registry entry, in id order', () => {
    const rows = readme.split('\n').filter((line) => /^\| `'\w+'` \|/.test(line) && line.split('|').length === 7);
    expect(rows, 'README.md\'s activation table (add or fix these rows)').toEqual(ACTIVATION_TABLE.map(row));
  });

  it('every loss is listed with its formula', () => {
    for (const name of LOSSES) expect(readme, name).toContain(`\`'${name}'\` — \`${lossFormula(name)}\``);
  });
});

describe('an id outside its table traps (wasm) or throws (pure TS) instead of computing something else', () => {
  const tables = { activation: ACTIVATION_TABLE.length, unary: Object.keys(UNARY_IDS).length, binary: Object.keys(BINARY_IDS).length,
    scalar: Object.keys(SCALAR_IDS).length, loss: LOSS_TABLE.length, optimizer: OPTIMIZER_TABLE.length };
  for (const backend of ['wasm', 'js'] as const) {
    it(`${backend}: every kernel that dispatches on an id`, () => {
      const rt = runtime(), k = rt.backends[backend];
      const n = 8, buffers = [0, 1, 2, 3].map(() => rt.heap.alloc(n * 4));
      const [x, y, t, d] = buffers;
      rt.heap.views.f32.fill(0.5, x >> 2, (x >> 2) + n);
      rt.heap.views.f32.fill(0.5, t >> 2, (t >> 2) + n);
      for (const bad of [tables.activation, 1000, -1]) {
        expect(() => k.activationForward(bad, 1, n, x, y), `activationForward ${bad}`).toThrow();
        expect(() => k.activationBackward(bad, n, x, t, d), `activationBackward ${bad}`).toThrow();
      }
      expect(() => k.mapUnary(tables.unary, n, x, y)).toThrow();
      expect(() => k.mapBinary(tables.binary, n, x, t, y)).toThrow();
      expect(() => k.mapScalar(tables.scalar, n, x, 2, y)).toThrow();
      expect(() => k.lossSum(tables.loss, 1, n, x, t)).toThrow();
      expect(() => k.outputDelta(tables.loss, ACTIVATION_IDS.linear, 1, n, x, t, d, 1)).toThrow();
      // Each id inside its table still runs.
      expect(() => k.mapScalar(SCALAR_IDS.rpow, n, x, 2, y)).not.toThrow();
      expect(() => k.mapUnary(UNARY_IDS.log, n, x, y)).not.toThrow();
      expect(() => k.mapBinary(BINARY_IDS.pow, n, x, t, y)).not.toThrow();
      buffers.forEach((p) => rt.heap.free(p));

      const net = sequential({ inputSize: 2, layers: [dense(2)], backend, optimizer: sgd() });
      const { views, block } = networkMemory(net);
      views.i32[headerIndex(block, SLOT_OPTIMIZER)] = tables.optimizer;
      expect(() => k.optimizerStep(block, 0.1)).toThrow();
      net.dispose();
    });
  }
});
