#!/usr/bin/env node
/**
 * A tiny static file server (node:http, no dependencies) for the demo, the
 * examples and the browser tests.
 *
 *   node demo/server.mjs [--port 8080] [--host 127.0.0.1] [--root .] [--isolate] [--wasm-type application/octet-stream]
 *
 * Serving the repository, it serves only what the pages load: demo/, examples/
 * and build/ (REPOSITORY_PATHS); src/, package.json, .git/ and the rest are
 * 404. Any other root (a Vite dist/ folder, say) is served whole. Everywhere,
 * names starting with a dot (.git, .env) are 404, paths that climb out of the
 * root (.., encoded or not) are 403, and a symbolic link is followed only when
 * its target is itself servable.
 *
 * --isolate             sends COOP/COEP so pages are crossOriginIsolated (init({ threads }) can use Web Workers)
 * --wasm-type TYPE      serves .wasm with another MIME type, to exercise init()'s non-streaming fallback
 *
 * As a module: `const server = await startServer({ root, port: 0 })` → `{ url, port, close(), requests }`.
 */
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout this file belongs to. */
const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Top-level folders of the repository that the demo, the examples and the browser tests load: nothing else is served from it. */
export const REPOSITORY_PATHS = Object.freeze(['demo', 'examples', 'build']);

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
 * `wasmType` (MIME type for .wasm), `isolate` (COOP/COEP headers), `allow`
 * (the top-level names served, or '*' for all; default REPOSITORY_PATHS when
 * `root` is the repository, '*' otherwise).
 * Every request is recorded in `requests` as `{ method, path, status, type }`.
 */
export function startServer({ root = process.cwd(), port = 0, host = '127.0.0.1', wasmType = 'application/wasm', isolate = false, allow } = {}) {
  const base = resolve(root);
  const allowed = allow ?? (isSameFolder(base, REPOSITORY_ROOT) ? REPOSITORY_PATHS : '*');
  if (allowed !== '*' && !(Array.isArray(allowed) && allowed.every((name) => typeof name === 'string' && name !== '' && !/[\\/]/.test(name)))) {
    throw new TypeError(`startServer: allow must be '*' or an array of top-level names, got ${JSON.stringify(allow)}`);
  }
  const requests = [];
  // The root's real path, so symbolic links are judged by where they lead (resolved once: the root does not move).
  const realBase = realpath(base).catch(() => base);

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
    // The URL parser already folds /../ and /%2e%2e/; what remains after decoding (%2F..%2F, backslashes) is refused here.
    const segments = pathname.split('/').filter((segment) => segment !== '');
    if (pathname.includes('\\') || segments.some((segment) => segment === '..' || segment === '.')) {
      return send(403, 'forbidden\n', { 'content-type': 'text/plain' });
    }
    // Dotfiles (.git/, .env) and anything outside the allow-list: 404, so their existence is not revealed either.
    if (segments.some((segment) => segment.startsWith('.')) || (allowed !== '*' && !allowed.includes(segments[0]))) {
      return send(404, `not found: ${pathname}\n`, { 'content-type': 'text/plain' });
    }
    let file = join(base, ...segments);

    try {
      if (!servable(await realBase, await realpath(file), allowed)) return send(404, `not found: ${pathname}\n`, { 'content-type': 'text/plain' });
      let info = await stat(file);
      if (info.isDirectory()) {
        // /demo → /demo/ so that the page's relative URLs resolve inside the folder.
        if (!pathname.endsWith('/')) return send(301, '', { location: `${pathname}/` });
        file = join(file, 'index.html');
        if (!servable(await realBase, await realpath(file), allowed)) return send(404, `not found: ${pathname}\n`, { 'content-type': 'text/plain' });
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

function isSameFolder(a, b) {
  return relative(resolve(a), resolve(b)) === '';
}

/**
 * Whether `real` (a file's real path, links resolved) is the root itself or
 * lies inside it, below an allowed top-level name, with no dot-named part.
 */
function servable(realBase, real, allowed) {
  const inside = relative(realBase, real);
  if (inside === '') return true; // the root folder: only its index.html is served, checked on its own
  const parts = inside.split(sep);
  if (isAbsolute(inside) || parts[0] === '..') return false;
  return !parts.some((part) => part.startsWith('.')) && (allowed === '*' || allowed.includes(parts[0]));
}

function parseArgs(argv) {
  const options = { root: fileURLToPath(new URL('..', import.meta.url)), port: 8080, host: '127.0.0.1', isolate: false, wasmType: 'application/wasm' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--port' || arg === '-p') {
      const port = value();
      options.port = /^\d+$/.test(port) ? Number(port) : NaN; // plain digits: Number() would take '0x10' and ''
    }
    else if (arg === '--host') options.host = value();
    else if (arg === '--root') options.root = value();
    else if (arg === '--isolate') options.isolate = true;
    else if (arg === '--wasm-type') options.wasmType = value();
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node demo/server.mjs [--port 8080] [--host 127.0.0.1] [--root DIR] [--isolate] [--wasm-type TYPE]\n'
        + 'Serving the repository, only demo/, examples/ and build/ are served; any other --root is served whole (never dotfiles).');
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
