/**
 * Issue 10, persistence: the optimizer's step count never wraps (item 7),
 * large models save and load (item 8), concurrent saves to one path leave one
 * whole file (item 9), and model files with out-of-range state are refused
 * (item 14). Each test here failed before the fix it covers.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { adam, dense, fromBytes, fromJSON, load, readModelHeader, rmsprop, save, sequential, sgd, toBytes, type Network } from '../../src/index.js';
import { networkMemory } from '../../src/nn/network-memory.js';
import { runtime } from '../../src/runtime.js';
import { float32ToBase64 } from '../../src/nn/base64.js';
import { initFromBuild, withHeader } from '../helpers.js';

beforeAll(initFromBuild);

const X = [[0.5, -1, 2], [1, 0.25, -0.5], [-1.5, 2, 0]];
const T = [[0.2, -0.4], [1, 0.5], [-0.3, 0.9]];

/** A small Adam network whose saved optimizer state is set to `step`, with moments m and v. */
function atStep(step: number, backend: 'wasm' | 'js'): { net: Network; m: Float32Array; v: Float32Array } {
  const fresh = sequential({ inputSize: 3, layers: [dense(4, { activation: 'tanh' }), dense(2)], loss: 'mse', optimizer: adam({ learningRate: 0.01 }), seed: 5 });
  const json = fresh.toJSON();
  fresh.dispose();
  const n = fresh.parameterCount;
  const m = new Float32Array(n).map((_, i) => Math.sin(i) * 0.01);
  const v = new Float32Array(n).map((_, i) => 1e-4 * (1 + Math.cos(i)));
  json.optimizerState = { step, epoch: 7, state1: float32ToBase64(m), state2: float32ToBase64(v) };
  return { net: fromJSON(json, { backend }), m, v };
}

