/**
 * Issue 10, items 14 and 15 for the TF.js interop (src/nn/tfjs.ts): fromTfjs
 * builds on the runtime's default backend (here init({ backend: 'js' }), where
 * it used to insist on 'wasm'), and a malformed artifact, however it is
 * broken, is refused with a coded error naming the field, never a raw
 * "Cannot read properties of undefined", never silently (holes skipped), and
 * without taking memory. Runs on the pure-TypeScript runtime, in its own file.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, init, isWasmgradError, sequential } from '../../src/index.js';
import { fromTfjs, loadTfjs, saveTfjs, toTfjs, type TfjsModelJson } from '../../src/nn/tfjs.js';
import { Random } from '../../src/random.js';
import { runtime } from '../../src/runtime.js';

beforeAll(async () => {
  await init({ backend: 'js' });
});

/** A valid artifact: 3 → 4 leakyRelu (Dense + LeakyReLU) → 2 softmax. */
function artifact(): { json: TfjsModelJson; bytes: ArrayBuffer } {
  const net = sequential({ inputSize: 3, seed: 5, layers: [dense(4, { activation: 'leakyRelu' }), dense(2, { activation: 'softmax' })] });
  const { modelJson, weightData } = toTfjs(net);
  net.dispose();
  return { json: JSON.parse(JSON.stringify(modelJson)) as TfjsModelJson, bytes: weightData };
}

/** fromTfjs must throw a coded error (bad file or bad argument) whose message names fromTfjs, and take no memory. */
function expectRefused(json: unknown, bytes: unknown, pattern?: RegExp): void {
  const live = runtime().heap.liveBytes;
  let error: unknown;
  try {
    fromTfjs(json, bytes as ArrayBuffer).dispose();
  } catch (caught) {
    error = caught;
  }
  expect(error, 'fromTfjs accepted a broken artifact').toBeInstanceOf(Error);
  expect(isWasmgradError(error, 'WASMGRAD_BAD_MODEL_FILE') || isWasmgradError(error, 'WASMGRAD_INVALID_ARGUMENT'), String(error)).toBe(true);
  expect((error as Error).message).toMatch(/^fromTfjs: /);
  if (pattern) expect((error as Error).message).toMatch(pattern);
  expect(runtime().heap.liveBytes).toBe(live);
}

describe('fromTfjs uses the runtime default backend', () => {
  it('under init({ backend: "js" }) it builds a js network, as sequential does', () => {
    const net = sequential({ inputSize: 3, seed: 2, layers: [dense(2)] });
    const { modelJson, weightData } = toTfjs(net);
    const copy = fromTfjs(modelJson, weightData);
    expect(copy.backend).toBe('js');
    expect(copy.predict([[1, 2, 3]])).toEqual(net.predict([[1, 2, 3]]));
    copy.dispose();
    net.dispose();
  });

  it('loadTfjs too, and it refuses unknown options before reading any file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-tfjs-js-'));
    const net = sequential({ inputSize: 2, seed: 3, layers: [dense(1)] });
    await saveTfjs(net, dir);
    const copy = await loadTfjs(dir);
    expect(copy.backend).toBe('js');
    copy.dispose();
    net.dispose();
    await expect(loadTfjs(join(dir, 'absent'), { seed: 1 } as never)).rejects.toMatchObject({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/loadTfjs: options\.seed/) });
    await expect(loadTfjs(join(dir, 'absent'))).rejects.toMatchObject({ code: 'WASMGRAD_IO' });
    expect(() => fromTfjs(toTfjs(sequential({ inputSize: 1, layers: [dense(1)] })).modelJson, new ArrayBuffer(8), { lr: 0.1 } as never))
      .toThrow(/fromTfjs: options\.lr must be absent/);
  });
});

