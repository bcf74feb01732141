/**
 * src/wasm/relaxed-choice.ts: which engines get the relaxed-SIMD build by
 * default. The rule's match with the engines themselves: test/wasm/relaxed-init.test.ts
 * (on every Node version CI runs), test/browser/plain.test.ts (Chromium).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { engineIdentity, engineV8Version, RELAXED_FAST_FROM_V8, relaxedSimdPreferred } from '../../src/wasm/relaxed-choice.js';

const CHROME = (major: number) => `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${major}.0.0.0 Safari/537.36`;

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('relaxedSimdPreferred', () => {
  it('is measured from V8 13.6 on', () => {
    expect(RELAXED_FAST_FROM_V8).toEqual([13, 6]);
  });

  it.each([
    ['12.4.254.21-node.57', false], // Node 22.23.5: GEMM 0.25–0.31× the baseline build's speed
    ['12.9.202.28-node.14', false], // Node 23.11.1: 0.53–0.55×
    ['13.5.212.10', false], // older than the first version measured fast
    ['13.6.233.17-node.63', true], // Node 24.22.3
    ['14.6.202.34-node.40', true], // Node 26.12.1
    ['11.3.244.8-node.38', false], // Node 20 (with --experimental-wasm-relaxed-simd)
    ['not a version', false],
  ])('V8 %s: %s', (v8, preferred) => {
    expect(relaxedSimdPreferred({ v8 })).toBe(preferred);
  });

  it.each([
    [CHROME(135), false],
    [CHROME(136), true],
    [CHROME(156), true],
    [`${CHROME(140)} Edg/140.0.0.0`, true], // Edge is Chromium
    [CHROME(156).replace('Chrome/', 'HeadlessChrome/'), true], // headless Chromium (the browser tests)
    ['Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', false],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15', false],
    ['Node.js/22', false], // Node's navigator.userAgent (process.versions.v8 decides there)
  ])('user agent %s: %s', (userAgent, preferred) => {
    expect(relaxedSimdPreferred({ userAgent })).toBe(preferred);
  });

  it('an engine that says nothing about itself gets the baseline build', () => {
    expect(relaxedSimdPreferred({})).toBe(false);
  });

  it('a Chromium user agent maps to its V8 version (Chrome 136 runs V8 13.6)', () => {
    expect(engineV8Version({ userAgent: CHROME(136) })).toBe('13.6');
    expect(engineV8Version({ userAgent: CHROME(99) })).toBe('9.9');
  });
});

describe('engineIdentity', () => {
  it('in Node: process.versions.v8', () => {
    expect(engineIdentity()).toEqual({ v8: process.versions.v8 });
  });

  it('Bun reports a V8 version but runs JavaScriptCore: no identity', () => {
    vi.stubGlobal('process', { versions: { ...process.versions, bun: '1.2.0' } });
    expect(engineIdentity()).toEqual({});
  });

  it('Deno: Deno.version.v8', () => {
    vi.stubGlobal('process', undefined);
    vi.stubGlobal('Deno', { version: { v8: '14.1.146.11' } });
    expect(engineIdentity()).toEqual({ v8: '14.1.146.11' });
  });

  it('a browser: the user agent', () => {
    vi.stubGlobal('process', undefined);
    vi.stubGlobal('navigator', { userAgent: CHROME(156) });
    expect(engineIdentity()).toEqual({ userAgent: CHROME(156) });
  });
});
