/**
 * Issue 10, item 16: the demo server (demo/server.mjs) serves only what the
 * demo, the examples and the browser tests load (demo/, examples/, build/),
 * never the rest of the checkout (.git/, package.json, src/), never a dotfile
 * and never a path that climbs out of its root, however it is spelled.
 * Requests go out raw (node:http), since fetch() would fold the ../ itself.
 */
import { request } from 'node:http';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../demo/server.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** GET (or HEAD) `path` exactly as written: status and content type. */
function get(server: RunningServer, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

let repository: RunningServer;
let folder: RunningServer;
let outside: string;

beforeAll(async () => {
  // A folder served whole (as the Vite test serves its dist/), with a dotfile, a hidden folder and links in and out.
  const dir = mkdtempSync(join(tmpdir(), 'wasmgrad-server-'));
  outside = mkdtempSync(join(tmpdir(), 'wasmgrad-server-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  mkdirSync(join(dir, 'assets'));
  mkdirSync(join(dir, '.hidden'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dist</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'export {};');
  writeFileSync(join(dir, '.env'), 'TOKEN=1');
  writeFileSync(join(dir, '.hidden', 'file.txt'), 'hidden');
  symlinkSync(join(outside, 'secret.txt'), join(dir, 'assets', 'link-out.txt'));
  symlinkSync(join(dir, 'assets', 'app.js'), join(dir, 'assets', 'link-in.js'));
  [repository, folder] = await Promise.all([startServer({ root: ROOT, port: 0 }), startServer({ root: dir, port: 0 })]);
});

afterAll(async () => {
  await repository?.close();
  await folder?.close();
});

describe('serving the repository', () => {
  it.each([
    '/.git/config', '/.git/HEAD', '/package.json', '/src/index.ts', '/test/helpers.ts', '/node_modules/vitest/package.json',
    '/README.md', '/', '/build/.hidden', '/demo/.DS_Store',
  ])('%s: 404', async (path) => {
    expect((await get(repository, path)).status).toBe(404);
    expect((await get(repository, path, 'HEAD')).status).toBe(404);
  });

  it.each([
    '/../etc/passwd', '/%2e%2e/', '/%2e%2e/%2e%2e/etc/passwd', '/demo/../.git/config', '/demo/%2e%2e/package.json', '/build/..%2fsrc/index.ts',
    '/demo%2f..%2f..%2fetc%2fpasswd', '/demo/..%5c..%5cpackage.json', '/demo/%00',
  ])('%s: refused (403 or 404, or 400 for a NUL)', async (path) => {
    const { status, body } = await get(repository, path);
    expect([400, 403, 404]).toContain(status);
    expect(body).not.toContain('root:');
    expect(body).not.toContain('"devDependencies"');
  });

  it('the demo page, the examples and the built module: 200 with their types', async () => {
    expect(await get(repository, '/demo/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect((await get(repository, '/demo')).status).toBe(301);
    expect(await get(repository, '/demo/main.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(await get(repository, '/examples/plain/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await get(repository, '/examples/worker/worker.js')).toMatchObject({ status: 200 });
    expect(await get(repository, '/build/index.js')).toMatchObject({ status: 200, type: 'text/javascript; charset=utf-8' });
    expect(await get(repository, '/build/wasmgrad.wasm', 'HEAD')).toMatchObject({ status: 200, type: 'application/wasm' });
  });
});

describe('serving another folder whole (a Vite dist/)', () => {
  it('serves its files, its index at /', async () => {
    expect(await get(folder, '/')).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await get(folder, '/assets/app.js')).toMatchObject({ status: 200 });
    expect(await get(folder, '/assets/link-in.js')).toMatchObject({ status: 200 });
  });

  it('but not dotfiles, hidden folders, links that lead outside, or paths that climb out', async () => {
    for (const path of ['/.env', '/.hidden/file.txt', '/assets/link-out.txt', `/../${outside.split('/').at(-1)}/secret.txt`, '/%2e%2e/%2e%2e/etc/passwd']) {
      const { status, body } = await get(folder, path);
      expect([403, 404], path).toContain(status);
      expect(body).not.toBe('secret');
    }
  });

  it('a malformed allow-list is refused', () => {
    expect(() => startServer({ root: ROOT, allow: ['../src'] })).toThrow(TypeError);
  });
});
