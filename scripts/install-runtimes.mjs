#!/usr/bin/env node
/**
 * Installs pinned Bun and Deno binaries from the npm registry, where both ship
 * inside platform packages, into a cache folder outside node_modules (so
 * `npm ci` keeps them), for test/runtimes/runtimes.test.ts.
 *
 * Idempotent: a runtime whose pinned version is already in the cache is not
 * installed again. Each install goes into a fresh temporary folder that is
 * renamed into place only once complete, so an interrupted or concurrent run
 * never leaves half a runtime behind. The platform packages are installed
 * directly, with --ignore-scripts: the `bun` and `deno` wrapper packages fetch
 * or link their binary in install scripts, which npm may not run.
 *
 * Usage: node scripts/install-runtimes.mjs [cache folder]
 * (default: <repository>/.cache/runtimes, or WASMGRAD_RUNTIMES_DIR).
 * Prints one line per runtime; exits non-zero if any could not be installed.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The default cache folder: survives `npm ci` (which deletes node_modules); .gitignore lists .cache/. */
export const DEFAULT_RUNTIMES_DIR = process.env.WASMGRAD_RUNTIMES_DIR ?? join(ROOT, '.cache', 'runtimes');

/**
 * The pinned packages, per `${process.platform}-${process.arch}`. Only
 * linux-x64 (glibc) is pinned and tested; elsewhere the runtimes are reported
 * as not installable, with the reason.
 */
export const RUNTIME_PACKAGES = {
  'linux-x64': {
    bun: { name: '@oven/bun-linux-x64', version: '1.4.4', binary: 'bin/bun' },
    deno: { name: '@deno/linux-x64-glibc', version: '2.9.6', binary: 'deno' },
  },
};

/** The folder one runtime's package is installed under: its own, named by package version, so a new pin installs beside the old. */
function installDir(dir, runtime, pkg) {
  return join(dir, `${runtime}-${pkg.version}`);
}

/** Where the binary of `pkg` lies once installed under `prefix`. */
function binaryPath(prefix, pkg) {
  return join(prefix, 'node_modules', ...pkg.name.split('/'), pkg.binary);
}

function installedVersion(prefix, pkg) {
  try {
    return JSON.parse(readFileSync(join(prefix, 'node_modules', ...pkg.name.split('/'), 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The lines of npm's error output that say what went wrong (code and message), without stack traces and log hints. */
function firstErrorLines(stderr) {
  const lines = stderr.split('\n').map((line) => line.replace(/^npm (error|ERR!) ?/, '').trim())
    .filter((line) => line && !/^(at |syscall |errno |A complete log|If you are behind|{|})/.test(line));
  return lines.slice(0, 2).join('; ') || 'no error output';
}

/**
 * Makes sure `runtime` ('bun' or 'deno') is in `dir`. Resolves to
 * `{ ok: true, runtime, path, version, installed }` (installed: whether this
 * call downloaded it) or `{ ok: false, runtime, reason }`; never rejects.
 */
export async function ensureRuntime(runtime, dir = DEFAULT_RUNTIMES_DIR, platform = `${process.platform}-${process.arch}`) {
  const pkg = RUNTIME_PACKAGES[platform]?.[runtime];
  if (!pkg) return { ok: false, runtime, reason: `no ${runtime} package is pinned for ${platform} (scripts/install-runtimes.mjs pins linux-x64 only)` };
  const prefix = installDir(dir, runtime, pkg);
  const path = binaryPath(prefix, pkg);
  if (existsSync(path) && installedVersion(prefix, pkg) === pkg.version) {
    return { ok: true, runtime, path, version: pkg.version, installed: false };
  }
  mkdirSync(dir, { recursive: true });
  const temporary = mkdtempSync(join(dir, `.${runtime}-installing-`));
  try {
    // A package.json of its own, so npm treats this folder as the project and not an enclosing one (the repository).
    writeFileSync(join(temporary, 'package.json'), '{ "private": true }\n');
    await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', [
      'install', '--prefix', temporary, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund',
      '--loglevel=error', `${pkg.name}@${pkg.version}`,
    ], { cwd: temporary, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
    if (!existsSync(binaryPath(temporary, pkg))) throw new Error(`the package installed, but ${pkg.binary} is not in it`);
    chmodSync(temporary, 0o755); // mkdtemp made it private; the installed folder is an ordinary one
    // Another run may have put its copy into place meanwhile: keep that one (it may be in use).
    if (!(existsSync(path) && installedVersion(prefix, pkg) === pkg.version)) {
      rmSync(prefix, { recursive: true, force: true });
      try {
        renameSync(temporary, prefix);
      } catch (error) {
        if (!existsSync(path)) throw error;
      }
    }
    return { ok: true, runtime, path, version: pkg.version, installed: true };
  } catch (error) {
    const detail = firstErrorLines(String(error?.stderr || error?.message || error));
    return { ok: false, runtime, reason: `npm install ${pkg.name}@${pkg.version} failed: ${detail}` };
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}

/** ensureRuntime for Bun and Deno, one after the other (concurrent npm installs share one cache and slow each other). */
export async function ensureRuntimes(dir = DEFAULT_RUNTIMES_DIR) {
  return { bun: await ensureRuntime('bun', dir), deno: await ensureRuntime('deno', dir) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const results = await ensureRuntimes(process.argv[2] ? resolve(process.argv[2]) : DEFAULT_RUNTIMES_DIR);
  for (const result of Object.values(results)) {
    console.log(result.ok
      ? `${result.runtime} ${result.version}: ${result.path}${result.installed ? ' (installed now)' : ''}`
      : `${result.runtime}: not installed: ${result.reason}`);
  }
  process.exitCode = Object.values(results).every((result) => result.ok) ? 0 : 1;
}
