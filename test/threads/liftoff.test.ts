/**
 * src/threads/liftoff.ts: which engines get a thread pool. The rule's match
 * with the engines themselves is tested on every installed Node version by
 * test/node-versions/node-versions.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  engineFacts, liftoffDisabled, threadsSafeHere, threadsUnsafeReason, v8LosesLocalsAcrossWait,
} from '../../src/threads/liftoff.js';

const NODE_20 = '11.3.244.8-node.38';

describe('v8LosesLocalsAcrossWait', () => {
  it.each([
    ['11.3.244.8-node.38', true], // Node 20.20.2 (and every 20.x)
    ['10.2.154.26-node.26', true], // Node 18
    ['11.8.172.17-node.20', false], // Node 21.7.3
    ['12.4.254.21-node.57', false], // Node 22.23.5
    ['13.6.233.17-node.63', false], // Node 24.22.3
    ['14.6.202.34-node.40', false], // Node 26.12.1
    ['', false], ['unknown', false],
  ])('%s: %s', (version, affected) => {
    expect(v8LosesLocalsAcrossWait(version)).toBe(affected);
  });
});

describe('liftoffDisabled', () => {
  it.each([
    [[], false],
    [['--no-liftoff'], true],
    [['--no_liftoff'], true],
    [['--noliftoff'], true],
    [['--max-old-space-size=100', '--no-liftoff', '--trace-warnings'], true],
    [['--no-liftoff', '--liftoff'], false], // V8 reads them in order: the last one wins
    [['--liftoff', '--no-liftoff'], true],
    [['--liftoff-only'], false],
    [['--no-liftoff-only'], false],
  ])('%j: %s', (execArgv, disabled) => {
    expect(liftoffDisabled(execArgv)).toBe(disabled);
  });
});

describe('threadsUnsafeReason', () => {
  it('is null where threads are safe: no V8 (browsers, Bun), V8 11.8 or later, or Node 20 started with --no-liftoff', () => {
    expect(threadsUnsafeReason({})).toBeNull();
    expect(threadsUnsafeReason({ v8: '12.4.254.21-node.57', execArgv: [] })).toBeNull();
    expect(threadsUnsafeReason({ v8: NODE_20, execArgv: ['--no-liftoff'] })).toBeNull();
  });

  it('on Node 20 says what happens, why, and the two ways to threads (the flag on the command line, or a newer Node)', () => {
    const reason = threadsUnsafeReason({ v8: NODE_20, execArgv: [] }, 2)!;
    expect(reason).toMatch(/^wasmgrad: init\(\{ threads: 2 \}\) runs on one thread \(with the same results\)/);
    expect(reason).toContain(`V8 ${NODE_20} (Node 20)`);
    expect(reason).toContain('node --no-liftoff app.js');
    expect(reason).toContain('NODE_OPTIONS does not accept that flag');
    expect(reason).toContain('Node 22 or later');
  });
});

describe('threadsSafeHere', () => {
  const WARNED = Symbol.for('wasmgrad.threadsEngineWarned');
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[WARNED];
    vi.restoreAllMocks();
  });

  it('on an affected engine: false, with one process warning (code WASMGRAD_THREADS_ENGINE) however often it is asked', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const facts = { v8: NODE_20, execArgv: [] };
    expect(threadsSafeHere(2, facts)).toBe(false);
    expect(threadsSafeHere('auto', facts)).toBe(false);
    expect(emitWarning).toHaveBeenCalledTimes(1);
    expect(emitWarning).toHaveBeenCalledWith(expect.stringContaining('init({ threads: 2 }) runs on one thread'),
      { type: 'Warning', code: 'WASMGRAD_THREADS_ENGINE' });
  });

  it('elsewhere: true, and no warning', () => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    expect(threadsSafeHere(2, { v8: '13.6.233.17-node.63', execArgv: [] })).toBe(true);
    expect(threadsSafeHere(2, { v8: NODE_20, execArgv: ['--no-liftoff'] })).toBe(true);
    expect(emitWarning).not.toHaveBeenCalled();
  });
});

describe('engineFacts', () => {
  it("reads this process's V8 version and options", () => {
    expect(engineFacts()).toEqual({ v8: process.versions.v8, execArgv: process.execArgv });
  });
});
