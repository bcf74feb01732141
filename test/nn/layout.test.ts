/**
 * src/nn/layout.ts owns the memory layout on the TS side: the network plan,
 * the training data's block, and every read or write of a descriptor slot
 * outside the kernels. These tests pin the layout's promises (alignment,
 * slack, no overlap) and that no other module indexes the descriptor.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as slots from '../../src/backend/descriptor.js';
import { PATH_BITS } from '../../src/backend/kinds.js';
import { dense, sequential, sgd } from '../../src/index.js';
import {
  VECTOR_SLACK, planNetwork, planTrainingData, readPaths, readStep, writePaths, writeStep,
} from '../../src/nn/layout.js';
import { networkMemory } from '../../src/nn/network-memory.js';
import { runtime } from '../../src/runtime.js';
import { initFromBuild } from '../helpers.js';

beforeAll(async () => { await initFromBuild(); });

describe('planTrainingData', () => {
  const cases: [number, number, number][] = [[1, 1, 1], [8, 4, 4], [4096 * 2, 4096 * 2, 4096], [7, 3, 7], [784 * 33, 10 * 33, 33], [16, 16, 1]];
  for (const [xFloats, tFloats, rows] of cases) {
    it(`x ${xFloats}, t ${tFloats}, ${rows} rows: 64-byte aligned regions in order, targets followed by vector slack`, () => {
      const plan = planTrainingData(xFloats, tFloats, rows);
      expect(plan.x).toBe(0);
      for (const at of [plan.t, plan.order]) expect(at % 64).toBe(0);
      expect(plan.t).toBeGreaterThanOrEqual(plan.x + xFloats * 4);
      // The narrow kernels read the targets as whole f32x4 vectors: 16 bytes past the last one stay inside the block's own data.
      expect(plan.order).toBeGreaterThanOrEqual(plan.t + tFloats * 4 + VECTOR_SLACK);
      expect(plan.bytes).toBe(plan.order + rows * 4);
    });
  }
});

describe('the descriptor fields set after writeDescriptor', () => {
  it('the step count, the paths and the dropout stream round-trip through the layout module', () => {
    const net = sequential({ inputSize: 2, layers: [dense(3, { activation: 'sigmoid' }), dense(2, { activation: 'sigmoid' })], optimizer: sgd(), seed: 3 });
    try {
      const { views, block } = networkMemory(net);
      // The 2-3-2 sigmoid/L2/SGD network may take both special paths.
      expect(readPaths(views.i32, block)).toBe(PATH_BITS.narrow | PATH_BITS.tiny);
      expect(views.i32[slots.headerIndex(block, slots.SLOT_RANDOM)] & 1).toBe(1);
      writeStep(views.f64, block, 2 ** 40 + 3);
      expect(views.f64[slots.stepIndex(block)]).toBe(2 ** 40 + 3);
      expect(readStep(views.f64, block)).toBe(2 ** 40 + 3);
      writePaths(views.i32, block, PATH_BITS.narrow);
      expect(views.i32[slots.headerIndex(block, slots.SLOT_PATHS)]).toBe(PATH_BITS.narrow);
      // A rewrite (the block growing for a bigger batch) keeps the step and the paths.
      net.fitSync([[0, 1]], [[1, 0]], { epochs: 1, batchSize: 1, gradientNorms: false });
      net.predict([[0, 1], [1, 0], [1, 1]]);
      const after = networkMemory(net);
      expect(readStep(after.views.f64, after.block)).toBe(2 ** 40 + 4);
      expect(readPaths(after.views.i32, after.block)).toBe(PATH_BITS.narrow);
    } finally {
      net.dispose();
    }
  });

  it('planNetwork puts the descriptor first, then parameters, gradients and per-layer buffers without overlap', () => {
    const plan = planNetwork(5, [{ units: 7, activation: 'gelu', dropout: 0.5 }, { units: 3, activation: 'softmax' }], 9, 2);
    const regions: [string, number, number][] = [
      ['descriptor', 0, (slots.HEADER_SLOTS + 2 * slots.LAYER_SLOTS) * 4],
      ['params', plan.params, plan.paramCount * 4], ['grads', plan.grads, plan.paramCount * 4],
      ['state1', plan.state1, plan.paramCount * 4], ['state2', plan.state2, plan.paramCount * 4],
      ['xStage', plan.xStage, 9 * 5 * 4], ['tStage', plan.tStage, 9 * 3 * 4],
    ];
    plan.layers.forEach((layer, l) => {
      for (const name of ['output', 'delta', 'mask', 'pre'] as const) {
        if (layer[name] !== 0) regions.push([`layer ${l} ${name}`, layer[name], plan.capacity * layer.outSize * 4]);
      }
    });
    expect(plan.layers[0].pre).not.toBe(0);
    expect(plan.layers[1].pre).toBe(0);
    const sorted = regions.sort((a, b) => a[1] - b[1]);
    for (let i = 1; i < sorted.length; i++) {
      const [name, at, bytes] = sorted[i - 1];
      expect(at + bytes + VECTOR_SLACK, `${name} runs into ${sorted[i][0]}`).toBeLessThanOrEqual(sorted[i][1]);
    }
    const [, lastAt, lastBytes] = sorted[sorted.length - 1];
    expect(lastAt + lastBytes + VECTOR_SLACK).toBeLessThanOrEqual(plan.bytes);
  });
});

describe('one owner of the layout', () => {
  it('every descriptor slot the wasm module exports is in src/backend/descriptor.ts (and the reverse is checked in test/backend/kernels)', () => {
    const exports = runtime().exports as Record<string, unknown>;
    const layoutGlobals = Object.keys(exports).filter((name) => /^(SLOT_|LAYER_|HEADER_SLOTS$|MAX_STEP$)/.test(name));
    expect(layoutGlobals.length).toBeGreaterThan(30);
    const missing = layoutGlobals.filter((name) => !(name in slots));
    expect(missing).toEqual([]);
  });

  it('outside the kernels (src/backend/), only src/nn/layout.ts indexes the descriptor', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    const root = new URL('../../src', import.meta.url).pathname;
    walk(root);
    const importers = files
      .filter((path) => /from '[./]*backend\/descriptor\.js'/.test(readFileSync(path, 'utf8')))
      .map((path) => path.slice(root.length + 1))
      .filter((path) => !path.startsWith('backend/'));
    expect(importers).toEqual(['nn/layout.ts']);
  });
});
