/** Types of scripts/install-runtimes.mjs, for the tests that import it. */
export type RuntimeName = 'bun' | 'deno';

export type RuntimeResult =
  | { ok: true; runtime: RuntimeName; path: string; version: string; installed: boolean }
  | { ok: false; runtime: RuntimeName; reason: string };

export const DEFAULT_RUNTIMES_DIR: string;
export const RUNTIME_PACKAGES: Record<string, Record<RuntimeName, { name: string; version: string; binary: string }>>;
export function ensureRuntime(runtime: RuntimeName, dir?: string, platform?: string): Promise<RuntimeResult>;
export function ensureRuntimes(dir?: string): Promise<Record<RuntimeName, RuntimeResult>>;
