/**
 * Load test of examples/service/server.mjs with autocannon, with and without
 * createPredictor (PREDICTOR=off: each request runs its own net.predict), on
 * sigmoid MLPs 784-128-10, 1024-1024-1024-10 and 2048-2048-2048-10 (its 33.6 MB
 * of weights larger than this machine's 32 MiB L3), on one thread and on the
 * threads build. Each request POSTs one sample, from `--connections` keep-alive
 * connections (one request in flight each, no pipelining) against 127.0.0.1
 * only, for `--seconds` after a one-second warm-up. It reports requests/s and
 * p50/p99 latency (of the 200 answers, measured per request from autocannon's
 * response events, to the microsecond).
 *
 * The server runs in its own process, started afresh for every run. The load
 * generator shares the machine's cores with it, and other load on the machine
 * moves the numbers: so each configuration runs `--rounds` times, alternating
 * which of with/without goes first, and the table shows the median and the
 * range [min–max] over the rounds; `ratio` is with ÷ without within a round,
 * `mean batch` the predictor's mean batch size (its stats from /healthz, warm-up included).
 *
 *   node bench/service.mjs [--seconds 5] [--connections 64] [--threads 1,2] [--only 784,wide,wider] [--rounds 3]
 *   npm run bench:service   (the three networks, 1 and 2 threads, 3 rounds: about 4 minutes)
 *
 * On Node 20 the server gets --no-liftoff so that the threads build runs real
 * threads (src/threads/liftoff.ts); the `threads` column shows the count the
 * server's init() reported. The issue's target (one thread, 64 connections,
 * wide network): the predictor gives ≥ 1.25× the requests/s of per-request
 * predict, with p99 no worse than 2×.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { dense, init, save, sequential } from '../build/index.node.js';
import { v8LosesLocalsAcrossWait } from '../build/threads/liftoff.js';
import { median } from './harness.mjs';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    only: { type: 'string', default: '784,wide,wider' },
    rounds: { type: 'string', default: '3' },
  },
});

/** A whole number in [min, max], or exit naming the option: the load is bounded in time and connections. */
function bounded(name, min, max) {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(args[name])}`);
    process.exit(2);
  }
  return value;
}
const SECONDS = bounded('seconds', 1, 60);
const CONNECTIONS = bounded('connections', 1, 256);
const ROUNDS = bounded('rounds', 1, 10);
const THREADS = args.threads.split(',').map((t) => Number(t));
const SERVER = fileURLToPath(new URL('../examples/service/server.mjs', import.meta.url));
const NODE_FLAGS = v8LosesLocalsAcrossWait(process.versions.v8) ? ['--no-liftoff'] : [];

const NETWORKS = {
  784: { inputSize: 784, units: [128, 10] },
  wide: { inputSize: 1024, units: [1024, 1024, 10] },
  // 33.6 MB of weights, more than this machine's 32 MiB L3: one-row products run at memory bandwidth, batched ones do not.
  wider: { inputSize: 2048, units: [2048, 2048, 10] },
};
for (const name of args.only.split(',')) {
  if (!(name in NETWORKS)) {
    console.error(`--only takes ${Object.keys(NETWORKS).join(', ')}, got ${name}`);
    process.exit(2);
  }
}

/** The server on a free port of 127.0.0.1; resolves once it prints its `listening` line. */
function startServer(model, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, SERVER, model], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line) => {
      const event = JSON.parse(line.split('\n')[0]);
      if (event.event === 'listening') resolve({ child, url: `http://127.0.0.1:${event.port}`, threads: event.threads });
      else reject(new Error(`unexpected first line ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening`)));
  });
}

async function stopServer(child) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** The value at quantile p of sorted values (nearest rank). */
const at = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];

/** One autocannon run of one-sample POSTs: requests/s of 200 answers, their p50/p99 latency (ms), and everything else counted as errors. */
async function load(url, body) {
  const latencies = [];
  const run = autocannon({
    url: `${url}/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: SECONDS,
    timeout: 10,
    warmup: { connections: CONNECTIONS, duration: 1 },
  });
  run.on('response', (_client, status, _bytes, ms) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await run;
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / result.duration,
    p50: at(latencies, 0.5),
    p99: at(latencies, 0.99),
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** `median [min–max]` of a round's values, with `digits` decimals. */
function spread(values, digits) {
  if (values.length === 1) return values[0].toFixed(digits);
  return `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}]`;
}

await init();
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-bench-service-'));
const rows = [];
try {
  for (const name of args.only.split(',')) {
    const shape = NETWORKS[name];
    const net = sequential({
      inputSize: shape.inputSize, seed: 1, layers: shape.units.map((units) => dense(units, { activation: 'sigmoid' })),
    });
    const model = join(dir, `${name}.wgm`);
    await save(net, model);
    net.dispose();
    const sample = JSON.stringify({ inputs: Array.from({ length: shape.inputSize }, (_, i) => Math.sin(i)) });
    for (const threads of THREADS) {
      const runs = { off: [], on: [] };
      const threadsSeen = new Set();
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which goes first, so that a drift in the machine's other load favours neither.
        for (const mode of round % 2 === 0 ? ['off', 'on'] : ['on', 'off']) {
          const server = await startServer(model, { PREDICTOR: mode, THREADS: String(threads) });
          threadsSeen.add(server.threads);
          try {
            const result = await load(server.url, sample);
            // The predictor's own count: how many samples its batches held on average.
            const health = await (await fetch(`${server.url}/healthz`)).json();
            runs[mode].push({ ...result, batch: health.stats.meanBatchSize });
          } finally {
            await stopServer(server.child);
          }
        }
      }
      const { off, on } = runs;
      const pick = (list, key) => list.map((r) => r[key]);
      rows.push({
        network: `${shape.inputSize}-${shape.units.join('-')}`,
        threads: [...threadsSeen].join('/'),
        'req/s per-request': spread(pick(off, 'rps'), 0),
        'req/s predictor': spread(pick(on, 'rps'), 0),
        ratio: spread(on.map((r, i) => r.rps / off[i].rps), 2),
        'p50 ms per-request': spread(pick(off, 'p50'), 1),
        'p50 ms predictor': spread(pick(on, 'p50'), 1),
        'p99 ms per-request': spread(pick(off, 'p99'), 1),
        'p99 ms predictor': spread(pick(on, 'p99'), 1),
        'mean batch': spread(pick(on, 'batch'), 1),
        errors: [...off, ...on].reduce((sum, r) => sum + r.errors, 0),
      });
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`autocannon, ${CONNECTIONS} connections, one sample per request, ${SECONDS} s per run after a 1 s warm-up, `
  + `${ROUNDS} round(s) (median [min–max]), Node ${process.versions.node}${NODE_FLAGS.length ? ` (server ${NODE_FLAGS.join(' ')})` : ''}`);
console.table(rows);
