/**
 * ONNX export: networks with every activation of the registry, trained a
 * little, run in onnxruntime-web (an independent engine) and predict what
 * wasmgrad predicts, to 1e-5, at any batch size; the file's header (opset,
 * IR version, symbolic batch, names) is what the issue asks; saveOnnx writes
 * atomically.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ACTIVATIONS, adam, dense, sequential, type Activation, type Network } from '../../../src/index.js';
import { activationInfo } from '../../../src/backend/kinds.js';
import { saveOnnx, toOnnx } from '../../../src/nn/onnx/export.js';
import { loadOnnx } from '../../../src/nn/onnx/import.js';
import { ProtoMessage } from '../../../src/nn/onnx/protobuf.js';
import { browserPlatform } from '../../../src/platform/browser.js';
import { nodePlatform } from '../../../src/platform/node.js';
import { installPlatform } from '../../../src/platform/platform.js';
import { initFromBuild } from '../../helpers.js';
import { maxDiff, ortRun, rows } from './ort.js';

const TOLERANCE = 1e-5;

beforeAll(async () => {
  await initFromBuild();
});

/** A 4-6-3 network with `activation` (a hidden tanh where it may only be last), trained a few epochs so the weights are not the initial ones. */
function trained(activation: Activation, backend: 'wasm' | 'js'): Network {
  const lastOnly = activationInfo(activation).lastLayerOnly;
  const net = sequential({
    inputSize: 4,
    layers: [dense(6, { activation: lastOnly ? 'tanh' : activation }), dense(3, { activation })],
    loss: lastOnly ? 'categoricalCrossentropy' : 'l2',
    optimizer: adam({ learningRate: 0.05 }),
    seed: 11,
    backend,
  });
  const x = rows(24, 4, 3);
  const t = Float32Array.from({ length: 24 * 3 }, (_, i) => (lastOnly ? (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0) : Math.abs(Math.sin(i))));
  const before = net.predict(x);
  net.fitSync(x, t, { epochs: 5, batchSize: 8 });
  expect(maxDiff(net.predict(x), before)).toBeGreaterThan(1e-4); // training moved the weights
  return net;
}

