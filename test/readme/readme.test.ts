/**
 * Every ```js and ```html block of README.md runs as written, as a user who
 * pastes it would run it (markers and their meaning: test/readme/markdown.ts):
 * - Node blocks run in a child process (this Node) with the working directory
 *   in a temporary folder whose node_modules/wasmgrad links to this checkout,
 *   so `import … from 'wasmgrad'` resolves through package.json's exports to
 *   build/; other packages a block imports (@tensorflow/tfjs) link to the
 *   checkout's node_modules. A block must exit 0, print no warning, and print
 *   exactly the ```text block marked <!-- output --> after it, if there is one.
 * - Browser blocks run in Chromium (test/browser/helpers.ts), served by
 *   demo/server.mjs from a folder holding a copy of the package
 *   (node_modules/wasmgrad: package.json and build/); their console.log lines
 *   must be the output block's lines, with no console error.
 * `npm test` builds first; run alone, this needs a current build/.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser, openPage, ROOT, startServer, type StaticServer } from '../browser/helpers.js';
import { codeBlocks, importedPackages, runnableBlocks, type RunnableBlock } from './markdown.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = codeBlocks(README);
const RUNNABLE = runnableBlocks(BLOCKS);
const NODE_BLOCKS = RUNNABLE.filter((b) => b.kind === 'node' || b.kind === 'commonjs');
const BROWSER_BLOCKS = RUNNABLE.filter((b) => b.kind === 'browser-js' || b.kind === 'browser-html');
/** A block that trains for a while on a loaded machine: generous, since a hang is the only thing it guards. */
const BLOCK_TIMEOUT_MS = 120_000;
/**
 * Warnings a README example must not cause: Node's process warnings (a
 * DeprecationWarning from wasmgrad, say) other than ExperimentalWarning, which
 * some Node versions print for require() of an ES module, and fit's gradient
 * warnings. Other packages' chatter (TF.js's note about tfjs-node) is theirs.
 */
const WARNING = /^\(node:\d+\) (?!ExperimentalWarning)\w*Warning|(vanishing|exploding) gradients/m;

const title = (b: RunnableBlock) => `line ${b.line}: ${b.code.split('\n').find((l) => l.trim() && !l.trim().startsWith('<') && !l.includes('import '))?.trim().slice(0, 60) ?? b.kind}`;

let workDir: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'readme-blocks-'));
  const modules = join(workDir, 'node_modules');
  mkdirSync(modules);
  symlinkSync(ROOT, join(modules, 'wasmgrad'), 'dir');
  const others = new Set(NODE_BLOCKS.flatMap((b) => importedPackages(b.code)).filter((p) => p !== 'wasmgrad'));
  for (const name of others) {
    const top = name.split('/')[0]; // '@tensorflow/tfjs' → the whole '@tensorflow' scope
    if (existsSync(join(modules, top)) || !existsSync(join(ROOT, 'node_modules', top))) continue;
    symlinkSync(join(ROOT, 'node_modules', top), join(modules, top), 'dir');
  }
});

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('README.md is for users first', () => {
  it('finds the blocks it runs (a marker typo must not silently skip them)', () => {
    expect(NODE_BLOCKS.length).toBeGreaterThanOrEqual(5);
    expect(BROWSER_BLOCKS.length).toBeGreaterThanOrEqual(1);
    expect(RUNNABLE.filter((b) => b.expectedOutput !== null).length).toBeGreaterThanOrEqual(4);
  });

  it('opens with npm install wasmgrad, then a Node quick start that prints what it shows', () => {
    const install = BLOCKS.findIndex((b) => b.lang === 'sh' && /^npm install wasmgrad\b/m.test(b.code));
    const first = BLOCKS.findIndex((b) => b.line === RUNNABLE[0].line);
    expect(install, 'a ```sh block with npm install wasmgrad').toBeGreaterThanOrEqual(0);
    expect(install).toBeLessThan(first);
    expect(RUNNABLE[0].kind).toBe('node');
    expect(RUNNABLE[0].code).toMatch(/console\.log/);
    expect(RUNNABLE[0].expectedOutput).not.toBeNull();
    const firstBrowser = RUNNABLE.findIndex((b) => b.kind.startsWith('browser'));
    expect(firstBrowser, 'a browser quick start right after the Node one(s)').toBeLessThanOrEqual(2);
  });

  it('calls the source documents what they are in the text for users ("the seed" is project jargon)', () => {
    const forUsers = README.split(/^## Working on wasmgrad/m)[0];
    expect(forUsers).not.toMatch(/\bthe seed's\b|\bseed document|\bthe seed \(|\bthe seed `0/i);
  });
});

describe.each(NODE_BLOCKS.map((b) => [title(b), b] as const))('README %s', (_, block) => {
  it('runs in Node and prints what the README shows', async () => {
    const cwd = join(workDir, `L${block.line}`);
    mkdirSync(cwd, { recursive: true });
    const file = join(cwd, block.kind === 'commonjs' ? 'block.cjs' : 'block.mjs');
    writeFileSync(file, block.code);
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [file], { cwd, timeout: BLOCK_TIMEOUT_MS, encoding: 'utf8' }, (error, out, err) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout: out, stderr: err });
      });
    });
    expect({ code, stderr: code ? stderr : '' }, `README line ${block.line} failed:\n${stderr}`).toEqual({ code: 0, stderr: '' });
    expect(stderr, 'a README example must not warn').not.toMatch(WARNING);
    if (block.expectedOutput !== null) expect(stdout.trimEnd()).toBe(block.expectedOutput.trimEnd());
  }, BLOCK_TIMEOUT_MS + 10_000);
});

