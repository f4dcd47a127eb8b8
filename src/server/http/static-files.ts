import { type Stats, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { ErrorCode } from '../../protocol/index.js';
import { cacheControlFor } from './cache-policy.js';
import { answerError } from './json-answer.js';
import { entityTag, notModified, requestedPart } from './requested-part.js';

/**
 * What a game's page loads. Sent with `nosniff`, so a browser takes the type as given: WebAssembly must be
 * application/wasm (`WebAssembly.instantiateStreaming` refuses anything else) and the rest their own.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.glb': 'model/gltf-binary',
  '.gltf': 'model/gltf+json',
};

/**
 * Serves GET/HEAD for files under `rootDir`; another method on a file is answered 405 INVALID_MESSAGE
 * with `Allow: GET, HEAD`. Resolves to false, having written nothing, when there is no such file, whatever
 * the method, so the caller decides what a miss means. A folder with an index.html
 * named without its trailing slash is redirected (301) to the name with it. Traversal, dotfiles and
 * undecodable paths count as misses: they say nothing about what exists. So does a symbolic link that
 * leads out of the root: the path names a file inside, but what would be read is outside.
 */
export function createStaticHandler(
  rootDir: string,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const root = resolve(rootDir);
  return async (req, res) => {
    const target = req.url;
    if (target === undefined) return false;
    const file = fileFor(root, target);
    if (file === undefined) return false;
    // The root's real path, found for each request: the root may be a link (a deploy's `current`) that is
    // switched to another release while this process serves (draining, say). Found once, every file of
    // the new release lay outside the old one's folder, and each was a 404 until a restart.
    const within = await realpath(root).catch(() => undefined);
    if (within === undefined) return false;
    const opened = await openFile(file, within);
    if (!opened) return false;
    const { handle, path, size } = opened;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      // The path names a file, so "no such path" (404) would be untrue: the method is what is wrong.
      await handle.close().catch(() => {});
      answerError(res, 405, ErrorCode.INVALID_MESSAGE, 'a file is only read: use GET or HEAD', {
        allow: 'GET, HEAD',
      });
      return true;
    }
    if (opened.folderIndex && !pathOf(target).endsWith('/')) {
      // Served at `/sub`, the folder's page would resolve its relative links (`app.js`) against `/`.
      await handle.close().catch(() => {});
      res.writeHead(301, { location: withTrailingSlash(target), 'cache-control': 'no-cache' });
      res.end();
      return true;
    }
    const type = CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    const lastModified = new Date(opened.modifiedMs).toUTCString();
    const etag = entityTag(size, opened.modifiedMs);
    const headers = {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'cache-control': cacheControlFor(path),
      'last-modified': lastModified,
      etag,
      'accept-ranges': 'bytes',
    };
    if (notModified(req, etag, opened.modifiedMs)) {
      await handle.close().catch(() => {});
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const part = requestedPart(req, size, lastModified, etag);
    if (part === 'unsatisfiable') {
      await handle.close().catch(() => {});
      res.writeHead(416, { 'content-range': `bytes */${size}`, 'cache-control': 'no-store' });
      res.end();
      return true;
    }
    if (part === 'whole') {
      res.writeHead(200, { ...headers, 'content-length': size });
    } else {
      res.writeHead(206, {
        ...headers,
        'content-length': part.end - part.start + 1,
        'content-range': `bytes ${part.start}-${part.end}/${size}`,
      });
    }
    if (req.method === 'HEAD') {
      await handle.close().catch(() => {});
      res.end();
      return true;
    }
    const stream = handle.createReadStream(part === 'whole' ? {} : { start: part.start, end: part.end });
    // Headers are out, so a read failure can only cut the response short; a gone client frees the file.
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    stream.pipe(res);
    return true;
  };
}

/**
 * Whether `target` names a file under `rootDir` (or a folder with an index.html), as the handler would
 * find it, said at once: an app sharing its server (`GameServer.handleRequest`) must know in the same
 * turn whether to answer the request itself. A stat of a local file takes microseconds; the handler's own
 * checks (links leading out of the root, the file gone meanwhile) still run when it serves the file.
 */
export function namesStaticFile(rootDir: string, target: string | undefined): boolean {
  const file = target === undefined ? undefined : fileFor(resolve(rootDir), target);
  if (file === undefined) return false;
  const found = statOrNothing(file);
  if (found?.isFile()) return true;
  return found?.isDirectory() === true && statOrNothing(resolve(file, 'index.html'))?.isFile() === true;
}

/** What a path is, or undefined for nothing readable there (missing, a file taken for a folder, denied). */
function statOrNothing(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The path of a request target, still encoded: what comes before its query. */
function pathOf(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** `target` with a slash after its path, the query kept; from one leading slash, never `//host/...`. */
function withTrailingSlash(target: string): string {
  const path = pathOf(target);
  return `${path.replace(/^\/+/, '/')}/${target.slice(path.length)}`;
}

/** Maps a request target to a path inside `root`, or undefined when it must not be served. */
function fileFor(root: string, target: string): string | undefined {
  if (!target.startsWith('/')) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(pathOf(target));
  } catch {
    return undefined;
  }
  // Checked after decoding, so '%2e%2e' and '%2f' are seen for what they are.
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  if (pathname.split('/').some((segment) => segment.startsWith('.'))) return undefined;
  const file = resolve(root, `.${pathname}`);
  return file === root || file.startsWith(root + sep) ? file : undefined;
}

/**
 * Looks before opening, because opening a FIFO would block and a directory cannot be opened everywhere;
 * then checks the opened handle, so what was checked is what gets streamed. Links are resolved first and
 * what they lead to must lie inside `realRoot`; the resolved path is the one opened. `folderIndex`: the
 * file is the index.html of the folder `file` names.
 */
async function openFile(
  file: string,
  realRoot: string,
): Promise<
  { handle: FileHandle; path: string; size: number; modifiedMs: number; folderIndex: boolean } | undefined
> {
  let path = file;
  let handle: FileHandle | undefined;
  try {
    const found = await stat(path);
    const folderIndex = found.isDirectory();
    if (folderIndex) path = resolve(path, 'index.html');
    else if (!found.isFile()) return undefined;
    const real = await realpath(path);
    if (!real.startsWith(realRoot + sep)) return undefined;
    if (!(await stat(real)).isFile()) return undefined;
    handle = await open(real, 'r');
    const info = await handle.stat();
    if (info.isFile()) return { handle, path, size: info.size, modifiedMs: info.mtimeMs, folderIndex };
  } catch {
    // Missing, unreadable or gone meanwhile: all misses.
  }
  await handle?.close().catch(() => {});
  return undefined;
}
