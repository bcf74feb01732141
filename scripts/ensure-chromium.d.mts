/** Types of scripts/ensure-chromium.mjs, for the tests and test/browser/helpers.ts. */
export interface ChromiumFacts {
  path: string;
  isDefaultPath: boolean;
  exists: boolean;
  isRoot: boolean;
  hasApt: boolean;
}
export type ChromiumDecision = { action: 'none' } | { action: 'install' } | { action: 'fail'; message: string };

export const DEFAULT_CHROMIUM: string;
export const APT_COMMANDS: [string, string[]][];
export function chromiumInstruction(path?: string): string;
export function decide(facts: ChromiumFacts): ChromiumDecision;
export function facts(env?: NodeJS.ProcessEnv): ChromiumFacts;
export function main(env?: NodeJS.ProcessEnv, found?: ChromiumFacts): number;
