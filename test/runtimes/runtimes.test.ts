/**
 * Bun and Deno: the built package, imported as `wasmgrad` from a temporary
 * project (node_modules/wasmgrad links to the repository, so package.json
 * `exports` decide what loads), must init, train XOR to correct predictions,
 * predict, save and load a model file, and run with a 2-thread pool whose
 * results equal one thread's bit for bit. Both runtimes come from the npm
 * registry (scripts/install-runtimes.mjs, pinned versions, cached under
 * .cache/runtimes); where they cannot be installed the tests are skipped
 * with the reason. Deno runs with the narrowest permissions that work: read
 * of build/ and the model folder, write of the model folder, nothing else;
 * without read permission, init() must reject with WASMGRAD_IO, not crash.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { DEFAULT_RUNTIMES_DIR, ensureRuntimes, type RuntimeResult } from '../../scripts/install-runtimes.mjs';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNTIMES = ['bun', 'deno'] as const;
type RuntimeName = (typeof RUNTIMES)[number];

interface SmokeResult {
  threads: number;
  features: { simd: boolean; relaxedSimd: boolean; threads: boolean };
  finalLoss: number;
  predicted: number[];
  xorCorrect: boolean;
  loadedIdentical: boolean;
  digest: number;
  ms: Record<string, number>;
}

let installed: Record<RuntimeName, RuntimeResult>;
let app: string;
let models: string;

beforeAll(async () => {
  if (!existsSync(join(ROOT, 'build', 'index.js'))) throw new Error('build/index.js is missing: run `npm run build` first (`npm test` does).');
  installed = await ensureRuntimes(DEFAULT_RUNTIMES_DIR);
  app = mkdtempSync(join(tmpdir(), 'wasmgrad-runtimes-'));
  models = join(app, 'models');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  mkdirSync(models);
  symlinkSync(ROOT, join(app, 'node_modules', 'wasmgrad'), 'dir');
  writeFileSync(join(app, 'package.json'), '{ "private": true, "type": "module" }\n');
  for (const script of ['smoke.mjs', 'init-error.mjs']) cpSync(fileURLToPath(new URL(`./${script}`, import.meta.url)), join(app, script));
}, 600_000); // a first install downloads about 100 MB per runtime

afterAll(() => {
  if (app) rmSync(app, { recursive: true, force: true });
});

/** The command line that runs smoke.mjs on `runtime`. */
function commandLine(runtime: RuntimeName, threads: number, model: string): [string, string[]] {
  const args = ['smoke.mjs', String(threads), model];
  const binary = installed[runtime];
  if (!binary.ok) throw new Error(binary.reason);
  if (runtime === 'bun') return [binary.path, args];
  // No --allow-env, --allow-net, --allow-sys or --allow-run: wasmgrad needs none of them.
  return [binary.path, ['run', '--no-prompt', `--allow-read=${join(ROOT, 'build')},${models}`, `--allow-write=${models}`, ...args]];
}

/** Runs `file args` in the temporary project; resolves to the JSON of its last line of output. */
async function runJson<T>(file: string, args: string[]): Promise<T> {
  const env = {
    ...process.env, NO_COLOR: '1',
    // Deno: its own cache folder beside the binaries, and no update check (which would go to the network).
    DENO_DIR: join(DEFAULT_RUNTIMES_DIR, 'deno-dir'), DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1',
  };
  try {
    // The process must end by itself (a running worker pool must not keep it alive): the timeout fails the test if not.
    const { stdout } = await run(file, args, { cwd: app, env, timeout: 120_000 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
  } catch (error) {
    const { stderr = '', stdout = '' } = error as { stderr?: string; stdout?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${(error as Error).message}\n${stdout}${stderr}`);
  }
}

function smoke(runtime: RuntimeName, threads: number): Promise<SmokeResult> {
  const [file, args] = commandLine(runtime, threads, join(models, `${runtime}-${threads}.wgm`));
  return runJson<SmokeResult>(file, args);
}

function requireRuntime(runtime: RuntimeName, context: TestContext): void {
  const result = installed[runtime];
  if (result.ok) return;
  console.warn(`skipping the ${runtime} smoke test: ${result.reason}`);
  context.skip(`${runtime} could not be installed: ${result.reason}`);
}

describe.each(RUNTIMES)('%s', (runtime) => {
  let one: SmokeResult | undefined;

  it('imports wasmgrad, inits, trains XOR to correct predictions, predicts, saves and loads', async (context) => {
    requireRuntime(runtime, context);
    one = await smoke(runtime, 1);
    console.info(`${runtime} ${installed[runtime].ok ? (installed[runtime] as { version: string }).version : ''}, 1 thread: ${JSON.stringify(one.ms)} ms`);
    expect(one.threads).toBe(1);
    expect(one.finalLoss).toBeLessThan(0.005);
    expect(one.xorCorrect, `predictions ${one.predicted.join(', ')} for XOR 0 1 1 0`).toBe(true);
    expect(one.loadedIdentical, 'the loaded model predicts exactly what the saved one did').toBe(true);
  });

  // Both validate relaxed SIMD. Measured here (512-512-512-10 training at batch 128, relaxed ÷ baseline build):
  // Bun 1.4.4 (JavaScriptCore) 0.62×, Deno 2.9.6 (V8 15.0) 1.28×; src/wasm/relaxed-choice.ts.
  it(`init() loads the build that is faster there: ${runtime === 'bun' ? 'the baseline on Bun' : 'the relaxed-SIMD build on Deno'}`, async (context) => {
    requireRuntime(runtime, context);
    one ??= await smoke(runtime, 1);
    expect(one.features).toEqual({ simd: true, relaxedSimd: runtime === 'deno', threads: false });
  });

  it('init({ threads: 2 }) runs a 2-thread pool, bit-identical to 1 thread', async (context) => {
    requireRuntime(runtime, context);
    one ??= await smoke(runtime, 1);
    const two = await smoke(runtime, 2);
    console.info(`${runtime}, 2 threads: ${JSON.stringify(two.ms)} ms`);
    expect(two.threads).toBe(2);
    expect(two.xorCorrect).toBe(true);
    expect(two.loadedIdentical).toBe(true);
    expect(two.predicted).toEqual(one.predicted);
    expect(two.digest).toBe(one.digest);
  });
});

describe('deno without --allow-read', () => {
  it('init() rejects with WASMGRAD_IO naming the file and the missing permission', async (context) => {
    requireRuntime('deno', context);
    const deno = installed.deno as { path: string };
    const result = await runJson<{ code?: string; message?: string }>(deno.path, ['run', '--no-prompt', 'init-error.mjs']);
    expect(result.code).toBe('WASMGRAD_IO');
    expect(result.message).toMatch(/wasmgrad(-relaxed)?\.wasm/);
    expect(result.message).toMatch(/--allow-read/);
  });
});
