import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wav': 'audio/wav',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Serves GET/HEAD for files under `rootDir`. Resolves to false (having written nothing) when there is
 * no such file, so the caller decides what a miss means. Traversal and dotfiles are refused as misses.
 */
export function createStaticHandler(
  rootDir: string,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const root = resolve(rootDir);
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return false;
    }
    if (pathname.includes('\0') || pathname.split('/').some((segment) => segment.startsWith('.')))
      return false;
    let file = resolve(root, `.${pathname}`);
    if (file !== root && !file.startsWith(root + sep)) return false;
    try {
      let info = await stat(file);
      if (info.isDirectory()) {
        file = resolve(file, 'index.html');
        info = await stat(file);
      }
      if (!info.isFile()) return false;
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
      res.writeHead(200, {
        'content-type': type,
        'content-length': info.size,
        'x-content-type-options': 'nosniff',
        'cache-control': type.startsWith('text/html') ? 'no-cache' : 'public, max-age=300',
      });
      if (req.method === 'HEAD') {
        res.end();
        return true;
      }
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return true;
    } catch {
      return false;
    }
  };
}