describe('the optimizer step count (item 7)', () => {
  it('counts past 2^31 with Adam: fit matches a float64 Adam at that step, and the file loads again', () => {
    const start = 2 ** 31 - 2;
    const { net, m: m0, v: v0 } = atStep(start, 'wasm');
    const m = Float64Array.from(m0), v = Float64Array.from(v0);
    const [beta1, beta2, epsilon, rate] = [0.9, 0.999, 1e-8, 0.01];
    for (let k = 1; k <= 4; k++) {
      // A float64 Adam step from the network's own gradients and weights (the gradients are the kernels' float32 ones).
      const grads = net.gradients(X, T).flatMap((l) => [...l.weights.flat(), ...l.bias]);
      const weights = net.getWeights().flatMap((l) => [...l.weights.flat(), ...l.bias]);
      const t = start + k;
      const expected = weights.map((w, i) => {
        m[i] = beta1 * m[i] + (1 - beta1) * grads[i];
        v[i] = beta2 * v[i] + (1 - beta2) * grads[i] ** 2;
        const mHat = m[i] / (1 - beta1 ** t), vHat = v[i] / (1 - beta2 ** t);
        return w - rate * mHat / (Math.sqrt(vHat) + epsilon);
      });
      net.fitSync(X, T, { epochs: 1, batchSize: 3, shuffle: false });
      const actual = net.getWeights().flatMap((l) => [...l.weights.flat(), ...l.bias]);
      actual.forEach((w, i) => expect(Math.abs(w - expected[i]), `step ${t}, parameter ${i}`).toBeLessThan(1e-6 + 1e-5 * Math.abs(expected[i])));
      expect(actual.some((w, i) => w !== weights[i])).toBe(true); // Adam still moves the weights
    }
    const saved = net.toJSON();
    expect(saved.optimizerState.step).toBe(start + 4);
    const again = fromJSON(JSON.stringify(saved));
    expect(again.toJSON()).toEqual(saved);
    const binary = fromBytes(toBytes(net));
    expect(binary.toJSON()).toEqual(saved);
    for (const n of [net, again, binary]) n.dispose();
  });

  it('the wasm and JS optimizer kernels agree bit for bit past 2^31 (Adam, RMSProp, momentum)', () => {
    for (const optimizer of [adam({ learningRate: 0.01 }), rmsprop({ learningRate: 0.01 }), sgd({ learningRate: 0.1, momentum: 0.9 })]) {
      const nets = ['wasm', 'js'].map(() => {
        const fresh = sequential({ inputSize: 3, layers: [dense(4, { activation: 'tanh' }), dense(2)], optimizer, seed: 9 });
        const json = fresh.toJSON();
        fresh.dispose();
        json.optimizerState.step = 2 ** 31 - 2;
        return fromJSON(json);
      });
      const rt = runtime();
      for (let k = 0; k < 4; k++) {
        const blocks = nets.map((net) => networkMemory(net));
        for (const { block, plan } of blocks) {
          const g = rt.heap.views.f32.subarray((block + plan.grads) >>> 2, ((block + plan.grads) >>> 2) + plan.paramCount);
          g.forEach((_, i) => { g[i] = Math.sin(i * 7 + k) * 0.3; });
        }
        expect(rt.backends.wasm.optimizerStep(blocks[0].block, 0.01)).toBe(1);
        expect(rt.backends.js.optimizerStep(blocks[1].block, 0.01)).toBe(1);
      }
      const [a, b] = nets.map((net) => net.toJSON());
      expect(a.optimizerState.step).toBe(2 ** 31 + 2);
      expect(b).toEqual(a);
      nets.forEach((net) => net.dispose());
    }
  });

  it('keeps counting at 2^52 (bias correction 1, no NaN) and refuses a step past 2^53 - 1', () => {
    const { net } = atStep(2 ** 52, 'wasm');
    net.fitSync(X, T, { epochs: 2, batchSize: 1, shuffle: false });
    expect(net.toJSON().optimizerState.step).toBe(2 ** 52 + 6);
    expect(net.getWeights().flatMap((l) => l.bias).every(Number.isFinite)).toBe(true);
    const json = net.toJSON();
    net.dispose();
    json.optimizerState.step = 2 ** 53;
    expect(() => fromJSON(json)).toThrow(/json.optimizerState.step must be an integer from 0 to 2\^53 - 1/);
  });
});

/** Liveness of the heap: a refused file must leave it exactly as it was. */
function heapState() {
  const { liveBlocks, liveBytes } = runtime().heap;
  return { liveBlocks, liveBytes };
}

function adamNet(seed = 1): Network {
  const net = sequential({ inputSize: 3, layers: [dense(5, { activation: 'relu' }), dense(2)], loss: 'mse', optimizer: adam(), seed });
  net.fitSync(X, T, { epochs: 2, batchSize: 2 });
  return net;
}

