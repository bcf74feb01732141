/**
 * The registries (src/backend/kinds.ts) against the wasm module: every id
 * table equals the globals the module exports, in both directions (an id the
 * module has but the table lacks is as wrong as the reverse), and the tables
 * are consistent with themselves.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runtime } from '../../src/runtime.js';
import { ACTIVATION_TABLE, LOSS_TABLE, OPTIMIZER_TABLE, WASM_ID_TABLES, activationInfo, ACTIVATIONS } from '../../src/backend/kinds.js';
import { initFromBuild } from '../helpers.js';

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

describe('the registry tables', () => {
  it('ids are the positions, names unique', () => {
    for (const table of [ACTIVATION_TABLE, LOSS_TABLE, OPTIMIZER_TABLE]) {
      table.forEach((entry, i) => expect(entry.id).toBe(i));
      expect(new Set(table.map((e) => e.name)).size).toBe(table.length);
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
