/** What init() resolves to: read-only facts, not the internals that could write anywhere. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { dense, sequential } from '../src/index.js';
import { runtime } from '../src/runtime.js';
import type { RuntimeInfo } from '../src/runtime-info.js';
import { initFromBuild, TEST_WASM } from './helpers.js';

let info: RuntimeInfo;
beforeAll(async () => { info = await initFromBuild(); });

describe('init() → RuntimeInfo', () => {
  it('reports threads, the default backend and the memory, live', () => {
    expect(info.threads).toBe(1);
    expect(info.defaultBackend).toBe('wasm');
    expect(info.maximumBytes).toBe(2 ** 32);
    const blocks = info.liveBlocks, bytes = info.liveBytes;
    const net = sequential({ inputSize: 3, layers: [dense(4)] });
    expect(info.liveBlocks).toBe(blocks + 1);
    expect(info.liveBytes).toBeGreaterThan(bytes);
    expect(info.memoryBytes).toBeGreaterThanOrEqual(info.liveBytes);
    net.dispose();
    expect(info.liveBlocks).toBe(blocks);
  });

  it('is frozen and lists no internals', () => {
    expect(Object.isFrozen(info)).toBe(true);
    expect(Object.keys(info).sort()).toEqual(['defaultBackend', 'features', 'liveBlocks', 'liveBytes', 'maximumBytes', 'memoryBytes', 'threads']);
    // initFromBuild passes build/wasmgrad.wasm (the baseline single-thread build) unless WASMGRAD_TEST_WASM names
    // another; test/wasm/relaxed-init.test.ts covers the others.
    expect(info.features).toEqual({ simd: true, relaxedSimd: TEST_WASM.includes('relaxed'), threads: false });
    expect(Object.isFrozen(info.features)).toBe(true);
    expect(() => { (info as { threads: number }).threads = 8; }).toThrow(TypeError);
  });

  it('the internals of earlier releases still work, with one deprecation warning for all of them', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      expect(info.heap).toBe(runtime().heap);
      expect(info.memory).toBe(runtime().memory);
      expect(info.pool).toBeNull();
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatch(/"heap".*deprecated: it will be removed in 0\.3/);
      expect(warn.mock.calls[0][1]).toMatchObject({ type: 'DeprecationWarning', code: 'WASMGRAD_DEP_RUNTIME_INTERNALS' });
    } finally {
      warn.mockRestore();
    }
  });
});
