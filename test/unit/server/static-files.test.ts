import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler } from '../../../src/server/http/static-files.js';

/** Files a game's page loads, by the type each must be served as. */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  'photo.jpg': 'image/jpeg',
  'photo.jpeg': 'image/jpeg',
  'sprite.gif': 'image/gif',
  'sprite.webp': 'image/webp',
  'sprite.avif': 'image/avif',
  'engine.mp3': 'audio/mpeg',
  'engine.ogg': 'audio/ogg',
  'engine.m4a': 'audio/mp4',
  'intro.mp4': 'video/mp4',
  'intro.webm': 'video/webm',
  'font.woff': 'font/woff',
  'font.ttf': 'font/ttf',
  'font.otf': 'font/otf',
  'car.glb': 'model/gltf-binary',
  'car.gltf': 'model/gltf+json',
  'app.webmanifest': 'application/manifest+json',
};
const MEDIA_FILES = Object.keys(MEDIA_TYPES);

let server: http.Server;
let base: string;
let root: string;
/** Requests the handler declined after writing something: the caller could then not answer them. */
const declinedAfterWriting: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'vehikill-static-'));
  const pub = join(root, 'public');
  mkdirSync(join(pub, 'sub'), { recursive: true });
  mkdirSync(join(pub, 'empty'));
  mkdirSync(join(pub, '.git'));
  writeFileSync(join(pub, 'index.html'), '<h1>hi</h1>');
  writeFileSync(join(pub, 'app.js'), 'console.log(1)');
  // Names a bundler gives by content (esbuild's [name]-[hash], webpack's [name].[contenthash]).
  writeFileSync(join(pub, 'chunk-HGFRV4ZL.js'), 'hashed');
  writeFileSync(join(pub, 'main.3f9a1c2b7d.css'), 'hashed');
  // Look alike but are no hashes: a word, a version.
  writeFileSync(join(pub, 'game-fallback.js'), 'named');
  writeFileSync(join(pub, 'lib-12345678.js'), 'named');
  writeFileSync(join(pub, 'font.woff2'), 'w');
  writeFileSync(join(pub, 'ICON.PNG'), 'p');
  writeFileSync(join(pub, 'blob.bin'), 'b');
  // The smallest WebAssembly module: the magic number and version 1.
  writeFileSync(join(pub, 'game.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
  for (const name of MEDIA_FILES) writeFileSync(join(pub, name), 'm');
  writeFileSync(join(pub, 'hello world.txt'), 'spaced');
  writeFileSync(join(pub, 'digits.txt'), '0123456789');
  writeFileSync(join(pub, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 1));
  writeFileSync(join(pub, 'sub', 'index.html'), '<h1>sub</h1>');
  writeFileSync(join(pub, '.env'), 'SECRET=1');
  writeFileSync(join(pub, '.git', 'config'), 'SECRET=1');
  writeFileSync(join(root, 'secret.txt'), 'outside');
  if (process.platform !== 'win32') {
    execFileSync('mkfifo', [join(pub, 'pipe.txt')]);
    // Links out of the root (a file, a folder) must not be followed; links that stay inside may be.
    symlinkSync(join(root, 'secret.txt'), join(pub, 'leak.txt'));
    symlinkSync(root, join(pub, 'outside'));
    symlinkSync(join(pub, 'app.js'), join(pub, 'alias.js'));
    // The root itself reached through a link (a deploy's `current -> releases/N`) still serves.
    symlinkSync(pub, join(root, 'current'));
  }
  const serve = createStaticHandler(join(root, process.platform === 'win32' ? 'public' : 'current'));
  server = http.createServer(async (req, res) => {
    if (await serve(req, res)) return;
    if (res.headersSent) declinedAfterWriting.push(req.url ?? '');
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(root, { recursive: true, force: true });
});

/** Sends the target exactly as written (fetch would normalize `..` away). */
function rawGet(target: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { path: target, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status and Location of a request sent exactly as written. */
function rawRedirect(target: string, method = 'GET'): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}/`, { path: target, method }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ...(res.headers.location === undefined ? {} : { location: res.headers.location }),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  it('serves index.html for / with the right headers', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toBe('<h1>hi</h1>');
  });

  it('has the browser revalidate files named the same from build to build, and keep hashed ones', async () => {
    // A page loaded again after a deploy gets the new index.html: a main.js kept unrevalidated would be the
    // old build's, run against the new page and the new server.
    const cacheControl = async (name: string) =>
      (await fetch(`${base}/${name}`)).headers.get('cache-control');
    for (const name of ['app.js', 'ICON.PNG', 'game.wasm', 'game-fallback.js', 'lib-12345678.js'])
      expect(await cacheControl(name), name).toBe('no-cache');
    // A hashed name changes with its content, so what it names never changes: kept for a year.
    for (const name of ['chunk-HGFRV4ZL.js', 'main.3f9a1c2b7d.css'])
      expect(await cacheControl(name), name).toBe('public, max-age=31536000, immutable');
  });

  it('serves files by type, ignoring the query and decoding escapes', async () => {
    const script = await fetch(`${base}/app.js?v=3`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await script.text()).toBe('console.log(1)');
    expect((await fetch(`${base}/font.woff2`)).headers.get('content-type')).toBe('font/woff2');
    expect((await fetch(`${base}/ICON.PNG`)).headers.get('content-type')).toBe('image/png');
    expect((await fetch(`${base}/blob.bin`)).headers.get('content-type')).toBe('application/octet-stream');
    expect(await rawGet('/hello%20world.txt')).toEqual({ status: 200, body: 'spaced' });
  });

  it('serves WebAssembly as application/wasm, which streaming compilation requires', async () => {
    const wasm = await fetch(`${base}/game.wasm`);
    expect(wasm.headers.get('content-type')).toBe('application/wasm');
    // What a page does with it: refused with a TypeError unless the type is application/wasm.
    await expect(WebAssembly.compileStreaming(fetch(`${base}/game.wasm`))).resolves.toBeInstanceOf(
      WebAssembly.Module,
    );
  });

  it("serves a game's images, sounds, videos, fonts and models by their types", async () => {
    const served: Record<string, string | null> = {};
    for (const name of MEDIA_FILES)
      served[name] = (await fetch(`${base}/${name}`)).headers.get('content-type');
    expect(served).toEqual(MEDIA_TYPES);
  });

  it('serves a directory its index.html, and nothing for a directory without one', async () => {
    expect(await rawGet('/sub/')).toEqual({ status: 200, body: '<h1>sub</h1>' });
    expect((await rawGet('/empty/')).status).toBe(404);
    expect((await rawGet('/empty')).status).toBe(404);
  });

  it("redirects a folder named without its trailing slash, so its page's relative links resolve inside it", async () => {
    // Served as it was, /sub's index.html would load `app.js` from /app.js, not /sub/app.js.
    expect(await rawRedirect('/sub')).toEqual({ status: 301, location: '/sub/' });
    expect(await rawRedirect('/sub?room=ABCD')).toEqual({ status: 301, location: '/sub/?room=ABCD' });
    expect(await rawRedirect('/sub', 'HEAD')).toEqual({ status: 301, location: '/sub/' });
    // Never to another site: '//sub/' in a Location header would be the host 'sub'.
    expect(await rawRedirect('//sub')).toEqual({ status: 301, location: '/sub/' });
  });

  it('sends the part a Range asks for (media seeking, Safari playing audio), and says it can', async () => {
    const whole = await fetch(`${base}/digits.txt`);
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    const part = async (range: string, extra: Record<string, string> = {}) => {
      const response = await fetch(`${base}/digits.txt`, { headers: { range, ...extra } });
      return {
        status: response.status,
        range: response.headers.get('content-range'),
        length: response.headers.get('content-length'),
        body: await response.text(),
      };
    };
    expect(await part('bytes=2-4')).toEqual({ status: 206, range: 'bytes 2-4/10', length: '3', body: '234' });
    expect(await part('bytes=7-')).toMatchObject({ status: 206, range: 'bytes 7-9/10', body: '789' });
    expect(await part('bytes=-2')).toMatchObject({ status: 206, range: 'bytes 8-9/10', body: '89' });
    // Past the end: cut to the file.
    expect(await part('bytes=8-100')).toMatchObject({ status: 206, range: 'bytes 8-9/10', body: '89' });
    // None of it exists: 416, naming the size.
    expect(await part('bytes=10-')).toMatchObject({ status: 416, range: 'bytes */10', body: '' });
    // Several ranges, another unit, nonsense: the whole file, as HTTP allows.
    for (const range of ['bytes=0-1,5-6', 'lines=1-2', 'bytes=x']) {
      expect(await part(range)).toMatchObject({ status: 200, range: null, body: '0123456789' });
    }
    // A part of the version the client holds only: another version's would be stitched to it.
    const lastModified = whole.headers.get('last-modified') ?? '';
    expect(await part('bytes=0-1', { 'if-range': lastModified })).toMatchObject({ status: 206, body: '01' });
    const older = 'Thu, 01 Jan 1970 00:00:00 GMT';
    expect(await part('bytes=0-1', { 'if-range': older })).toMatchObject({ status: 200, body: '0123456789' });
    const head = await fetch(`${base}/digits.txt`, { method: 'HEAD', headers: { range: 'bytes=0-3' } });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([206, '4', '']);
  });

  it('answers 304 to a copy that is still current (If-Modified-Since)', async () => {
    const first = await fetch(`${base}/app.js`);
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(Date.parse(lastModified)).toBeGreaterThan(0);
    const again = await fetch(`${base}/app.js`, { headers: { 'if-modified-since': lastModified } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const stale = await fetch(`${base}/app.js`, {
      headers: { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' },
    });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe('console.log(1)');
  });

  it('sees a rolled-back file for what it is, though it is older than the copy a browser holds', async () => {
    // A deploy's `current` link switched back to the last release: its files are older than the ones
    // browsers fetched meanwhile, so If-Modified-Since alone takes them for unchanged.
    const file = join(root, 'public', 'rollback.js');
    writeFileSync(file, 'v2');
    const newer = await fetch(`${base}/rollback.js`);
    expect(await newer.text()).toBe('v2');
    writeFileSync(file, 'v1!');
    utimesSync(file, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    // What a browser sends to revalidate its copy: every validator the copy came with.
    const validators: Record<string, string> = {};
    const lastModified = newer.headers.get('last-modified');
    const etag = newer.headers.get('etag');
    if (lastModified !== null) validators['if-modified-since'] = lastModified;
    if (etag !== null) validators['if-none-match'] = etag;
    const again = await fetch(`${base}/rollback.js`, { headers: validators });
    expect([again.status, await again.text()]).toEqual([200, 'v1!']);
    // Unchanged, it is a 304 by its ETag, which the 304 repeats; a list or a weak form matches too.
    const current = again.headers.get('etag') ?? '';
    expect(current).toMatch(/^"[^"]+"$/);
    for (const match of [current, `"other", ${current}`, `W/${current}`, '*']) {
      const revalidated = await fetch(`${base}/rollback.js`, { headers: { 'if-none-match': match } });
      expect([revalidated.status, revalidated.headers.get('etag')], match).toEqual([304, current]);
    }
    // A part of the version the client holds, named by its ETag, as by its date.
    const part = await fetch(`${base}/rollback.js`, { headers: { range: 'bytes=0-1', 'if-range': current } });
    expect([part.status, await part.text()]).toEqual([206, 'v1']);
    const stale = await fetch(`${base}/rollback.js`, {
      headers: { range: 'bytes=0-1', 'if-range': etag ?? '"x"' },
    });
    expect([stale.status, await stale.text()]).toEqual([200, 'v1!']);
  });

  it('answers HEAD with the headers only', async () => {
    const head = await fetch(`${base}/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('14');
    expect(await head.text()).toBe('');
  });

  it('refuses another method on a file 405, saying which it takes, in the JSON error shape', async () => {
    for (const [target, method] of [
      ['/app.js', 'POST'],
      ['/app.js', 'PUT'],
      ['/app.js', 'DELETE'],
      // A folder's index.html is a file there too.
      ['/', 'POST'],
      ['/sub/', 'DELETE'],
    ] as const) {
      const response = await fetch(`${base}${target}`, { method });
      expect({ target, method, status: response.status }).toEqual({ target, method, status: 405 });
      expect(response.headers.get('allow')).toBe('GET, HEAD');
      expect(await response.json()).toEqual({ code: 'INVALID_MESSAGE', message: expect.any(String) });
    }
  });

  it('leaves another method on a path with no file to the caller', async () => {
    expect((await rawGet('/missing.js', 'POST')).status).toBe(404);
    expect((await rawGet('/.env', 'POST')).status).toBe(404);
    expect((await rawGet('/../secret.txt', 'DELETE')).status).toBe(404);
  });

  it('refuses traversal, encoded traversal, dotfiles and bad escapes', async () => {
    for (const target of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%2fsecret.txt',
      '/sub/../../secret.txt',
      '/sub/%2e%2e/%2e%2e/secret.txt',
      '/..\\secret.txt',
      '/%5c..%5csecret.txt',
      '/sub/../index.html',
      '/.env',
      '/%2eenv',
      '/.git/config',
      '/sub/.',
      '//secret.txt',
      '/app.js%00.html',
      '/%E0%A4%A',
      '/%',
      '*',
      '/missing.js',
    ]) {
      expect(await rawGet(target), target).toEqual({ status: 404, body: '' });
    }
  });

  it('does not open special files', { skip: process.platform === 'win32' }, async () => {
    // Opening a FIFO would wait for a writer forever; refusing it quickly is the point.
    expect((await rawGet('/pipe.txt')).status).toBe(404);
  });

  it('does not follow symbolic links out of the root', { skip: process.platform === 'win32' }, async () => {
    expect(await rawGet('/leak.txt')).toEqual({ status: 404, body: '' });
    expect(await rawGet('/outside/secret.txt')).toEqual({ status: 404, body: '' });
    expect(await rawGet('/alias.js')).toEqual({ status: 200, body: 'console.log(1)' });
  });

  it('follows a root link switched to another release while it serves', {
    skip: process.platform === 'win32',
  }, async () => {
    // A deploy: releases side by side, `current` switched atomically (a new link renamed over it) while
    // the running node drains; it must serve the release the link names now, not 404 everything.
    const releases = mkdtempSync(join(tmpdir(), 'vehikill-releases-'));
    try {
      for (const release of ['1', '2']) {
        mkdirSync(join(releases, release));
        writeFileSync(join(releases, release, 'main.js'), `release ${release}`);
      }
      symlinkSync(join(releases, '1'), join(releases, 'current'));
      const serve = createStaticHandler(join(releases, 'current'));
      const deployed = http.createServer(async (req, res) => {
        if (await serve(req, res)) return;
        res.writeHead(404);
        res.end();
      });
      await new Promise<void>((resolve) => deployed.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(deployed.address() as AddressInfo).port}/main.js`;
      try {
        expect(await (await fetch(url)).text()).toBe('release 1');
        symlinkSync(join(releases, '2'), join(releases, 'next'));
        renameSync(join(releases, 'next'), join(releases, 'current'));
        const after = await fetch(url);
        expect([after.status, await after.text()]).toEqual([200, 'release 2']);
      } finally {
        deployed.closeAllConnections();
        await new Promise<void>((resolve) => deployed.close(() => resolve()));
      }
    } finally {
      rmSync(releases, { recursive: true, force: true });
    }
  });

  it('never writes before declining', () => {
    expect(declinedAfterWriting).toEqual([]);
  });

  it('survives a client that goes away mid-download', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${base}/big.bin`, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (error) => (req.destroyed ? undefined : reject(error)));
    });
    expect(await rawGet('/app.js')).toEqual({ status: 200, body: 'console.log(1)' });
  });
});
