/**
 * scripts/ensure-chromium.mjs, `npm test`'s pretest: its decisions from the
 * facts (Chromium there or not, root or not, apt-get or not, default path or
 * CHROMIUM_PATH), checked without uninstalling anything: `decide` is pure,
 * `main` takes the facts and a dry-run flag, and the script itself is run
 * only where its answer does not change the machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { chromiumInstruction, decide, DEFAULT_CHROMIUM, main, type ChromiumFacts } from '../../scripts/ensure-chromium.mjs';

const SCRIPT = fileURLToPath(new URL('../../scripts/ensure-chromium.mjs', import.meta.url));
const missing: ChromiumFacts = { path: DEFAULT_CHROMIUM, isDefaultPath: true, exists: false, isRoot: true, hasApt: true };

describe('decide', () => {
  it('does nothing when Chromium is there, whoever runs it', () => {
    for (const isRoot of [true, false]) {
      for (const hasApt of [true, false]) expect(decide({ ...missing, exists: true, isRoot, hasApt })).toEqual({ action: 'none' });
    }
    expect(decide({ ...missing, path: '/opt/chrome', isDefaultPath: false, exists: true })).toEqual({ action: 'none' });
  });

  it('installs when it is missing at the default path and root has apt-get', () => {
    expect(decide(missing)).toEqual({ action: 'install' });
  });

  it('fails with the one-line instruction when not root', () => {
    const decision = decide({ ...missing, isRoot: false });
    expect(decision).toMatchObject({ action: 'fail' });
    expect((decision as { message: string }).message).toContain(chromiumInstruction(DEFAULT_CHROMIUM));
    expect((decision as { message: string }).message).toContain('needs root');
    expect((decision as { message: string }).message).not.toContain('\n');
  });

  it('fails with the instruction where apt-get is missing', () => {
    expect(decide({ ...missing, hasApt: false })).toMatchObject({ action: 'fail', message: expect.stringContaining('apt-get is not available') });
  });

  it('does not install for a CHROMIUM_PATH that points nowhere: the package would land elsewhere', () => {
    const decision = decide({ ...missing, path: '/opt/chrome/chrome', isDefaultPath: false });
    expect(decision).toMatchObject({ action: 'fail', message: expect.stringContaining('CHROMIUM_PATH=/opt/chrome/chrome does not exist') });
    expect((decision as { message: string }).message).toContain(chromiumInstruction('/opt/chrome/chrome'));
  });
});

describe('main', () => {
  afterEach(() => vi.restoreAllMocks());

  it('in a dry run, says it would run apt-get update, then install -y chromium, and runs nothing', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(main({ WASMGRAD_CHROMIUM_DRY_RUN: '1' }, missing)).toBe(0);
    expect(log).toHaveBeenCalledWith('ensure-chromium: would run apt-get update && apt-get install -y chromium');
  });

  it('prints nothing and returns 0 when Chromium is there', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(main({}, { ...missing, exists: true })).toBe(0);
    expect(log).not.toHaveBeenCalled();
    expect(error).not.toHaveBeenCalled();
  });

  it('prints the instruction on stderr and returns 1 when it cannot install', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    expect(main({ WASMGRAD_CHROMIUM_DRY_RUN: '1' }, { ...missing, isRoot: false })).toBe(1);
    expect(error).toHaveBeenCalledWith(expect.stringContaining(chromiumInstruction(DEFAULT_CHROMIUM)));
  });
});

describe('the script', () => {
  it('is silent and exits 0 when CHROMIUM_PATH is an executable', () => {
    const output = execFileSync(process.execPath, [SCRIPT], { env: { ...process.env, CHROMIUM_PATH: process.execPath }, encoding: 'utf8', stdio: 'pipe' });
    expect(output).toBe('');
  });

  it('exits 1 with the one-line instruction when CHROMIUM_PATH points nowhere (and installs nothing)', () => {
    const result = spawnSync(process.execPath, [SCRIPT], { env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' }, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(chromiumInstruction('/nonexistent/chromium'));
  });
});
