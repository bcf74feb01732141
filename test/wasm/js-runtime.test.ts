/** init({ backend: 'js' }): everything on the pure-TypeScript backend, no WebAssembly module at all. */
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, init, scalar, sequential, sgd, grad } from '../../src/index.js';
import { defaultBackend, runtime } from '../../src/runtime.js';

beforeAll(async () => {
  // Before init the default is wasm (a definition can be checked early); init({ backend: 'js' }) makes it js.
  expect(defaultBackend()).toBe('wasm');
  const rt = await init({ backend: 'js' });
  expect(rt.defaultBackend).toBe('js');
  expect(defaultBackend()).toBe('js');
});

describe('the pure-TypeScript runtime', () => {
  it('trains XOR with no wasm module loaded', () => {
    const net = sequential({ inputSize: 2, layers: [dense(4, { activation: 'tanh' }), dense(1, { activation: 'sigmoid' })], optimizer: sgd({ learningRate: 0.5 }), seed: 2 });
    expect(net.backend).toBe('js');
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]], t = [[0], [1], [1], [0]];
    net.fitSync(x, t, { epochs: 2000, batchSize: 4 });
    net.predict(x).forEach(([y], i) => expect(Math.round(y)).toBe(t[i][0]));
    net.dispose();
  });

  it('runs the graph, and grows its memory like linear memory', () => {
    const [dx] = grad((x) => x.mul(3).pow(2))(scalar(2));
    expect(dx.item()).toBe(36);
    expect(scalar(1).backend).toBe('js');
    const big = sequential({ inputSize: 300, layers: [dense(300)], seed: 1 }); // 90k weights: the memory must grow
    expect(big.predict(new Float32Array(300))).toHaveLength(300);
    big.dispose();
  });

  it('says clearly that the wasm backend is not there, with a code and no internal kernel name', () => {
    const unsupported = expect.objectContaining({ code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/init\(\{ backend: 'js' \}\)/) });
    expect(() => sequential({ inputSize: 2, layers: [dense(1)], backend: 'wasm', seed: 1 })).toThrow(unsupported);
    // The runtime's stand-in kernels (reached only from inside wasmgrad) say the same, without their own names.
    let error: unknown;
    try { runtime().backends.wasm.gemm(0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0); } catch (caught) { error = caught; }
    expect(error).toEqual(unsupported);
    expect((error as Error).message).not.toMatch(/gemm/);
  });
});
