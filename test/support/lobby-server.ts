import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { startServer, type TestServer } from './server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const webDir = join(root, 'dist/examples/lobby/web');
/** What the page bundle is made from. */
const bundleSources = ['examples/lobby/web', 'examples/lobby/shared', 'src'].map((dir) => join(root, dir));

function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function bundleAge(): number {
  try {
    return statSync(join(webDir, 'main.js')).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * The demo lobby served as `npm start` serves it, on a free port. `npm test` builds the page first;
 * a bare `vitest run` re-bundles it here when it is missing or older than its sources.
 */
export async function startLobby(): Promise<TestServer> {
  const builtAt = bundleAge();
  if (builtAt < 0 || bundleSources.some((dir) => newestChange(dir) > builtAt)) {
    execFileSync('node', ['scripts/bundle-web.mjs'], { cwd: root, stdio: 'inherit' });
  }
  return startServer({ chat: ChatRoom }, { staticDir: webDir });
}
