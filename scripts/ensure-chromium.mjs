#!/usr/bin/env node
/**
 * `npm test`'s pretest: makes sure the Chromium the browser tests launch
 * (test/browser/helpers.ts) is there, so `npm ci && npm test` passes on a
 * fresh machine.
 *
 * - Chromium present (CHROMIUM_PATH, default /usr/bin/chromium): does
 *   nothing and prints nothing.
 * - Missing at the default path, running as root where apt-get exists (as
 *   on CI): `apt-get update`, then `apt-get install -y chromium`,
 *   non-interactively.
 * - Otherwise (not root, no apt-get, or a CHROMIUM_PATH that points nowhere,
 *   which installing a package would not fix): prints the one-line
 *   instruction and exits with 1. No sudo: it could stop for a password.
 *
 * WASMGRAD_CHROMIUM_DRY_RUN=1 prints what it would do instead of doing it
 * (test/scripts/ensure-chromium.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/** The one-line instruction, also thrown by test/browser/helpers.ts when the browser tests find no Chromium. */
export function chromiumInstruction(path = DEFAULT_CHROMIUM) {
  return `The browser tests need Chromium at ${path}, and it is not there. Install it with `
    + '`apt-get update && apt-get install -y chromium` (`npm test` does this itself when run as root where apt-get exists), '
    + 'or point CHROMIUM_PATH at a Chromium binary.';
}

/** The apt-get commands that install Chromium, in order. */
export const APT_COMMANDS = [['apt-get', ['update']], ['apt-get', ['install', '-y', 'chromium']]];

/**
 * What to do, from the facts: `{ action: 'none' }` when Chromium is there,
 * `{ action: 'install' }` when apt-get can put it at the default path as
 * root, else `{ action: 'fail', message }` with the instruction.
 */
export function decide({ path, isDefaultPath, exists, isRoot, hasApt }) {
  if (exists) return { action: 'none' };
  if (isDefaultPath && isRoot && hasApt) return { action: 'install' };
  const why = !isDefaultPath ? `CHROMIUM_PATH=${path} does not exist, and apt-get would install it at ${DEFAULT_CHROMIUM}`
    : !hasApt ? 'apt-get is not available here' : 'installing it needs root';
  return { action: 'fail', message: `${chromiumInstruction(path)} (${why}.)` };
}

function isExecutable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Whether `command` is an executable file on PATH. */
function onPath(command, env = process.env) {
  return (env.PATH ?? '').split(delimiter).some((dir) => dir && isExecutable(join(dir, command)));
}

/** The facts `decide` needs, read from this machine and `env`. */
export function facts(env = process.env) {
  const path = env.CHROMIUM_PATH || DEFAULT_CHROMIUM;
  return {
    path,
    isDefaultPath: resolve(path) === DEFAULT_CHROMIUM,
    exists: isExecutable(path),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    hasApt: onPath('apt-get', env),
  };
}

/** Acts on the decision for this machine (or for `found`, in tests); returns the exit code. */
export function main(env = process.env, found = facts(env)) {
  const decision = decide(found);
  const dryRun = env.WASMGRAD_CHROMIUM_DRY_RUN === '1';
  if (decision.action === 'none') return 0;
  if (decision.action === 'fail') {
    console.error(decision.message);
    return 1;
  }
  const commands = APT_COMMANDS.map(([file, args]) => `${file} ${args.join(' ')}`).join(' && ');
  if (dryRun) {
    console.log(`ensure-chromium: would run ${commands}`);
    return 0;
  }
  console.log(`ensure-chromium: ${found.path} is missing; installing it (${commands}) for the browser tests`);
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const [file, args] of APT_COMMANDS) {
    const result = spawnSync(file, args, { stdio: ['ignore', 'inherit', 'inherit'], env: aptEnv });
    if (result.status !== 0) {
      console.error(`ensure-chromium: \`${file} ${args.join(' ')}\` failed (${result.error?.message ?? `exit code ${result.status}`}). ${chromiumInstruction(found.path)}`);
      return 1;
    }
  }
  if (!isExecutable(found.path)) {
    console.error(`ensure-chromium: apt-get installed chromium, but ${found.path} is still missing. ${chromiumInstruction(found.path)}`);
    return 1;
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main();
}