describe('fromTfjs refuses broken artifacts with a coded error naming the field', () => {
  type Case = [string, (m: any, b: ArrayBuffer) => unknown, RegExp];
  const cases: Case[] = [
    ['a hole in the layer list', (m) => { m.modelTopology.config.layers[3] = m.modelTopology.config.layers[2]; delete m.modelTopology.config.layers[2]; }, /layers\[2\] is an empty slot/],
    ['a hole in a weight shape', (m) => { m.weightsManifest[0].weights[0].shape = [3, , 4]; }, /weights\[0\]\.shape\[1\] is an empty slot/],
    ['a hole in the manifest', (m) => { m.weightsManifest = [, m.weightsManifest[0]]; }, /weightsManifest\[0\] is an empty slot/],
    ['a hole in the weight list', (m) => { m.weightsManifest[0].weights.length += 1; }, /weights\[4\] is an empty slot/],
    ['a hole in weightData', (_, b) => [b.slice(0, 48), , b.slice(48)], /weightData\[1\] must be/],
    ['no modelTopology', (m) => { delete m.modelTopology; }, /modelJson\.modelTopology must be an object, got undefined/],
    ['no layer config', (m) => { delete m.modelTopology.config.layers[0].config; }, /layers\[0\]\.config must be an object/],
    ['a null weight spec', (m) => { m.weightsManifest[0].weights[1] = null; }, /weights\[1\] must be an object, got null/],
    ['no weight name', (m) => { delete m.weightsManifest[0].weights[1].name; }, /weights\[1\]\.name must be a string/],
    ['an int32 weight', (m) => { m.weightsManifest[0].weights[0].dtype = 'int32'; }, /weights\[0\]\.dtype must be "float32", got "int32"/],
    ['a shape of strings', (m) => { m.weightsManifest[0].weights[0].shape = ['3', '4']; }, /weights\[0\]\.shape must be an array of non-negative integers/],
    ['a shape beyond 2^32', (m) => { m.weightsManifest[0].weights[0].shape = [2 ** 40, 4]; }, /weights\[0\]\.shape must be/],
    ['units as text', (m) => { m.modelTopology.config.layers[0].config.units = '4'; }, /layers\[0\]\.config\.units must be a positive integer/],
    // biome-ignore lint/correctness/noPrecisionLoss: 1e400 is Infinity, as JSON.parse reads it from a file
    ['units 1e400', (m) => { m.modelTopology.config.layers[0].config.units = 1e400; }, /layers\[0\]\.config\.units must be a positive integer.*Infinity/],
    ['weight data too short', (_, b) => b.slice(0, 7), /weightData holds 7 bytes, expected 104/],
    ['weight data too long', (_, b) => { const c = new Uint8Array(b.byteLength + 4); c.set(new Uint8Array(b)); return c; }, /holds 108 bytes, expected 104/],
    ['1e39 stored as float32 (Infinity)', (_, b) => { new DataView(b).setFloat32(0, 1e39, true); }, /weight "dense_1\/kernel"\[0\] is Infinity/],
    ['two Dense layers of one name', (m) => { m.modelTopology.config.layers[2].config.name = 'dense_1'; }, /layers\[2\]\.config\.name must be a name no other layer has/],
    ['a LeakyReLU first', (m) => { m.modelTopology.config.layers.splice(0, 0, m.modelTopology.config.layers[1]); }, /layers\[0\] is a LeakyReLU/],
    ['batch_input_shape with a hole', (m) => { m.modelTopology.config.layers[0].config.batch_input_shape = [, 3]; }, /batch_input_shape must be \[null, inputs\]/],
    ['a weight name listed twice', (m) => { m.weightsManifest[0].weights[1].name = 'dense_1/kernel'; }, /lists the weight "dense_1\/kernel" twice/],
    ['a kernel with no rows', (m) => { delete m.modelTopology.config.layers[0].config.batch_input_shape; m.weightsManifest[0].weights[0].shape = [0, 4]; }, /holds 104 bytes, expected 56|no rows/],
  ];

  it.each(cases)('%s', (_, mutate, pattern) => {
    const { json, bytes } = artifact();
    const replaced = mutate(json, bytes);
    expectRefused(json, replaced ?? bytes, pattern);
  });

  it('model files are WASMGRAD_BAD_MODEL_FILE, wrong arguments WASMGRAD_INVALID_ARGUMENT', () => {
    const { json, bytes } = artifact();
    expect(() => fromTfjs({ ...json, format: 'graph-model' }, bytes)).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE' }));
    expect(() => fromTfjs('{"modelTopology":', bytes)).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', name: 'SyntaxError' }));
    expect(() => fromTfjs(json, 'bytes' as never)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    expect(() => fromTfjs(42, bytes)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    const detached = bytes.slice(0);
    structuredClone(detached, { transfer: [detached] });
    expect(() => fromTfjs(json, detached)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/weightData must be an ArrayBuffer or typed array that is not detached/) }));
  });

  it('a seeded fuzz: 400 random damages of a good artifact are each accepted whole or refused with a coded error', () => {
    const random = new Random(20261201);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)];
    const junk = [undefined, null, 0, -1, 1.5, 1e39, NaN, '', 'x', true, [], {}, [1, , 2], { length: 2 }];
    for (let trial = 0; trial < 400; trial++) {
      const { json, bytes } = artifact();
      // Walk to a random object or array inside model.json and break one of its entries.
      let node: any = json;
      for (let depth = 0; depth < 6; depth++) {
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const key = pick(keys);
        const child = node[key];
        if (child === null || typeof child !== 'object' || random.next() < 0.25) {
          const action = random.next();
          if (action < 0.3) delete node[key];
          else if (action < 0.4 && Array.isArray(node)) node.length += 1; // a trailing hole
          else node[key] = structuredClone(pick(junk));
          break;
        }
        node = child;
      }
      const live = runtime().heap.liveBytes;
      try {
        fromTfjs(json, bytes).dispose();
      } catch (error) {
        const coded = isWasmgradError(error, 'WASMGRAD_BAD_MODEL_FILE') || isWasmgradError(error, 'WASMGRAD_INVALID_ARGUMENT');
        expect(coded, `trial ${trial}: ${String(error)}\n${JSON.stringify(json)}`).toBe(true);
        expect((error as Error).message).toMatch(/^fromTfjs: /);
      }
      expect(runtime().heap.liveBytes).toBe(live);
    }
  });
});
