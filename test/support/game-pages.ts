import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { DEFAULT_ANTI_CHEAT_LIMITS } from '../../game/server/anti-cheat.js';
import type { VehikillRoomConfig } from '../../game/server/room-config.js';
import { launchChromium, playerArgs } from './browser.js';
import { enterLobby, type GameWebServer, startGameWeb } from './vehikill-web.js';

export interface GamePlayer {
  page: Page;
  errors: string[];
}

export interface GamePages {
  /** The game's server (read inside tests and hooks). */
  readonly server: GameWebServer;
  /**
   * A player in a context of their own (own storage, own session), at the lobby. `init` runs in the page
   * before its scripts; `prepare` runs on the context before the page opens (routes, say).
   */
  openPlayer(
    name: string,
    init?: () => void,
    prepare?: (context: BrowserContext) => Promise<unknown>,
  ): Promise<GamePlayer>;
}

/**
 * For a describe block of tests on the game page: one Chromium and one game server (a short warmup, and
 * the rules in `config`) for all its tests, and the players' pages, each in a context of its own, closed
 * after each test: a page left in a match goes on drawing it, and its room on running, which would load
 * the tests after.
 */
export function gamePages(config: VehikillRoomConfig = {}): GamePages {
  let browser: Browser | undefined;
  let server: GameWebServer | undefined;
  const contexts: BrowserContext[] = [];
  const started = () => {
    if (!browser || !server) throw new Error('gamePages: the browser and the server start in beforeAll');
    return { browser, server };
  };
  beforeAll(async () => {
    [browser, server] = await Promise.all([
      launchChromium(playerArgs()),
      // The server runs in this busy test process: when its event loop stalls, a whole second of a
      // player's inputs arrives at once and its input buffer refuses them as over the rate, which would
      // get an honest page kicked.
      startGameWeb({
        warmupSeconds: 1,
        antiCheat: { limits: { ...DEFAULT_ANTI_CHEAT_LIMITS.limits, 'input-rate': 100_000 } },
        ...config,
      }),
    ]);
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    get server() {
      return started().server;
    },
    async openPlayer(name, init, prepare) {
      const { browser, server } = started();
      const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
      contexts.push(context);
      // Without a media permission Chromium gathers no ICE candidate in a loopback-only namespace.
      await context.grantPermissions(['microphone'], { origin: server.httpUrl });
      if (init) await context.addInitScript(init);
      await prepare?.(context);
      const page = await context.newPage();
      const errors = await enterLobby(page, server.httpUrl, name);
      await expect.poll(() => page.getByTestId('connection').getAttribute('data-state')).toBe('open');
      return { page, errors };
    },
  };
}