describe('toOnnx: onnxruntime-web predicts what wasmgrad predicts', () => {
  for (const backend of ['wasm', 'js'] as const) {
    it.each([...ACTIVATIONS])(`%s (${backend} backend), batches 1 and 9 through one file (the batch dimension is symbolic)`, async (activation) => {
      const net = trained(activation, backend);
      try {
        const bytes = toOnnx(net);
        for (const batch of [1, 9]) {
          const x = rows(batch, 4, 100 + batch);
          const { data, dims, inputNames, outputNames } = await ortRun(bytes, x, batch, 4);
          expect([inputNames, outputNames, dims]).toEqual([['input'], ['output'], [batch, 3]]);
          expect(maxDiff(data, net.predict(x))).toBeLessThanOrEqual(TOLERANCE);
        }
      } finally {
        net.dispose();
      }
    });
  }

  it('writes opset 17 with IR version 8, input/output [batch, n] float32, and per layer a Gemm with float32 initializers', () => {
    const net = sequential({ inputSize: 4, layers: [dense(5, { activation: 'relu' }), dense(2, { activation: 'silu' }), dense(3)], seed: 1 });
    const model = ProtoMessage.decode(toOnnx(net), 'ModelProto');
    expect(model.int(1, 'ir_version')).toBe(8);
    const opset = model.message(8, 'opset_import')!;
    expect([opset.string(1, 'domain'), opset.int(2, 'version')]).toEqual(['', 17]);
    const graph = model.message(7, 'graph')!;
    expect(graph.messages(1, 'node').map((n) => n.string(4, 'op_type'))).toEqual(['Gemm', 'Relu', 'Gemm', 'Sigmoid', 'Mul', 'Gemm']);
    const shape = (v: ProtoMessage) => v.message(2, 'type')!.message(1, 'tensor_type')!.message(2, 'shape')!.messages(1, 'dim')
      .map((d) => (d.has(2) ? d.string(2, 'dim_param') : d.int(1, 'dim_value')));
    const [input] = graph.messages(11, 'input');
    const [output] = graph.messages(12, 'output');
    expect([input.string(1, 'name'), shape(input), output.string(1, 'name'), shape(output)]).toEqual(['input', ['batch', 4], 'output', ['batch', 3]]);
    const initializers = graph.messages(5, 'initializer');
    expect(initializers.map((t) => [t.string(8, 'name'), t.ints(1, 'dims'), t.int(2, 'data_type')])).toEqual([
      ['dense0_weight', [4, 5], 1], ['dense0_bias', [5], 1], ['dense1_weight', [5, 2], 1], ['dense1_bias', [2], 1], ['dense2_weight', [2, 3], 1], ['dense2_bias', [3], 1],
    ]);
    // The weights are the network's, in×out row-major, little-endian.
    const raw = initializers[0].bytes(9, 'raw_data')!;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    expect(Array.from({ length: 20 }, (_, i) => view.getFloat32(4 * i, true))).toEqual(net.getWeights()[0].weights.flat().map(Math.fround));
    net.dispose();
  });

  it('options.standardize prepends Sub and Div, options.destandardize appends Mul and Add: the graph takes raw inputs and answers in raw units', async () => {
    const net = trained('sigmoid', 'wasm');
    const mean = [1, -2, 0.5, 3], std = [2, 0.5, 1, 4];
    const bytes = toOnnx(net, { standardize: { mean, std } });
    const raw = rows(5, 4, 9);
    const scaled = raw.map((v, i) => (v - mean[i % 4]) / std[i % 4]);
    const { data } = await ortRun(bytes, raw, 5, 4);
    expect(maxDiff(data, net.predict(scaled))).toBeLessThanOrEqual(TOLERANCE);
    expect(() => toOnnx(net, { standardize: { mean: [1, 2], std } })).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/options\.standardize\.mean must be an array of 4 numbers/) }));
    expect(() => toOnnx(net, { standardize: { mean, std: [1, 0, 1, 1] } })).toThrow(/options\.standardize\.std\[1\] must be a positive finite number in float32's normal range \(1\.2e-38 to 3\.4e38\), got 0$/);
    // A denormal std (1/std overflows float32, and fromOnnx could not read the file back) and a mean past float32.
    expect(() => toOnnx(net, { standardize: { mean, std: [1, 1, 1e-40, 1] } })).toThrow(/options\.standardize\.std\[2\] must be a positive finite number in float32's normal range \(1\.2e-38 to 3\.4e38\), got 1e-40$/);
    expect(() => toOnnx(net, { standardize: { mean: [0, 1e39, 0, 0], std } })).toThrow(/options\.standardize\.mean\[1\] must be a finite number \(as float32\)/);
    // A hole is refused by its index (forEach skipped it, and the file got a NaN).
    const holey = Object.assign(new Array<number>(4), { 0: 1, 2: 1, 3: 1 });
    expect(() => toOnnx(net, { standardize: { mean: holey, std } })).toThrow(/options\.standardize\.mean\[1\] must be a finite number \(as float32\), got undefined$/);
    expect(() => toOnnx(net, { standardize: { mean, std: holey } })).toThrow(/options\.standardize\.std\[1\] must be a positive finite number .*got undefined$/);
    // destandardize: y·std + mean per output, after the last layer.
    const outMean = [10, -1, 0], outStd = [3, 0.25, 1];
    const both = await ortRun(toOnnx(net, { standardize: { mean, std }, destandardize: { mean: outMean, std: outStd } }), raw, 5, 4);
    expect(maxDiff(both.data, net.predict(scaled).map((y, i) => y * outStd[i % 3] + outMean[i % 3]))).toBeLessThanOrEqual(TOLERANCE * 10);
    expect(() => toOnnx(net, { destandardize: { mean: [1], std: [1] } })).toThrow(/options\.destandardize\.mean must be an array of 3 numbers \(one per output\)/);
    net.dispose();
  });

  it('refuses a non-network, unknown options and a disposed network', () => {
    expect(() => toOnnx({} as Network)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT', message: expect.stringMatching(/^toOnnx: net must be a Network/) }));
    const net = sequential({ inputSize: 2, layers: [dense(1)], seed: 1 });
    expect(() => toOnnx(net, { opset: 20 } as never)).toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    net.dispose();
    expect(() => toOnnx(net)).toThrow(expect.objectContaining({ code: 'WASMGRAD_DISPOSED' }));
  });
});

