/**
 * Which build init() loads when `relaxedSimd` is left out.
 *
 * An engine that validates relaxed SIMD is not enough: the relaxed build is
 * faster only where the engine keeps its kernels' accumulators in registers.
 * Its GEMM micro-kernel is a 6×8 tile (twelve accumulators) and its one-row
 * product streams six weight panels at once; V8 before 13.6 spills them to
 * the stack. Measured on this project's machine (AMD EPYC; relaxed ÷ baseline
 * build in one process, `node bench/relaxed.mjs`):
 *
 * | engine | GEMM N = 512, 1024 | W3 training |
 * |---|---|---|
 * | Node 22.23.5 (V8 12.4) | 0.25–0.31× | 0.55× |
 * | Node 23.11.1 (V8 12.9) | 0.53–0.55× | |
 * | Node 24.22.3 (V8 13.6) | 1.07–1.08× (1.10× and more on earlier days) | 1.07× and more |
 *
 * Training 512-512-512-10 at batch 128, relaxed ÷ baseline: Node 22 0.56×,
 * Bun 1.4.4 (JavaScriptCore, which validates relaxed SIMD) 0.62×; Node 24
 * 1.03×, Node 26 1.05×, Chromium 156 1.04–1.06×, Deno 2.9.6 (V8 15.0) 1.28×.
 *
 * So the relaxed build is the default on V8 13.6 and later only: Node 24 and
 * later, Chromium 136 and later (Chrome, Edge and the other Chromium
 * browsers), Deno and Electron by their V8. Every other engine with relaxed
 * SIMD (Node 22 and 23, Bun, Firefox and engines this project has not measured) gets
 * the baseline build, which is fast everywhere, unless the caller asks for
 * the relaxed one with `init({ relaxedSimd: true })`.
 */
import { type V8Version, v8Older } from '../platform/v8-version.js';

/** The first V8 version whose relaxed build beats the baseline build (measured: 12.9 does not, 13.6 does). */
export const RELAXED_FAST_FROM_V8: V8Version = [13, 6];

/** What identifies the engine: its V8 version where the runtime reports one, else the browser's user agent. */
export interface EngineIdentity {
  /** V8's version ('13.6.233.17-node.63'): `process.versions.v8` in Node and Electron, `Deno.version.v8` in Deno. */
  readonly v8?: string;
  /** The user agent, in browsers: Chromium's major version is its V8 version (Chrome 136 runs V8 13.6). */
  readonly userAgent?: string;
}

type Globals = {
  process?: { versions?: Record<string, string | undefined> };
  Deno?: { version?: { v8?: string } };
  navigator?: { userAgent?: string };
};

/** This engine's identity: Bun reports a `process.versions.v8` but runs JavaScriptCore, so it has none. */
export function engineIdentity(): EngineIdentity {
  const g = globalThis as Globals;
  const versions = g.process?.versions;
  if (versions?.bun !== undefined) return {};
  if (typeof versions?.v8 === 'string') return { v8: versions.v8 };
  if (typeof g.Deno?.version?.v8 === 'string') return { v8: g.Deno.version.v8 };
  return typeof g.navigator?.userAgent === 'string' ? { userAgent: g.navigator.userAgent } : {};
}

/** The engine's V8 version as a string ('13.6'), from `v8` or a Chromium user agent; undefined for other engines. */
export function engineV8Version(engine: EngineIdentity): string | undefined {
  if (engine.v8 !== undefined) return engine.v8;
  // Firefox and Safari carry no Chrome/ token; every Chromium browser does (Edge, Opera, Brave, Samsung Internet),
  // headless Chromium as HeadlessChrome/.
  const chrome = engine.userAgent === undefined ? null : /(?:Chrome|Chromium)\/(\d+)\./.exec(engine.userAgent);
  if (!chrome) return undefined;
  const major = Number(chrome[1]);
  return `${Math.floor(major / 10)}.${major % 10}`;
}

/** Whether init() should load the relaxed build on `engine` when relaxed SIMD validates there and the caller left `relaxedSimd` out. */
export function relaxedSimdPreferred(engine: EngineIdentity = engineIdentity()): boolean {
  const version = engineV8Version(engine);
  return version !== undefined && v8Older(version, RELAXED_FAST_FROM_V8) === false;
}