describe('model files (item 8)', () => {
  it('a 34M-parameter Adam network (400 MB of weights and state) saves and loads bit for bit; toJSON says where its limit is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-large-'));
    const net = sequential({ inputSize: 4096, layers: [dense(8192, { activation: 'relu' }), dense(16)], optimizer: adam(), seed: 2 });
    expect(net.parameterCount).toBeGreaterThan(33.6e6);
    const x = new Float32Array(4096).map((_, i) => Math.sin(i)), t = new Float32Array(16).fill(0.5);
    net.fitSync([Array.from(x)], [Array.from(t)], { epochs: 1, batchSize: 1 }); // non-zero moments
    expect(() => net.toJSON()).toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/toBytes/) }));
    const path = join(dir, 'large.wgm');
    await save(net, path);
    const copy = await load(path);
    const [a, b] = [net, copy].map((n) => networkMemory(n));
    const bytes = (m: typeof a, offset: number, count: number) => Buffer.from(m.views.u8.buffer, m.block + offset, count * 4);
    for (const [offset, count] of [[a.plan.params, a.plan.paramCount], [a.plan.state1, a.plan.paramCount], [a.plan.state2, a.plan.paramCount]]) {
      const offsetB = offset === a.plan.params ? b.plan.params : offset === a.plan.state1 ? b.plan.state1 : b.plan.state2;
      expect(Buffer.compare(bytes(a, offset, count), bytes(b, offsetB, count))).toBe(0);
    }
    expect(copy.epochsTrained).toBe(1);
    const start = Buffer.alloc(65536);
    const fd = openSync(path, 'r');
    readSync(fd, start, 0, start.length, 0);
    closeSync(fd);
    expect(readModelHeader(start)).toMatchObject({ version: 2, parameterCount: net.parameterCount, optimizerState: { step: 1, epoch: 1 } });
    net.dispose();
    copy.dispose();
    rmSync(dir, { recursive: true });
  }, 60_000);

  it('refuses the file cut at every length, with BAD_MODEL_FILE, allocating nothing', () => {
    const net = adamNet();
    const bytes = toBytes(net);
    net.dispose();
    const before = heapState();
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => fromBytes(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE' }));
    }
    expect(() => fromBytes(bytes.subarray(0, 100))).toThrow(/fromBytes: the file is truncated: it ends after 100 bytes/);
    expect(heapState()).toEqual(before);
  });

  it('refuses a file with any one byte changed, naming what is damaged, allocating nothing', () => {
    const net = adamNet();
    const bytes = toBytes(net);
    net.dispose();
    const before = heapState();
    for (let i = 0; i < bytes.length; i++) {
      const bad = bytes.slice();
      bad[i] ^= 0x10;
      expect(() => fromBytes(bad), `byte ${i} changed`).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE' }));
    }
    const last = bytes.slice();
    last[last.length - 1] ^= 1;
    expect(() => fromBytes(last)).toThrow(/section optimizerState.state2 \(bytes \d+ to \d+\) fails its checksum/);
    const header = bytes.slice();
    header[30] ^= 1;
    expect(() => fromBytes(header)).toThrow(/the header fails its checksum/);
    expect(heapState()).toEqual(before);
  });

  it('refuses a foreign file, a wrong signature, a future version, and trailing bytes', () => {
    const net = adamNet();
    const bytes = toBytes(net);
    net.dispose();
    const before = heapState();
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /the file is empty/],
      [new TextEncoder().encode('PK\x03\x04 a zip file'), /not a wasmgrad model file: it starts with the bytes 50 4b 03 04/],
      [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...bytes.subarray(8)), /not a wasmgrad model file/],
      [(() => { const b = bytes.slice(); new DataView(b.buffer).setUint32(8, 3, true); return b; })(), /version 3, written by a newer wasmgrad/],
      [Uint8Array.of(...bytes, 0, 0, 0, 0, 0, 0, 0, 0), /8 bytes after its end/],
    ];
    for (const [file, message] of cases) expect(() => fromBytes(file)).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(message) }));
    expect(heapState()).toEqual(before);
  });

  it('keeps preprocessing and extra through save and load, and still loads the JSON files of earlier releases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-'));
    const net = adamNet();
    const preprocessing = { inputs: [{ name: 'a', kind: 'numeric', mean: 0.5, std: 2 }], target: { kind: 'classification', classes: ['x', 'y'] } };
    const extra = { learningRateMultiplier: 0.5, notes: ['é', '∂L/∂w'] };
    await save(net, join(dir, 'model.wgm'), { preprocessing, extra });
    expect(readModelHeader(readFileSync(join(dir, 'model.wgm')))).toMatchObject({ version: 2, preprocessing, extra, optimizerState: { step: 4, epoch: 2 } });
    writeFileSync(join(dir, 'old.json'), JSON.stringify({ ...net.toJSON(), preprocessing }));
    const old = await load(join(dir, 'old.json'));
    expect(old.getWeights()).toEqual(net.getWeights());
    expect(readModelHeader(readFileSync(join(dir, 'old.json')))).toMatchObject({ version: 1, preprocessing });
    net.dispose();
    old.dispose();
  });
});

