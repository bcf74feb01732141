/**
 * Which build init() loads: the relaxed-SIMD build where the engine has
 * relaxed SIMD (feature detection) and runs it faster (V8 13.6 and later:
 * src/wasm/relaxed-choice.ts), the baseline with relaxedSimd: false, a
 * clear WASMGRAD_UNSUPPORTED for relaxedSimd: true where it is missing, and
 * init({ wasm }) as given. RuntimeInfo.features says which build runs. Each
 * case is a fresh process on the built package (init's first call decides),
 * with the Node that runs the tests.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { relaxedSimdSupported } from '../../src/wasm/load.js';
import { relaxedSimdPreferred } from '../../src/wasm/relaxed-choice.js';
import { THREADS_EXEC_ARGV } from '../threads/engine.js';

const HERE = relaxedSimdSupported();
/** What init() loads with relaxedSimd left out: relaxed where it validates and the engine runs it faster. */
const BY_DEFAULT = HERE && relaxedSimdPreferred();
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
const SKIP_REASON = HERE ? '' : ' (skipped: this engine lacks relaxed SIMD: Node 20 without --experimental-wasm-relaxed-simd)';
const PKG = new URL('../../build/index.node.js', import.meta.url).href;
const BUILD = (file: string) => new URL(`../../build/${file}`, import.meta.url).pathname;

interface Outcome {
  features?: { simd: boolean; relaxedSimd: boolean; threads: boolean };
  threads?: number;
  loss?: number;
  code?: string;
  name?: string;
  message?: string;
}

/**
 * init(options) in a new Node process (`options` is JavaScript source; `wasm` may name a build
 * file to pass as bytes), then a small training run; returns what init reported or how it failed.
 */
