/**
 * The example service (examples/service/server.mjs), run as a child process on
 * a free port: every route and status code, answers compared with net.predict
 * of the saved network, the 400 and 413 paths leave it serving, and SIGTERM
 * answers the request in flight, refuses new ones with 503, then exits 0.
 * The server imports 'wasmgrad', that is build/ (npm test builds first).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dense, save, sequential, type Network } from '../../src/index.js';
import { Random } from '../../src/random.js';
import { initFromBuild } from '../helpers.js';

const SERVER = new URL('../../examples/service/server.mjs', import.meta.url).pathname;
const MAX_BODY_BYTES = 2048;

interface Service {
  child: ChildProcess;
  url: string;
  /** The JSON lines printed so far. */
  events: Record<string, unknown>[];
  /** Resolves with the first event (from now on, or already printed) that `match` accepts. */
  waitFor: (match: (event: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
  /** What it wrote on stderr so far: a crash's stack, or an error it logged. */
  stderr: () => string;
}

async function startService(model: string, env: Record<string, string> = {}): Promise<Service> {
  const child = spawn(process.execPath, [SERVER, model], {
    env: { ...process.env, PORT: '0', MAX_BODY_BYTES: String(MAX_BODY_BYTES), LOG_REQUESTS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const events: Record<string, unknown>[] = [];
  const waiters: { match: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }[] = [];
  let pending = '';
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr += chunk; });
  child.stdout?.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const event = JSON.parse(line);
      events.push(event);
      for (const waiter of [...waiters]) {
        if (waiter.match(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = (match: (e: Record<string, unknown>) => boolean) => {
    const seen = events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push({ match, resolve });
      void exited.then((code) => reject(new Error(`the service exited (${code}) first: ${stderr}`)));
    });
  };
  const listening = await waitFor((e) => e.event === 'listening');
  return { child, url: `http://127.0.0.1:${listening.port}`, events, waitFor, exited, stderr: () => stderr };
}

/** A request with node:http (fetch cannot send a body without Content-Length in parts, nor leave one unfinished). */
function request(url: string, method: string, path: string, body?: string | string[], headers: Record<string, string> = {}):
Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}${path}`, { method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk) => { text += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    for (const part of Array.isArray(body) ? body : body === undefined ? [] : [body]) req.write(part);
    req.end();
  });
}

function post(url: string, body: unknown) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return request(url, 'POST', '/predict', text, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
}

function expectRowsClose(actual: unknown, expected: readonly (readonly number[])[]): void {
  const rows = actual as number[][];
  expect(rows.length).toBe(expected.length);
  rows.forEach((row, i) => {
    expect(row.length).toBe(expected[i].length);
    row.forEach((v, j) => expect(Math.abs(v - expected[i][j])).toBeLessThanOrEqual(1e-6 * Math.abs(expected[i][j]) + 1e-9));
  });
}

let dir: string;
let model: string;
let net: Network;
const random = new Random(3);
const xs = Array.from({ length: 20 }, () => Array.from({ length: 5 }, () => random.uniform(-1, 1)));

beforeAll(async () => {
  await initFromBuild();
  dir = mkdtempSync(join(tmpdir(), 'wasmgrad-service-'));
  model = join(dir, 'model.wgm');
  net = sequential({ inputSize: 5, seed: 9, layers: [dense(12, { activation: 'tanh' }), dense(3, { activation: 'softmax' })] });
  await save(net, model);
});

afterAll(() => {
  net.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('examples/service', () => {
  let service: Service;
  beforeAll(async () => {
    // A long delay: a request's samples (all queued in one turn) go as one batch, whatever the machine's speed.
    service = await startService(model, { MAX_DELAY_MS: '20' });
  });
  afterAll(async () => {
    service.child.kill('SIGKILL');
    await service.exited;
  });

  it('GET /healthz: 200 with the model\'s sizes and the predictor\'s stats', async () => {
    const { status, json } = await request(service.url, 'GET', '/healthz');
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'ok', inputSize: 5, outputSize: 3, stats: { batches: 0, calls: 0 } });
  });

  it('POST /predict: one sample gives one row, many give rows, as net.predict; a request\'s samples run as one batch', async () => {
    const one = await post(service.url, { inputs: xs[0] });
    expect(one.status).toBe(200);
    expectRowsClose([one.json.outputs], net.predict([xs[0]]));
    const many = await post(service.url, { inputs: xs });
    expect(many.status).toBe(200);
    expectRowsClose(many.json.outputs, net.predict(xs));
    // The 20 samples of one request went as one batch.
    expect((await request(service.url, 'GET', '/healthz')).json.stats).toMatchObject({ calls: 21, batches: 2, pending: 0 });
    // Concurrent requests: each gets its own rows.
    const answers = await Promise.all(xs.map((x) => post(service.url, { inputs: x })));
    answers.forEach((answer, i) => {
      expect(answer.status).toBe(200);
      expectRowsClose([answer.json.outputs], net.predict([xs[i]]));
    });
    const stats = (await request(service.url, 'GET', '/healthz')).json.stats as { calls: number; batches: number };
    expect(stats.calls).toBe(21 + 20);
    expect(stats.batches).toBeLessThanOrEqual(2 + 20);
  });

  it('400 for malformed JSON or wrong shapes, 404, 405, 413 over the body limit; it keeps serving', async () => {
    const bad: [string, RegExp][] = [
      ['{"inputs": [1, 2', /malformed JSON/],
      ['not json', /malformed JSON/],
      [JSON.stringify({ input: xs[0] }), /expected \{ "inputs": \[\.\.\.\] \}/],
      [JSON.stringify({ inputs: [] }), /expected \{ "inputs"/],
      [JSON.stringify({ inputs: 'abc' }), /expected \{ "inputs"/],
      ['null', /expected \{ "inputs"/],
      [JSON.stringify({ inputs: [1, 2, 3] }), /inputs: Predictor\.predict: x has 3 values, expected 5/],
      [JSON.stringify({ inputs: [1, 2, 3, 4, '5'] }), /inputs: Predictor\.predict: x\[4\] must be a finite number, got "5"/],
      [JSON.stringify({ inputs: [xs[0], [1, 2]] }), /inputs\[1\]: Predictor\.predict: x has 2 values, expected 5/],
      [JSON.stringify({ inputs: [xs[0], 7] }), /inputs\[1\]: Predictor\.predict: x must be an array of 5 numbers/],
      [JSON.stringify({ inputs: [[1, 2, 3, 4, 1e39]] }), /inputs\[0\]: .*x\[4\] must be a finite number that float32 can hold/],
    ];
    for (const [body, message] of bad) {
      const { status, json } = await post(service.url, body);
      expect(status, body).toBe(400);
      expect(json.error).toMatch(message);
    }
    expect((await request(service.url, 'GET', '/nowhere')).status).toBe(404);
    expect((await request(service.url, 'GET', '/predict')).status).toBe(405);
    // Over the limit by Content-Length, and by a chunked body that passes it as it streams.
    const big = JSON.stringify({ inputs: Array.from({ length: 100 }, () => xs[0]) });
    expect(big.length).toBeGreaterThan(MAX_BODY_BYTES);
    const declared = await post(service.url, big);
    expect(declared.status).toBe(413);
    expect(declared.json.error).toMatch(/the limit is 2048/);
    const streamed = await request(service.url, 'POST', '/predict', [big.slice(0, 1500), big.slice(1500)], { 'transfer-encoding': 'chunked' });
    expect(streamed.status).toBe(413);
    expect(streamed.json.error).toMatch(/passed the limit of 2048 bytes/);
    // Still serving, and right.
    const after = await post(service.url, { inputs: xs[1] });
    expect(after.status).toBe(200);
    expectRowsClose([after.json.outputs], net.predict([xs[1]]));
    expect((await request(service.url, 'GET', '/healthz')).status).toBe(200);
    expect(service.child.exitCode).toBeNull();
    expect(service.stderr()).toBe('');
  });

  it('good and bad requests at once, and clients that hang up mid-body: each good one gets its rows, each bad one 400, nothing crashes or logs', async () => {
    const requestsSoFar = () => service.events.filter((e) => e.event === 'request').length;
    // Three clients send half a body and hang up once the service has their request.
    const seen = requestsSoFar();
    const hangUps = Array.from({ length: 3 }, () => {
      const req = http.request(`${service.url}/predict`, { method: 'POST', headers: { 'content-length': '200' }, agent: false });
      req.on('error', () => {});
      req.write('{"inputs": [0.5, ');
      return req;
    });
    await service.waitFor(() => requestsSoFar() >= seen + 3);
    for (const req of hangUps) req.destroy();
    // Within the 20 ms batch window: bad samples land in the same batches as good ones.
    const bodies = xs.flatMap((x, i) => [{ inputs: x }, i % 2 ? { inputs: x.slice(1) } : { inputs: [...x.slice(1), 'NaN'] }]);
    const answers = await Promise.all(bodies.map((body) => post(service.url, body)));
    answers.forEach((answer, k) => {
      if (k % 2) {
        expect(answer.status).toBe(400);
        expect(answer.json.error).toMatch(/^inputs: Predictor\.predict: x/);
      } else {
        expect(answer.status).toBe(200);
        expectRowsClose([answer.json.outputs], net.predict([xs[k / 2]]));
      }
    });
    const health = await request(service.url, 'GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.json.stats).toMatchObject({ pending: 0 });
    expect(service.child.exitCode).toBeNull();
    expect(service.stderr()).toBe('');
  });
});

describe('examples/service: PREDICTOR=off (per-request net.predict, for bench/service.mjs)', () => {
  it('answers the same, and 400 for a wrong shape', async () => {
    const service = await startService(model, { PREDICTOR: 'off' });
    try {
      const one = await post(service.url, { inputs: xs[0] });
      expect(one.status).toBe(200);
      expectRowsClose([one.json.outputs], net.predict([xs[0]]));
      const many = await post(service.url, { inputs: xs });
      expectRowsClose(many.json.outputs, net.predict(xs));
      const bad = await post(service.url, { inputs: [xs[0], [1, 2]] });
      expect(bad.status).toBe(400);
      expect(bad.json.error).toMatch(/Network\.predict: inputs\[1\] has 2 values, expected 5/);
      expect((await request(service.url, 'GET', '/healthz')).json.stats).toMatchObject({ calls: 0, batches: 0 });
    } finally {
      service.child.kill('SIGKILL');
      await service.exited;
    }
  });
});

describe('examples/service: shutdown', () => {
  it('SIGTERM answers the request in flight, refuses new ones with 503, then exits 0', async () => {
    const service = await startService(model);
    const requestsSoFar = () => service.events.filter((e) => e.event === 'request').length;
    // A request in flight: its headers are in, its body not yet.
    const body = JSON.stringify({ inputs: xs[2] });
    const seen = requestsSoFar();
    let finish: () => void = () => {};
    const inFlight = new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = http.request(`${service.url}/predict`, { method: 'POST', headers: { 'content-length': String(body.length) }, agent: false }, (res) => {
        let text = '';
        res.on('data', (chunk) => { text += chunk; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      finish = () => req.end(body.slice(10));
    });
    await service.waitFor((e) => e.event === 'request' && requestsSoFar() > seen);
    service.child.kill('SIGTERM');
    expect(await service.waitFor((e) => e.event === 'shutting down')).toMatchObject({ signal: 'SIGTERM', inFlight: 1 });
    // Draining: new requests get 503 (and so does the health check, for a load balancer).
    const health = await request(service.url, 'GET', '/healthz');
    expect(health).toEqual({ status: 503, json: { status: 'shutting down' } });
    const refused = await post(service.url, { inputs: xs[3] });
    expect(refused).toEqual({ status: 503, json: { error: 'shutting down' } });
    expect(service.events.some((e) => e.event === 'stopped')).toBe(false);
    finish();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expectRowsClose([answer.json.outputs], net.predict([xs[2]]));
    expect(await service.exited).toBe(0);
    expect(service.events.at(-1)).toEqual({ event: 'stopped' });
  });
});