describe('saved optimizer state is checked (item 14)', () => {
  const cases: [string, (j: Record<string, any>) => void, RegExp][] = [
    ['an epoch of 1e300', (j) => { j.optimizerState.epoch = 1e300; }, /optimizerState.epoch must be an integer from 0 to 2\^53 - 1/],
    ['a negative epoch', (j) => { j.optimizerState.epoch = -1; }, /optimizerState.epoch/],
    ['a fractional step', (j) => { j.optimizerState.step = 1.5; }, /optimizerState.step must be an integer/],
    ['a step of 1e300', (j) => { j.optimizerState.step = 1e300; }, /optimizerState.step must be an integer from 0 to 2\^53 - 1/],
  ];
  it.each(cases)('refuses %s in the JSON form and in the binary file', (_, edit, message) => {
    const net = adamNet();
    const json = net.toJSON();
    const bytes = toBytes(net);
    net.dispose();
    const before = heapState();
    edit(json);
    expect(() => fromJSON(json)).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(message) }));
    expect(() => fromBytes(withHeader(bytes, edit))).toThrow(expect.objectContaining({ code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(message) }));
    expect(heapState()).toEqual(before);
  });

  it('refuses a negative second moment (Adam, RMSProp), naming its index', () => {
    for (const [optimizer, key] of [[adam(), 'state2'], [rmsprop(), 'state1']] as const) {
      const net = sequential({ inputSize: 3, layers: [dense(2)], optimizer, seed: 1 });
      const json = net.toJSON();
      net.dispose();
      const moments = new Float32Array(net.parameterCount).fill(1e-3);
      moments[5] = -1e-3;
      json.optimizerState[key] = float32ToBase64(moments);
      const before = heapState();
      expect(() => fromJSON(json)).toThrow(expect.objectContaining({
        code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(new RegExp(`json.optimizerState.${key}\\[5\\] is -0.001.*mean square`)),
      }));
      expect(heapState()).toEqual(before);
    }
  });
});

describe('saving to one path at once (item 9)', () => {
  it('20 concurrent saves of different networks all resolve; the file is one of them, whole; no temporary file stays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-'));
    const path = join(dir, 'model.wgm');
    const nets = Array.from({ length: 20 }, (_, i) => sequential({ inputSize: 4, layers: [dense(3)], seed: i }));
    await Promise.all(nets.map((net) => save(net, path)));
    expect(readdirSync(dir)).toEqual(['model.wgm']);
    const saved = readFileSync(path);
    expect(nets.some((net) => Buffer.compare(Buffer.from(toBytes(net)), saved) === 0)).toBe(true);
    const copy = await load(path);
    expect(nets.some((net) => JSON.stringify(net.getWeights()) === JSON.stringify(copy.getWeights()))).toBe(true);
    [...nets, copy].forEach((net) => net.dispose());
  });

  it('a failed save is a WASMGRAD_IO error naming the path and the step, not a raw temporary-file ENOENT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-'));
    const net = adamNet();
    const path = join(dir, 'missing-directory', 'model.wgm');
    const error = await save(net, path).then(() => null, (e: unknown) => e as Error & { code: string; cause: { code: string } });
    expect(error).toMatchObject({ code: 'WASMGRAD_IO', cause: { code: 'ENOENT' } });
    expect(error!.message).toBe(`save: cannot create a temporary file beside ${path}: ENOENT: no such file or directory`);
    const missing = await load(join(dir, 'nothing.wgm')).then(() => null, (e: unknown) => e as Error & { code: string });
    expect(missing).toMatchObject({ code: 'WASMGRAD_IO', message: expect.stringMatching(/^load: cannot read .*nothing.wgm: ENOENT/) });
    net.dispose();
  });
});