function initInChild(options: string, { wasm, execArgv = [] }: { wasm?: string; execArgv?: readonly string[] } = {}): Outcome {
  const script = `
    import * as pkg from ${JSON.stringify(PKG)};
    import { readFileSync } from 'node:fs';
    const wasm = ${wasm ? `readFileSync(${JSON.stringify(BUILD(wasm))})` : 'undefined'};
    let out;
    try {
      const info = await pkg.init({ ...${options}, ...(wasm ? { wasm } : {}) });
      const net = pkg.sequential({ inputSize: 2, layers: [pkg.dense(8, { activation: 'tanh' }), pkg.dense(1)], seed: 3 });
      const loss = net.fitSync([[0, 0], [0, 1], [1, 0], [1, 1]], [[0], [1], [1], [0]], { epochs: 5, batchSize: 4 }).loss.at(-1);
      out = { features: info.features, threads: info.threads, loss };
    } catch (error) {
      out = { code: error.code, name: error.name, message: error.message };
    }
    console.log(JSON.stringify(out));`;
  // A file, not node -e: the pool's workers inherit execArgv, and --input-type would stop them.
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-relaxed-'));
  const file = join(dir, 'run.mjs');
  writeFileSync(file, script);
  let stdout: string;
  try {
    stdout = execFileSync(process.execPath, [...execArgv, '--no-warnings', file], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('relaxed SIMD feature detection', () => {
  it('relaxedSimdSupported() is true on Node 22 and later, false on Node 20 (without the V8 flag)', () => {
    expect(HERE).toBe(NODE_MAJOR >= 22 || process.execArgv.includes('--experimental-wasm-relaxed-simd'));
  });

  it('is a WebAssembly.validate of a module using f32x4.relaxed_madd, nothing else', () => {
    const validate = vi.spyOn(WebAssembly, 'validate');
    relaxedSimdSupported();
    expect(validate).toHaveBeenCalledTimes(1);
    const probe = validate.mock.calls[0][0] as Uint8Array;
    // 0xfd 0x85 0x02: the relaxed_madd opcode (0xfd prefix, LEB128 0x105).
    expect([...probe].join(',')).toContain('253,133,2');
  });
});

describe('init() picks the build', () => {
  it(`auto: the relaxed build where the engine has relaxed SIMD and runs it faster (here: ${BY_DEFAULT}), and it trains`, () => {
    const out = initInChild('{}');
    expect(out.features).toEqual({ simd: true, relaxedSimd: BY_DEFAULT, threads: false });
    expect(out.loss).toBeGreaterThan(0);
  });

  it('auto on this Node: relaxed on Node 24 and later, baseline on Node 20 to 23 (V8 older than 13.6 spills the relaxed kernels)', () => {
    expect(BY_DEFAULT).toBe(NODE_MAJOR >= 24);
  });

  it('relaxedSimd: false always loads the baseline build', () => {
    expect(initInChild('{ relaxedSimd: false }').features).toEqual({ simd: true, relaxedSimd: false, threads: false });
  });

  it.skipIf(!HERE)(`relaxedSimd: true loads the relaxed build${SKIP_REASON}`, () => {
    expect(initInChild('{ relaxedSimd: true }').features).toEqual({ simd: true, relaxedSimd: true, threads: false });
  });

  it.skipIf(HERE)('relaxedSimd: true rejects with WASMGRAD_UNSUPPORTED on an engine without relaxed SIMD (this one)', () => {
    const out = initInChild('{ relaxedSimd: true }');
    expect(out.code).toBe('WASMGRAD_UNSUPPORTED');
    expect(out.message).toMatch(/relaxedSimd: true, but this engine's WebAssembly lacks relaxed SIMD/);
  });

  it.skipIf(HERE || NODE_MAJOR !== 20)('Node 20 started with --experimental-wasm-relaxed-simd: the baseline build by itself (V8 11.3), the relaxed one when asked', () => {
    const flag = { execArgv: ['--experimental-wasm-relaxed-simd'] };
    expect(initInChild('{}', flag).features?.relaxedSimd).toBe(false);
    expect(initInChild('{ relaxedSimd: true }', flag).features?.relaxedSimd).toBe(true);
  });

  it('relaxedSimd: true rejects with WASMGRAD_UNSUPPORTED where relaxed SIMD is missing (validate of the probe made to fail)', async () => {
    const validate = WebAssembly.validate.bind(WebAssembly);
    vi.spyOn(WebAssembly, 'validate').mockImplementation((bytes) => !new Uint8Array(bytes as ArrayBuffer).join(',').includes('253,133,2') && validate(bytes));
    expect(relaxedSimdSupported()).toBe(false);
    const { init } = await import('../../src/runtime.js');
    await expect(init({ relaxedSimd: true, wasm: readFileSync(BUILD('wasmgrad.wasm')) })).rejects.toThrow(expect.objectContaining({
      code: 'WASMGRAD_UNSUPPORTED', message: expect.stringMatching(/lacks relaxed SIMD.*leave relaxedSimd out/),
    }));
  });

  it('a relaxedSimd that is not a boolean is refused, naming the option', async () => {
    const { init } = await import('../../src/runtime.js');
    for (const value of ['yes', 1, null]) {
      await expect(init({ relaxedSimd: value as never })).rejects.toThrow(expect.objectContaining({
        code: 'WASMGRAD_INVALID_ARGUMENT', name: 'TypeError', message: expect.stringMatching(/options\.relaxedSimd must be true or false/),
      }));
    }
  });

  it(`the threads build has its relaxed twin too (relaxed by default here: ${BY_DEFAULT})`, () => {
    const out = initInChild('{ threads: 2 }', { execArgv: THREADS_EXEC_ARGV });
    expect(out.features).toEqual({ simd: true, relaxedSimd: BY_DEFAULT, threads: true });
    expect(out.threads).toBe(2);
    expect(initInChild('{ threads: 2, relaxedSimd: false }', { execArgv: THREADS_EXEC_ARGV }).features).toEqual({ simd: true, relaxedSimd: false, threads: true });
  });

  it.skipIf(!HERE)(`relaxedSimd: true loads the relaxed threads build too, on every engine with relaxed SIMD${SKIP_REASON}`, () => {
    expect(initInChild('{ threads: 2, relaxedSimd: true }', { execArgv: THREADS_EXEC_ARGV }).features).toEqual({ simd: true, relaxedSimd: true, threads: true });
  });

  it('the pure-TypeScript backend reports no wasm feature', () => {
    expect(initInChild("{ backend: 'js' }").features).toEqual({ simd: false, relaxedSimd: false, threads: false });
  });
});

describe('init({ wasm }) loads the module given', () => {
  it('the baseline build, on every engine', () => {
    expect(initInChild('{}', { wasm: 'wasmgrad.wasm' }).features).toEqual({ simd: true, relaxedSimd: false, threads: false });
  });

  it.skipIf(!HERE)(`the relaxed builds${SKIP_REASON}`, () => {
    expect(initInChild('{}', { wasm: 'wasmgrad-relaxed.wasm' }).features).toEqual({ simd: true, relaxedSimd: true, threads: false });
    expect(initInChild('{ threads: 2 }', { wasm: 'wasmgrad-threads-relaxed.wasm', execArgv: THREADS_EXEC_ARGV }).features)
      .toEqual({ simd: true, relaxedSimd: true, threads: true });
  });

  it.skipIf(!HERE)(`a relaxedSimd that contradicts the module given is refused${SKIP_REASON}`, () => {
    const relaxedAsBaseline = initInChild('{ relaxedSimd: false }', { wasm: 'wasmgrad-relaxed.wasm' });
    expect(relaxedAsBaseline.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(relaxedAsBaseline.message).toMatch(/options\.relaxedSimd is false, but options\.wasm is a relaxed-SIMD build/);
    const baselineAsRelaxed = initInChild('{ relaxedSimd: true }', { wasm: 'wasmgrad.wasm' });
    expect(baselineAsRelaxed.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(baselineAsRelaxed.message).toMatch(/options\.relaxedSimd is true, but options\.wasm is a baseline build/);
  });

  it.skipIf(HERE)('the relaxed build on an engine without relaxed SIMD is refused, saying so (this engine)', () => {
    const out = initInChild('{}', { wasm: 'wasmgrad-relaxed.wasm' });
    expect(out.code).toBe('WASMGRAD_INVALID_ARGUMENT');
    expect(out.message).toMatch(/this engine lacks relaxed SIMD, so wasmgrad-relaxed\.wasm and wasmgrad-threads-relaxed\.wasm do not compile here/);
  });
});
