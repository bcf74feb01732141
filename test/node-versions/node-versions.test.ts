/**
 * Every tested Node version, each in a fresh process: the machine's Node,
 * and the pinned 22, 24 and 26 that scripts/node-versions.mjs installs into
 * .cache/node-versions (those not installed are left out: .ci/run installs
 * them). On each, the engine bug of src/threads/liftoff.ts is probed
 * directly, and a 2-thread training run is checked bit for bit against 1
 * thread: real threads where the engine is sound, and where it is not (Node
 * 20), one thread with one warning, and real threads again under --no-liftoff.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { installedNodes } from '../../scripts/node-versions.mjs';
import { v8LosesLocalsAcrossWait } from '../../src/threads/liftoff.js';

const probe = new URL('./wait-probe.mjs', import.meta.url).pathname;
const train = new URL('../threads/train-script.mjs', import.meta.url).pathname;

const nodes = [
  { label: `the machine's Node ${process.versions.node}`, path: process.execPath },
  ...installedNodes().map(({ version, path }) => ({ label: `Node ${version}`, path })),
];

/** Runs `script` on `node`; its last stdout line as JSON, and its stderr. A crash or a hang (2 minutes) fails with what it printed. */
function run(node: string, options: string[], script: string, ...args: string[]) {
  const child = spawnSync(node, [...options, script, ...args], { encoding: 'utf8', timeout: 120_000 });
  const tail = `${child.stdout}\n${child.stderr}`.trim().split('\n').slice(-8).join('\n');
  if (child.status !== 0) throw new Error(`${node} ${[...options, script, ...args].join(' ')} exited with ${child.status ?? child.signal}:\n${tail}`);
  const lines = child.stdout.trim().split('\n');
  return { result: JSON.parse(lines[lines.length - 1]), stderr: child.stderr };
}

/** The warnings wasmgrad printed on stderr (Node prints "(node:PID) [CODE] Warning: …"). */
const engineWarnings = (stderr: string) => stderr.split('\n').filter((line) => line.includes('[WASMGRAD_THREADS_ENGINE]'));

/** One thread's result on each Node, to compare across versions. */
const oneThread = new Map<string, { loss: number[]; hash: number }>();

describe.each(nodes)('$label', ({ label, path }) => {
  it('loses a local across memory.atomic.wait32 under Liftoff exactly when src/threads/liftoff.ts says so, and never under --no-liftoff', () => {
    const plain = run(path, [], probe).result;
    expect(plain.keepsLocal, `${label}, V8 ${plain.v8}: got ${plain.got}`).toBe(!v8LosesLocalsAcrossWait(plain.v8));
    expect(run(path, ['--no-liftoff'], probe).result.keepsLocal).toBe(true);
  });

  it('trains on 2 threads bit for bit as on 1 (on Node 20: one thread and one warning, or real threads with --no-liftoff)', () => {
    const one = run(path, [], train, '1').result;
    expect(one.threads).toBe(1);
    oneThread.set(label, one);
    const { result: two, stderr } = run(path, [], train, '2');
    const { v8 } = run(path, [], probe).result;
    if (v8LosesLocalsAcrossWait(v8)) {
      expect(two.threads).toBe(1);
      const warnings = engineWarnings(stderr);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/init\(\{ threads: 2 \}\) runs on one thread .*--no-liftoff/);
      const flagged = run(path, ['--no-liftoff'], train, '2');
      expect(flagged.result.threads).toBe(2);
      expect(engineWarnings(flagged.stderr)).toEqual([]);
      expect(flagged.result.loss).toEqual(one.loss);
      expect(flagged.result.hash).toBe(one.hash);
    } else {
      expect(two.threads).toBe(2);
      expect(engineWarnings(stderr)).toEqual([]);
    }
    expect(two.loss).toEqual(one.loss);
    expect(two.hash).toBe(one.hash);
  });
});

describe('across Node versions', () => {
  it.runIf(nodes.length > 1)('the same seed gives the same bits on every tested Node', () => {
    const [first, ...others] = [...oneThread.values()];
    expect(oneThread.size).toBe(nodes.length);
    for (const other of others) expect(other).toEqual(first);
  });
});