describe('saveOnnx', () => {
  afterEach(() => installPlatform(nodePlatform));

  it('writes toOnnx\'s bytes atomically (no temporary file left) and loadOnnx reads them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-onnx-'));
    const net = trained('gelu', 'wasm');
    const path = join(dir, 'model.onnx');
    await saveOnnx(net, path);
    expect(new Uint8Array(readFileSync(path))).toEqual(toOnnx(net));
    await saveOnnx(net, path); // over an existing file
    expect(readdirSync(dir)).toEqual(['model.onnx']);
    const copy = await loadOnnx(path);
    const x = rows(4, 4, 2);
    expect(copy.predict(x)).toEqual(net.predict(x));
    copy.dispose();
    net.dispose();
  });

  it('a half-written file (cut inside the graph, or right before the operator set) is WASMGRAD_BAD_MODEL_FILE naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-onnx-'));
    const net = trained('relu', 'wasm');
    const bytes = toOnnx(net);
    net.dispose();
    const half = join(dir, 'half.onnx');
    writeFileSync(half, bytes.subarray(0, bytes.length >> 1));
    const error = await loadOnnx(half).then(() => null, (e: Error & { code?: string }) => e);
    expect(error?.code).toBe('WASMGRAD_BAD_MODEL_FILE');
    expect(error?.message).toMatch(/declares \d+ bytes, but only \d+ remain/);
    expect(error?.message.endsWith(`(in ${half})`)).toBe(true);
    // The opset_import is written last: 6 bytes (key 0x42, length 4, domain "" as 0x0a 0x00, version 17 as 0x10 0x11).
    expect([...bytes.subarray(-6)]).toEqual([0x42, 0x04, 0x0a, 0x00, 0x10, 0x11]);
    const cut = join(dir, 'cut.onnx');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 6));
    await expect(loadOnnx(cut)).rejects.toThrow(expect.objectContaining({
      code: 'WASMGRAD_BAD_MODEL_FILE', message: expect.stringMatching(/imports no default \(ai\.onnx\) operator set \(truncated\?\)/),
    }));
    rmSync(dir, { recursive: true });
  });

  it('a path that cannot be written is WASMGRAD_IO naming it; a bad path argument is WASMGRAD_INVALID_ARGUMENT', async () => {
    const net = sequential({ inputSize: 2, layers: [dense(1)], seed: 1 });
    const path = join(tmpdir(), 'no-such-directory-wasmgrad', 'model.onnx');
    await expect(saveOnnx(net, path)).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_IO', message: expect.stringContaining(path) }));
    await expect(saveOnnx(net, '')).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_INVALID_ARGUMENT' }));
    await expect(loadOnnx(path)).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_IO', message: expect.stringContaining(path) }));
    // The path once, and the file system's reason without Node's ", open '<path>'" repeating it (as load words it).
    await expect(loadOnnx(path)).rejects.toThrow(expect.objectContaining({ message: `loadOnnx: cannot read ${path}: ENOENT: no such file or directory` }));
    net.dispose();
  });

  it('on the browser platform saveOnnx and loadOnnx are WASMGRAD_UNSUPPORTED, pointing at toOnnx and fromOnnx', async () => {
    const net = sequential({ inputSize: 2, layers: [dense(1)], seed: 1 });
    installPlatform(browserPlatform);
    await expect(saveOnnx(net, 'm.onnx')).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/needs Node; in a browser use toOnnx\(\)/) }));
    await expect(loadOnnx('m.onnx')).rejects.toThrow(expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/in a browser use fromOnnx\(\)/) }));
    net.dispose();
  });
});
