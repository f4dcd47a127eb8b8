import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { GameServerOptions } from 'vehikill-net/server';
import { expect } from 'vitest';
import { ROOM_TYPE } from '../../game/protocol/index.js';
import type { VehikillRoomConfig } from '../../game/server/room-config.js';
import { type VehikillRoom, vehikillRoom } from '../../game/server/vehikill-room.js';
import { watchErrors } from './browser.js';
import { startServer, type TestServer } from './server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
/** Where scripts/bundle-web.mjs puts the game's page. */
export const GAME_WEB_DIR = join(root, 'dist/game/web');
/** What the page bundle is made from. */
const bundleSources = ['game', 'src'].map((dir) => join(root, dir));

function newestChange(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function bundleAge(): number {
  try {
    return statSync(join(GAME_WEB_DIR, 'main.js')).mtimeMs;
  } catch {
    return -1;
  }
}

export interface GameWebServer extends TestServer {
  /** Rooms the server made, newest last. */
  readonly rooms: VehikillRoom[];
}

/**
 * The game page served with real Vehikill rooms on a free loopback port, with direct (UDP) server links
 * on loopback. A bare `vitest run` re-bundles the page when it is missing or older than its sources.
 * `serverOptions` adds to (or overrides) the server's options: a short `graceMs`, say. `port`: listen there
 * instead (a restarted server's new process).
 */
export async function startGameWeb(
  config: VehikillRoomConfig = {},
  serverOptions: GameServerOptions = {},
  port = 0,
): Promise<GameWebServer> {
  const builtAt = bundleAge();
  if (builtAt < 0 || bundleSources.some((dir) => newestChange(dir) > builtAt)) {
    execFileSync('node', ['scripts/bundle-web.mjs'], { cwd: root, stdio: 'inherit' });
  }
  const rooms: VehikillRoom[] = [];
  class Recorded extends vehikillRoom(config) {
    override onCreate(options: unknown): void {
      super.onCreate(options);
      rooms.push(this);
    }
  }
  const server = await startServer(
    { [ROOM_TYPE]: Recorded },
    { staticDir: GAME_WEB_DIR, serverLink: { bindAddress: '127.0.0.1' }, ...serverOptions },
    port,
  );
  return Object.assign(server, { rooms });
}

/** Opens the game page at `url` in `page`, connects under `name` and waits for the lobby; its errors. */
export async function enterLobby(page: Page, url: string, name: string): Promise<string[]> {
  const errors = watchErrors(page);
  await page.goto(url);
  await page.getByTestId('name').fill(name);
  await page.getByTestId('connect').click();
  await expect.poll(() => page.getByTestId('lobby').isVisible()).toBe(true);
  return errors;
}
