/**
 * Twins pair by name: a kernel in assembly/x.ts has its pure-TS twin in
 * src/backend/js/x.ts, so a reader diffs the two by opening two files of the
 * same name. Read from the source text: the kernels are the names of
 * KERNEL_NAMES (src/backend/backend.ts); an assembly file defines one with
 * `export function`, a JS file with any `function` (the gemm and mlp
 * factories define theirs inside) or a method.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_NAMES } from '../../src/backend/backend.js';

const ASSEMBLY = new URL('../../assembly/', import.meta.url);
const JS = new URL('../../src/backend/js/', import.meta.url);

/** assembly/ files with no twin by design, each with its reason. They may define no kernel. */
const ASSEMBLY_ONLY: Record<string, string> = {
  'fma.ts': "madd, the f32x4 multiply-add the kernels inline (fused in the relaxed-SIMD builds); the pure-TS backend rounds the product, as the baseline builds do",
  'gemm-kernel.ts': "the single-thread GEMM that gemm.ts's entry points and each threads slice run; js/gemm.ts's gemm is its twin as a whole",
  'gemv.ts': "the one-sample products (m = 1, or depth k = 1) that gemm-kernel.ts runs; js/gemm.ts's gemm covers those shapes as it covers every other",
  'gemv-multi.ts': "x·W and x·Wᵀ for batches of two and three rows (W read once for all rows) that gemm-kernel.ts runs; js/gemm.ts's gemm covers those shapes as it covers every other",
  'gemv-panel.ts': "one-row x·W over W copied into column panels (mlp.ts's forward at batch one); the pure-TS backend keeps no panels, and its forward is the reference",
  'layout.ts': 'the descriptor slot numbers, mirrored as data by src/backend/descriptor.ts (registry.test.ts checks them)',
  'mlp-narrow.ts': 'a fast path: the pure-TS backend runs the general path (js/mlp.ts), which paths.test.ts compares it with',
  'mlp-tiny.ts': 'a fast path: the pure-TS backend runs the general path (js/mlp.ts), which paths.test.ts compares it with',
  'threads.ts': 'the thread pool (board, worker loop, attach): the pure-TS backend has no threads',
};

/** Exported functions of twinned assembly/ files that are not kernels, each file with its reason. */
const ASSEMBLY_HELPERS: Record<string, { names: string[]; why: string }> = {
  'activations.ts': {
    names: ['needsPreactivation', 'activateV', 'slopeV', 'biasActivate'],
    why: 'four-lane forms the fused kernels inline (js: activate and slope, one value at a time)',
  },
  'math.ts': {
    names: ['expV', 'sigmoidV', 'tanhV', 'loadPartial', 'storePartial', 'erfV', 'normalCdfV', 'normalPdfV', 'erfMap'],
    why: 'f32x4 elementary functions; erfMap exposes erfV to test/backend/erf.test.ts',
  },
  'sgd.ts': { names: ['sgdCheck', 'sgdApply'], why: "sgdUpdate's two passes, which threads.ts runs per slice" },
  'optimizers.ts': { names: ['isPlainSgd'], why: "optimizerStep's test for the seed's plain SGD" },
  'gemm.ts': { names: ['splitsAcrossThreads'], why: 'whether a product runs on the thread pool (mlp.ts asks before making a layer\'s one-row panels and before using them)' },
  'index.ts': { names: ['heapBase'], why: 'where the TypeScript heap may start' },
};

const KERNELS = new Set<string>(KERNEL_NAMES);

const tsFiles = (dir: URL) => readdirSync(dir).filter((file) => file.endsWith('.ts')).sort();
const read = (dir: URL, file: string) => readFileSync(new URL(file, dir), 'utf8');

/** Every `export function` of an assembly file, `@inline` or not. */
function assemblyExports(file: string): string[] {
  return [...read(ASSEMBLY, file).matchAll(/^(?:@inline\s+)?export\s+function\s+(\w+)/gm)].map((m) => m[1]);
}

/** The kernels a file defines: exported functions in assembly; functions or methods (object literals) in JS. */
function assemblyKernels(file: string): string[] {
  return assemblyExports(file).filter((name) => KERNELS.has(name)).sort();
}
function jsKernels(file: string): string[] {
  const text = read(JS, file);
  const functions = [...text.matchAll(/\bfunction\s+(\w+)\s*[<(]/g)].map((m) => m[1]);
  const methods = [...text.matchAll(/^\s+(\w+)\s*\([^)]*\)\s*(?::\s*[^{]+)?\{\s*$/gm)].map((m) => m[1]);
  return [...new Set([...functions, ...methods])].filter((name) => KERNELS.has(name)).sort();
}

const assemblyFiles = tsFiles(ASSEMBLY);
const jsFiles = tsFiles(JS);
const twinned = assemblyFiles.filter((file) => !(file in ASSEMBLY_ONLY));

describe('twins pair by name (assembly/x.ts <-> src/backend/js/x.ts)', () => {
  it('every assembly file has a JS twin of the same name, or is assembly-only with a reason', () => {
    expect(twinned.filter((file) => !jsFiles.includes(file)), 'assembly files without a JS twin').toEqual([]);
    for (const file of Object.keys(ASSEMBLY_ONLY)) {
      expect(assemblyFiles, `ASSEMBLY_ONLY names ${file}, which assembly/ lacks`).toContain(file);
      expect(jsFiles, `${file} is assembly-only, yet src/backend/js/ has one`).not.toContain(file);
    }
  });

  it('every JS backend file has an assembly twin of the same name', () => {
    expect(jsFiles.filter((file) => !twinned.includes(file)), 'JS files without an assembly twin').toEqual([]);
  });

  for (const file of twinned) {
    it(`${file}: both twins define the same kernels`, () => {
      expect(jsKernels(file), `src/backend/js/${file} vs assembly/${file}`).toEqual(assemblyKernels(file));
    });
  }

  it('every kernel is defined in exactly one file on each side', () => {
    for (const name of KERNEL_NAMES) {
      expect(assemblyFiles.filter((file) => assemblyKernels(file).includes(name)), `assembly files defining ${name}`).toHaveLength(1);
      expect(jsFiles.filter((file) => jsKernels(file).includes(name)), `JS files defining ${name}`).toHaveLength(1);
    }
  });

  it('assembly-only files define no kernel', () => {
    for (const file of Object.keys(ASSEMBLY_ONLY)) expect(assemblyKernels(file), file).toEqual([]);
  });

  it("a twinned assembly file's other exported functions are listed helpers, and every listed helper exists", () => {
    for (const file of twinned) {
      const helpers = ASSEMBLY_HELPERS[file]?.names ?? [];
      const exported = assemblyExports(file);
      expect(exported.filter((name) => !KERNELS.has(name) && !helpers.includes(name)), `unlisted non-kernel exports of assembly/${file}`).toEqual([]);
      expect(helpers.filter((name) => !exported.includes(name)), `ASSEMBLY_HELPERS entries assembly/${file} no longer exports`).toEqual([]);
    }
    for (const file of Object.keys(ASSEMBLY_HELPERS)) expect(twinned, `ASSEMBLY_HELPERS names ${file}`).toContain(file);
  });
});