describe.runIf(BROWSER_BLOCKS.length > 0)('README browser blocks in Chromium', () => {
  let browser: Browser;
  let server: StaticServer;
  let webRoot: string;

  beforeAll(async () => {
    // A folder as a user's project would have it: their page next to node_modules/wasmgrad (the package's files).
    webRoot = join(workDir, 'web');
    const pkg = join(webRoot, 'node_modules', 'wasmgrad');
    mkdirSync(pkg, { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
    cpSync(join(ROOT, 'build'), join(pkg, 'build'), { recursive: true });
    writeFileSync(join(webRoot, 'favicon.ico'), ''); // Chromium asks for one; a 404 would be a console error
    [browser, server] = await Promise.all([launchBrowser(), startServer({ root: webRoot })]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it.each(BROWSER_BLOCKS.map((b) => [title(b), b] as const))('README %s runs and logs what the README shows', async (_, block) => {
    const page = `L${block.line}.html`;
    writeFileSync(join(webRoot, page), block.kind === 'browser-html' ? block.code : modulePage(block.code));
    const expected = (block.expectedOutput ?? '').trimEnd().split('\n');
    const watched = await openPage(browser);
    const logs: string[] = [];
    watched.page.on('console', (message) => {
      if (message.type() === 'log') logs.push(message.text());
    });
    try {
      await watched.page.goto(`${server.url}/${page}`);
      await until(() => logs.length >= expected.length || watched.errors.length > 0, BLOCK_TIMEOUT_MS,
        () => `README line ${block.line}: waited for ${expected.length} console.log lines, got ${JSON.stringify(logs)}`);
    } finally {
      await watched.screenshot(`readme-L${block.line}`).catch(() => {});
      await watched.close();
    }
    watched.expectNoErrors();
    expect(logs.join('\n')).toBe(expected.join('\n'));
  }, BLOCK_TIMEOUT_MS + 10_000);
});

/** A page running `code` as a module script, with 'wasmgrad' mapped to the package's browser entry (as a bundler would pick it). */
function modulePage(code: string): string {
  const entry = browserEntry(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).exports);
  const importMap = JSON.stringify({ imports: { wasmgrad: `./node_modules/wasmgrad/${entry.replace(/^\.\//, '')}` } });
  return `<!doctype html>\n<meta charset="utf-8">\n<script type="importmap">${importMap}</script>\n<script type="module">\n${code}\n</script>\n`;
}

/** The file package.json's exports["."] gives a browser: the first of the browser, import, default conditions, at any depth. */
function browserEntry(exportsField: unknown): string {
  const pick = (value: unknown): string | null => {
    if (typeof value === 'string') return value;
    if (!value || typeof value !== 'object') return null;
    for (const condition of ['browser', 'import', 'default']) {
      const found = pick((value as Record<string, unknown>)[condition]);
      if (found) return found;
    }
    return null;
  };
  const root = typeof exportsField === 'object' && exportsField && '.' in exportsField ? (exportsField as Record<string, unknown>)['.'] : exportsField;
  const entry = pick(root);
  if (!entry) throw new Error('package.json: exports["."] names no browser, import or default file');
  return entry;
}

/** Resolves once `done()` is true; rejects with `what()` after `timeoutMs` (a hang, not a measurement). */
async function until(done: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(what());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
