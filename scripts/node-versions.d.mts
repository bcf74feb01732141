/** Types of scripts/node-versions.mjs, for the tests that import it. */
export type NodeResult =
  | { ok: true; version: string; path: string; installed: boolean }
  | { ok: false; version: string; reason: string };

export const PINNED_NODE_VERSIONS: readonly string[];
export const DEFAULT_NODE_VERSIONS_DIR: string;
export function nodePackageName(platform?: string, arch?: string): string;
export function nodeBinaryPath(version: string, dir?: string, pkg?: string): string;
export function installedNodes(dir?: string): { version: string; path: string }[];
export function ensureNode(version: string, dir?: string): Promise<NodeResult>;
