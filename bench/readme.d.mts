/** Types of bench/readme.mjs, for the tests that import it (test/readme/bench-numbers.test.ts). */

/** A results file as bench/run.mjs writes it (only what the README's sections read is typed). */
export interface BenchResults {
  mode: string;
  failures: string[];
  workloads: unknown[];
  [key: string]: unknown;
}

/** Each generated section of the README, by the name its markers carry. */
export const SECTIONS: Readonly<Record<string, (input: { results: BenchResults; rows: unknown[] }) => string>>;
/** The sections rendered from the Node 24 run's results. */
export const NODE24_SECTIONS: Readonly<Record<string, (input: { results: BenchResults; rows: unknown[] }) => string>>;
/** Every section's text for these results (and the Node 24 ones'); throws for a smoke, partial or failed run. */
export function sectionValues(results: BenchResults, node24?: BenchResults): Record<string, string>;
/** `readme` with every marked value replaced; throws on an unknown name or an unpaired marker. */
export function renderReadme(readme: string, results: BenchResults, node24?: BenchResults): string;
/** The marked values that differ from what renderReadme would write. */
export function staleMarkers(readme: string, results: BenchResults, node24?: BenchResults): { name: string; shown: string; expected: string }[];
