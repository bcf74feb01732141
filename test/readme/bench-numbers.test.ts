/**
 * The README's benchmark numbers are the results file's, never typed by hand:
 * every value between <!-- bench:name --> markers must be what
 * `npm run bench:readme` (bench/readme.mjs) writes from
 * bench/results/latest.json. Nothing is measured here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderReadme, sectionValues, staleMarkers, type BenchResults } from '../../bench/readme.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const RESULTS = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'latest.json'), 'utf8')) as BenchResults;
const NODE24 = JSON.parse(readFileSync(join(ROOT, 'bench', 'results', 'latest-node24.json'), 'utf8')) as BenchResults;

describe('README benchmark numbers', () => {
  it('match bench/results/latest.json and latest-node24.json (after `npm run bench` and `npm run bench -- --node 24`, run `npm run bench:readme`)', () => {
    const stale = staleMarkers(README, RESULTS, NODE24);
    expect(stale.map((s) => `bench:${s.name} shows ${JSON.stringify(s.shown)}, the results say ${JSON.stringify(s.expected)}`)).toEqual([]);
    expect(renderReadme(README, RESULTS, NODE24)).toBe(README);
  });

  it('the Node 24 tables come from a Node 24 run', () => {
    expect(README).toContain('<!-- bench:node24-tables -->');
    expect(() => sectionValues(RESULTS, RESULTS)).toThrow(/Node 24 results were measured on Node v20/);
    expect(() => sectionValues(RESULTS, { ...NODE24, mode: 'quick' })).toThrow(/Node 24 results are from a quick run/);
  });

  it('cover the intro claims and the tables', () => {
    for (const name of ['w1-rate', 'w1-vs-pure-js', 'w2-vs-tfjs-fit', 'gemm-peak', 'w3-threads', 'machine', 'tables']) {
      expect(README, `a <!-- bench:${name} --> marker`).toContain(`<!-- bench:${name} -->`);
    }
    // The first claim of the README is the 2-3-2 rate, and it is the table's W1 wasm median.
    const intro = README.slice(0, README.indexOf('## Installing'));
    expect(intro).toContain(`<!-- bench:w1-rate -->${sectionValues(RESULTS)['w1-rate']}<!-- /bench:w1-rate -->`);
    expect(intro).not.toMatch(/~\s*\d/); // no hand-typed "~9.6 M" left
  });

  it('a number edited by hand is found, and the script puts it back', () => {
    const edited = README.replace(/(<!-- bench:w1-rate -->)[^<]*/, '$19.6 M');
    expect(edited).not.toBe(README);
    expect(staleMarkers(edited, RESULTS, NODE24).map((s) => s.name)).toEqual(['w1-rate']);
    expect(renderReadme(edited, RESULTS, NODE24)).toBe(README);
  });

  it('refuses unknown or unpaired markers, and results of a smoke, partial or failed run', () => {
    expect(() => renderReadme('<!-- bench:nope -->1<!-- /bench:nope -->', RESULTS)).toThrow(/unknown marker\(s\) nope/);
    expect(() => renderReadme('<!-- bench:w1-rate -->1', RESULTS)).toThrow(/do not pair up/);
    expect(() => renderReadme('1<!-- /bench:w1-rate -->', RESULTS)).toThrow(/do not pair up/);
    expect(() => sectionValues({ ...RESULTS, mode: 'quick' })).toThrow(/quick run/);
    expect(() => sectionValues({ ...RESULTS, failures: ['W1: loss rose'] })).toThrow(/failed checks/);
    expect(() => sectionValues({ ...RESULTS, workloads: RESULTS.workloads.slice(1) })).toThrow(/no "wasmgrad wasm" row for W1/);
  });
});
