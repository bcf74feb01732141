/**
 * Load test of examples/service/server.mjs, with and without createPredictor
 * (PREDICTOR=off: each request runs its own net.predict), on sigmoid MLPs
 * 784-128-10 and 1024-1024-1024-10. A dependency-free load generator (node:http,
 * keep-alive, `--connections` requests in flight, each POSTing one sample,
 * against 127.0.0.1 only, for `--seconds`) reports requests/s and p50/p99
 * latency. The server runs in its own process; on a machine with few cores
 * the generator competes with it, so compare rows of one run, not machines.
 *
 *   node bench/service.mjs [--seconds 5] [--connections 64] [--threads 1,2] [--only 784,wide]
 *
 * The target (one thread, 64 connections, wide network): the predictor
 * gives ≥ 1.25× the requests/s of per-request predict, with p99 no worse than 2×.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { dense, init, save, sequential } from '../build/index.node.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '64' },
    threads: { type: 'string', default: '1' },
    only: { type: 'string', default: '784,wide' },
  },
});
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const SERVER = fileURLToPath(new URL('../examples/service/server.mjs', import.meta.url));
// Node 20's V8 needs --no-liftoff for real threads (src/threads/liftoff.ts); harmless elsewhere.
const NODE_FLAGS = Number(process.versions.node.split('.')[0]) < 21 ? ['--no-liftoff'] : [];

const NETWORKS = {
  784: { inputSize: 784, units: [128, 10] },
  wide: { inputSize: 1024, units: [1024, 1024, 10] },
};

await init();
const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-bench-service-'));

function startServer(model, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, SERVER, model], {
      env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (line) => {
      const event = JSON.parse(line.split('\n')[0]);
      if (event.event === 'listening') resolve({ child, url: `http://127.0.0.1:${event.port}` });
      else reject(new Error(`unexpected first line ${line}`));
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

/** `CONNECTIONS` loops, each sending its next request when the last is answered, for SECONDS. */
async function load(url, body) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const latencies = [];
  let errors = 0;
  const end = performance.now() + SECONDS * 1000;
  const one = () => new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(`${url}/predict`, {
      method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) latencies.push(performance.now() - started);
        else errors++;
        resolve();
      });
    });
    req.on('error', () => { errors++; resolve(); });
    req.end(body);
  });
  const started = performance.now();
  await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    while (performance.now() < end) await one();
  }));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
}

const rows = [];
for (const name of args.only.split(',')) {
  const shape = NETWORKS[name];
  const net = sequential({
    inputSize: shape.inputSize, seed: 1, layers: shape.units.map((units) => dense(units, { activation: 'sigmoid' })),
  });
  const model = join(dir, `${name}.wgm`);
  await save(net, model);
  const sample = JSON.stringify({ inputs: Array.from({ length: shape.inputSize }, (_, i) => Math.sin(i)) });
  net.dispose();
  for (const threads of args.threads.split(',')) {
    const results = {};
    for (const mode of ['off', 'on']) {
      const { child, url } = await startServer(model, { PREDICTOR: mode, THREADS: threads });
      results[mode] = await load(url, sample);
      child.kill('SIGKILL');
    }
    const { off, on } = results;
    rows.push({
      network: `${shape.inputSize}-${shape.units.join('-')}`, threads,
      'req/s per-request': off.rps.toFixed(0), 'req/s predictor': on.rps.toFixed(0), ratio: (on.rps / off.rps).toFixed(2),
      'p50 ms (per-request / predictor)': `${off.p50.toFixed(2)} / ${on.p50.toFixed(2)}`,
      'p99 ms (per-request / predictor)': `${off.p99.toFixed(2)} / ${on.p99.toFixed(2)}`,
      errors: off.errors + on.errors,
    });
  }
}
rmSync(dir, { recursive: true, force: true });
console.log(`${CONNECTIONS} connections, ${SECONDS} s per row, Node ${process.versions.node}`);
console.table(rows);
