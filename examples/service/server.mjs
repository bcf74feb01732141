// A prediction service on node:http (no dependencies beyond wasmgrad): loads a model
// file and answers POST /predict through createPredictor, which runs concurrent
// requests' samples as one batch. See README.md in this folder.
//
//   node examples/service/server.mjs model.wgm        (or MODEL=model.wgm)
//
// Environment: MODEL (the model file, if not given as the argument), PORT (default
// 8080; 0 picks a free one), HOST (default 127.0.0.1), MAX_BODY_BYTES (default 1 MiB),
// MAX_BATCH (default 64), MAX_DELAY_MS (default 1), THREADS (default 1),
// SHUTDOWN_TIMEOUT_MS (default 10000), LOG_REQUESTS=1 (a line as each request arrives),
// PREDICTOR=off (each request runs its own net.predict: for comparison, bench/service.mjs).
// It prints one JSON line per event on stdout: listening (with the port and the number
// of threads init() started), shutting down, stopped.
import http from 'node:http';
import { createPredictor, init, isWasmgradError, load } from 'wasmgrad';

const env = process.env;
const modelPath = process.argv[2] ?? env.MODEL;
if (!modelPath) {
  console.error('usage: node examples/service/server.mjs <model file>   (or set MODEL)');
  process.exit(2);
}
const port = Number(env.PORT ?? 8080);
const host = env.HOST ?? '127.0.0.1';
const maxBodyBytes = Number(env.MAX_BODY_BYTES ?? 1024 * 1024);
const shutdownTimeoutMs = Number(env.SHUTDOWN_TIMEOUT_MS ?? 10_000);
const logRequests = env.LOG_REQUESTS === '1';

const runtime = await init({ threads: Number(env.THREADS ?? 1) });
const net = await load(modelPath);
const predictor = createPredictor(net, { maxBatch: Number(env.MAX_BATCH ?? 64), maxDelayMs: Number(env.MAX_DELAY_MS ?? 1) });
const direct = env.PREDICTOR === 'off';

const log = (event, fields = {}) => console.log(JSON.stringify({ event, ...fields }));

let shuttingDown = false;
/** Requests between arrival and their response's end: shutdown waits for them. */
let inFlight = 0;
let drained = () => {};

/** A client error: answered with its status and message. */
class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  // While shutting down, no connection is kept for another request.
  if (shuttingDown) res.setHeader('connection', 'close');
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The body as text, refused with 413 once it passes maxBodyBytes (by its Content-Length, or as it streams). */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > maxBodyBytes) {
      reject(new HttpError(413, `the body is ${declared} bytes; the limit is ${maxBodyBytes}`));
      return;
    }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        // Stop buffering: the rest is read and dropped.
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `the body passed the limit of ${maxBodyBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** `{ inputs: [...] }` with one sample (numbers) or many (arrays of numbers): the samples, and which it was. */
function parseInputs(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, `malformed JSON: ${error.message}`);
  }
  const inputs = body?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new HttpError(400, 'expected { "inputs": [...] }: one sample (an array of numbers) or many (an array of arrays)');
  }
  const many = Array.isArray(inputs[0]);
  return { samples: many ? inputs : [inputs], many };
}

/** The wasmgrad errors of a bad sample (its length, a value that is not a finite number): the client's fault. */
const isSampleError = (error) => isWasmgradError(error, 'WASMGRAD_SHAPE') || isWasmgradError(error, 'WASMGRAD_INVALID_ARGUMENT');

async function predict(req, res) {
  const { samples, many } = parseInputs(await readBody(req));
  if (direct) {
    let outputs;
    try {
      outputs = net.predict(samples);
    } catch (error) {
      throw isSampleError(error) ? new HttpError(400, error.message) : error;
    }
    return send(res, 200, { outputs: many ? outputs : outputs[0] });
  }
  // Every sample is its own predictor call: the predictor batches them with other requests' samples.
  const results = await Promise.allSettled(samples.map((x) => predictor.predict(x)));
  const failed = results.findIndex((r) => r.status === 'rejected');
  if (failed >= 0) {
    const error = results[failed].reason;
    // The predictor checks each sample (length, finite numbers); its message names x.
    if (isSampleError(error)) {
      throw new HttpError(400, `${many ? `inputs[${failed}]` : 'inputs'}: ${error.message}`);
    }
    throw error;
  }
  const outputs = results.map((r) => Array.from(r.value));
  send(res, 200, { outputs: many ? outputs : outputs[0] });
}

async function handle(req, res) {
  const path = new URL(req.url, 'http://localhost').pathname;
  if (logRequests) log('request', { method: req.method, path });
  if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    if (shuttingDown) return send(res, 503, { status: 'shutting down' });
    return send(res, 200, { status: 'ok', inputSize: net.inputSize, outputSize: net.outputSize, stats: predictor.stats });
  }
  if (path === '/predict') {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return send(res, 405, { error: 'use POST' });
    }
    if (shuttingDown) return send(res, 503, { error: 'shutting down' });
    return predict(req, res);
  }
  return send(res, 404, { error: `no route ${req.method} ${path}` });
}

const server = http.createServer((req, res) => {
  inFlight++;
  res.on('close', () => {
    if (--inFlight === 0) drained();
  });
  handle(req, res).catch((error) => {
    if (error instanceof HttpError) {
      // The rest of an oversized body is read and dropped (by node:http, as the response ends), never buffered: closing
      // the connection on unread data would reset it, and the client could lose the 413 itself.
      send(res, error.status, { error: error.message });
    } else if (error?.code === 'ECONNRESET' && req.destroyed) {
      // The client hung up before its body was in: no one to answer, and nothing went wrong here.
      res.destroy();
    } else {
      console.error(error);
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });
});

server.listen(port, host, () => log('listening', { host, port: server.address().port, model: modelPath, threads: runtime.threads }));

// SIGTERM (or SIGINT): new requests get 503 (a load balancer's health check sees it too), the
// requests already in flight are answered, then the server stops and the process exits 0.
async function shutdown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log('shutting down', { signal, inFlight });
  const timer = setTimeout(() => {
    log('shutdown timed out', { inFlight });
    process.exit(1);
  }, shutdownTimeoutMs);
  if (inFlight > 0) await new Promise((resolve) => { drained = resolve; });
  server.close();
  server.closeAllConnections();
  await predictor.close();
  net.dispose();
  clearTimeout(timer);
  log('stopped');
  // A thread pool's workers would keep the process alive.
  process.exit(0);
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
