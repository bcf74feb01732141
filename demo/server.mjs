#!/usr/bin/env node
/**
 * A tiny static file server (node:http, no dependencies) for the demo, the
 * examples and the browser tests.
 *
 *   node demo/server.mjs [--port 8080] [--host 127.0.0.1] [--root .] [--isolate] [--wasm-type application/octet-stream]
 *
 * --isolate             sends COOP/COEP so pages are crossOriginIsolated (init({ threads }) can use Web Workers)
 * --wasm-type TYPE      serves .wasm with another MIME type, to exercise init()'s non-streaming fallback
 *
 * As a module: `const server = await startServer({ root, port: 0 })` → `{ url, port, close(), requests }`.
 */
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIME_TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.wat': 'text/plain; charset=utf-8',
};

/**
 * Starts serving `root`. Options: `port` (0 = a free one), `host`,
 * `wasmType` (MIME type for .wasm), `isolate` (COOP/COEP headers).
 * Every request is recorded in `requests` as `{ method, path, status, type }`.
 */
export function startServer({ root = process.cwd(), port = 0, host = '127.0.0.1', wasmType = 'application/wasm', isolate = false } = {}) {
  const base = resolve(root);
  const requests = [];

  const server = createServer(async (req, res) => {
    const record = { method: req.method, path: req.url, status: 200, type: '' };
    requests.push(record);
    const securityHeaders = () => (isolate
      ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' }
      : {});
    const send = (status, body, headers = {}) => {
      record.status = status;
      record.type = headers['content-type'] ?? '';
      res.writeHead(status, { 'cache-control': 'no-store', ...securityHeaders(), ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };

    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n', { 'content-type': 'text/plain', allow: 'GET, HEAD' });
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return send(400, 'bad request\n', { 'content-type': 'text/plain' });
    }
    if (pathname.includes('\0')) return send(400, 'bad request\n', { 'content-type': 'text/plain' });
    let file = resolve(join(base, normalize(pathname)));
    if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden\n', { 'content-type': 'text/plain' });

    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        // /demo → /demo/ so that the page's relative URLs resolve inside the folder.
        if (!pathname.endsWith('/')) return send(301, '', { location: `${pathname}/` });
        file = join(file, 'index.html');
        info = await stat(file);
      }
      const ext = extname(file).toLowerCase();
      const type = ext === '.wasm' ? wasmType : (MIME_TYPES[ext] ?? 'application/octet-stream');
      record.status = 200;
      record.type = type;
      res.writeHead(200, { 'content-type': type, 'content-length': info.size, 'cache-control': 'no-store', ...securityHeaders() });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      send(404, `not found: ${pathname}\n`, { 'content-type': 'text/plain' });
    }
  });

  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart);
    server.listen(port, host, () => {
      const address = server.address();
      const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
      resolveStart({
        port: address.port,
        url: `http://${shownHost}:${address.port}`,
        requests,
        server,
        close: () => new Promise((done) => {
          server.closeAllConnections?.();
          server.close(() => done());
        }),
      });
    });
  });
}

function parseArgs(argv) {
  const options = { root: fileURLToPath(new URL('..', import.meta.url)), port: 8080, host: '127.0.0.1', isolate: false, wasmType: 'application/wasm' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--port' || arg === '-p') options.port = Number(value());
    else if (arg === '--host') options.host = value();
    else if (arg === '--root') options.root = value();
    else if (arg === '--isolate') options.isolate = true;
    else if (arg === '--wasm-type') options.wasmType = value();
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node demo/server.mjs [--port 8080] [--host 127.0.0.1] [--root DIR] [--isolate] [--wasm-type TYPE]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg} (try --help)`);
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new Error('--port must be an integer from 0 to 65535');
  return options;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`demo/server.mjs: ${error.message}`);
    process.exit(2);
  }
  const { url } = await startServer(options);
  console.log(`serving ${resolve(options.root)} at ${url}${options.isolate ? ' (cross-origin isolated)' : ''}`);
  console.log(`  demo:            ${url}/demo/`);
  console.log(`  plain ESM:       ${url}/examples/plain/`);
  console.log(`  Web Worker:      ${url}/examples/worker/`);
  console.log(`  Vite build:      ${url}/examples/vite/dist/   (after npm run demo:build)`);
  console.log('Ctrl-C to stop');
}
