import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler } from '../../../src/server/http/static-files.js';

let server: http.Server;
let base: string;
beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'vehikill-static-'));
  mkdirSync(join(root, 'public'));
  writeFileSync(join(root, 'public', 'index.html'), '<h1>hi</h1>');
  writeFileSync(join(root, 'public', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'public', '.env'), 'SECRET=1');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  const serve = createStaticHandler(join(root, 'public'));
  server = http.createServer(async (req, res) => {
    if (!(await serve(req, res))) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends the path exactly as written (fetch would normalize `..` away). */
function rawGet(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  it('serves index.html for / with the right headers, and other files by type', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toBe('<h1>hi</h1>');
    expect((await fetch(`${base}/app.js`)).headers.get('content-type')).toMatch(/javascript/);
  });

  it('refuses traversal, encoded traversal, dotfiles and bad escapes', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/.env',
      '/%E0%A4%A',
      '/missing.js',
    ]) {
      expect(await rawGet(path), path).toBe(404);
    }
  });
});
