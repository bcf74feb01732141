/**
 * V8 version checks, for choices that depend on what an engine's V8 does
 * (src/threads/liftoff.ts, src/wasm/relaxed-choice.ts).
 */

/** A V8 version as (major, minor): V8 13.6 is [13, 6]. */
export type V8Version = readonly [number, number];

/** (major, minor) of a V8 version string ('12.4.254.21-node.57', '13.6'); null when it is not one. */
export function parseV8Version(version: string): V8Version | null {
  const match = /^(\d+)\.(\d+)(?:\.|$)/.exec(version);
  return match ? [Number(match[1]), Number(match[2])] : null;
}

/** True when `version` is older than `than`, false when it is as new or newer; null when `version` is not a V8 version. */
export function v8Older(version: string, than: V8Version): boolean | null {
  const parsed = parseV8Version(version);
  if (!parsed) return null;
  return parsed[0] < than[0] || (parsed[0] === than[0] && parsed[1] < than[1]);
}
