import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import type { Client, RoomConnection } from 'vehikill-net/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RELOAD_HOLD_MS } from '../../game/client/game-session.js';
import { CHROMIUM_PATH, launchChromium, playerArgs } from '../support/browser.js';
import { isolated } from '../support/isolated.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { enterLobby, type GameWebServer, startGameWeb } from '../support/vehikill-web.js';

/**
 * What the game page tells a player about their connection and seat: past the server's grace period,
 * while a server drains and after, when another player is away, and that a reload takes the match back
 * (within the grace period; after it, a fresh start that says why). A closed tab's seat is let go once the
 * hold its pagehide asked for a reload is over, not at the end of the grace period.
 */

/** An error code as the protocol spells it (SESSION_EXPIRED): never for a player's eyes. */
const RAW_CODE = /\b[A-Z]+_[A-Z_]+\b/;

let browser: Browser;
const contexts: BrowserContext[] = [];
const servers: GameWebServer[] = [];
const proxies: TcpProxy[] = [];
const nodeClients: Client[] = [];

/**
 * Tests under way: the two that wait out the reload hold run at once (their seconds of waiting side by
 * side), and what either made is closed once both are over.
 */
let running = 0;
beforeEach(() => {
  running++;
});
afterEach(async () => {
  if (--running > 0) return;
  for (const context of contexts.splice(0)) await context.close();
  for (const client of nodeClients.splice(0)) client.close();
  for (const proxy of proxies.splice(0)) await proxy.close();
  for (const server of servers.splice(0)) await server.close();
});

async function gameServer(
  serverOptions: Parameters<typeof startGameWeb>[1] = {},
  roomConfig: Parameters<typeof startGameWeb>[0] = {},
): Promise<GameWebServer> {
  const server = await startGameWeb({ warmupSeconds: 1, ...roomConfig }, serverOptions);
  servers.push(server);
  return server;
}

/** A proxy in front of the server, to take the player's network away (`block`) and give it back. */
async function proxyTo(server: GameWebServer): Promise<{ proxy: TcpProxy; httpUrl: string; wsUrl: string }> {
  const proxy = new TcpProxy(server.port);
  await proxy.listen();
  proxies.push(proxy);
  return { proxy, httpUrl: `http://127.0.0.1:${proxy.port}`, wsUrl: `ws://127.0.0.1:${proxy.port}/ws` };
}

/** A player's page at the lobby of the page served at `url` (in `inBrowser`, or the shared browser). */
async function openPlayer(
  url: string,
  name: string,
  inBrowser: Browser = browser,
): Promise<{ page: Page; errors: string[] }> {
  const context = await inBrowser.newContext({ viewport: { width: 1100, height: 700 } });
  contexts.push(context);
  // Without a media permission Chromium gathers no ICE candidate in a loopback-only namespace.
  await context.grantPermissions(['microphone'], { origin: url });
  const page = await context.newPage();
  return { page, errors: await enterLobby(page, url, name) };
}

const text = async (page: Page, testId: string) => (await page.getByTestId(testId).textContent()) ?? '';
const banner = async (page: Page) =>
  (await page.getByTestId('banner').isVisible()) ? await text(page, 'banner') : '';

/** What the page's match shows (`window.vehikill.state()`): its player and their car. */
function gameState(page: Page) {
  return page.evaluate(() => window.vehikill.state());
}

/** Creates a private match on the page; its code. */
async function createMatch(page: Page): Promise<string> {
  await page.getByTestId('create-private').click();
  await expect.poll(() => page.getByTestId('game').isVisible()).toBe(true);
  return (await text(page, 'room-code')).trim();
}

/** A Node player (no direct link, no WebRTC) in the page's match. */
async function nodePlayer(server: GameWebServer, code: string, url?: string): Promise<RoomConnection> {
  const client = server.client({ name: 'Nod', serverLink: 'off', ...(url ? { url } : {}) });
  nodeClients.push(client);
  await client.connect();
  const room = await client.joinByCode(code);
  // It watches presence only: the match's own messages (roster, kills) are not its to read.
  room.onMessage('*', () => {});
  return room;
}

/**
 * A page's player in a match on a server with the default 30 s grace (or `serverOptions`'), a Node player
 * with it, and what the Node player hears of the page's player: away and leave, in order.
 */
async function pageInMatchWithNod(
  serverOptions: Parameters<typeof gameServer>[0] = {},
  roomConfig: Parameters<typeof gameServer>[1] = {},
) {
  const server = await gameServer(serverOptions, roomConfig);
  const player = await openPlayer(server.httpUrl, 'Ada');
  const nod = await nodePlayer(server, await createMatch(player.page));
  const presence: string[] = [];
  nod.on('member-away', () => presence.push('away'));
  nod.on('member-leave', ({ reason }) => presence.push(`leave ${reason}`));
  return { server, player, nod, presence };
}

/**
 * The reload hold the reload tests' rooms give (`reloadHoldSeconds`, the server's RELOAD_HOLD_SECONDS): the
 * page asks for it in its pagehide's `keepSessionForReload`. Shorter than the page's default
 * (DEFAULT_RELOAD_HOLD_MS, 10 s), so that a seat let go before that was let go by the room's hold.
 */
const RELOAD_HOLD_SECONDS = 6;
const RELOAD_KEEP_MS = RELOAD_HOLD_SECONDS * 1_000;
/** A grace period no test here waits out: a seat let go within a test was let go by the reload hold. */
const LONG_GRACE_MS = 10 * 60_000;

describe.skipIf(!isolated)('Vehikill page: connection and seat', () => {
  beforeAll(async () => {
    browser = await launchChromium(playerArgs());
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('stops promising the seat past the grace period, and after the expiry says the seat is lost', async () => {
    const graceMs = 3_000;
    const server = await gameServer({ graceMs });
    const { proxy, httpUrl } = await proxyTo(server);
    const player = await openPlayer(httpUrl, 'Ada');
    await createMatch(player.page);

    proxy.block();
    await expect.poll(() => banner(player.page)).toMatch(/^Connection lost: reconnecting \(\d+ s\)/);
    expect(await banner(player.page)).toMatch(/seat is held/i);
    // Down longer than the server holds a seat (counted from when the page noticed, which is no earlier
    // than the server did: the proxy reset both sides at once).
    await expect
      .poll(() => banner(player.page), { timeout: graceMs + 5_000 })
      .toMatch(/away longer than .* 3 s .*may be lost/);
    expect(await banner(player.page)).not.toMatch(/kept|held for/);
    // The network comes back once the server has let the seat go (by its own clock, which the page's
    // count can run a little ahead of): a page back before that would resume, and rightly so.
    await expect.poll(() => server.server.sessionCount).toBe(0);

    proxy.unblock();
    await expect.poll(() => banner(player.page), { timeout: 15_000 }).toMatch(/lost your seat/);
    await expect.poll(() => player.page.getByTestId('lobby').isVisible()).toBe(true);
    const status = await text(player.page, 'status');
    expect(status).toMatch(/away too long/i);
    expect(status).not.toMatch(RAW_CODE);
    // The new session's link turns good: the lost seat is still what the banner says.
    await player.page.waitForTimeout(4_000);
    expect(await banner(player.page)).toMatch(/lost your seat/);
    expect(await banner(player.page)).not.toMatch(RAW_CODE);
    // Chromium logs each refused reconnect attempt itself: the outage, not a fault of the page.
    expect(player.errors.filter((error) => !/^WebSocket connection to .* failed/.test(error))).toEqual([]);
  }, 60_000);

  it('after a restart of its server, says the server lost the seat, not the player, and offers no way back', async () => {
    const guestSecret = 'a-secret-shared-by-the-old-and-the-new-process!';
    const before = await gameServer({ guestSecret });
    const { proxy, httpUrl } = await proxyTo(before);
    const player = await openPlayer(httpUrl, 'Ada');
    await createMatch(player.page);

    proxy.block();
    await expect.poll(() => banner(player.page)).toMatch(/^Connection lost: reconnecting/);
    await before.close();
    servers.splice(servers.indexOf(before), 1);
    // The supervisor's new process, on the same port, with no fixed node id: it has no record of the
    // session, and its refusal's message names no restart (it cannot tell one from another node).
    servers.push(await startGameWeb({ warmupSeconds: 1 }, { guestSecret }, before.port));
    proxy.unblock();

    await expect.poll(() => banner(player.page), { timeout: 15_000 }).toMatch(/no longer knew your session/);
    await expect.poll(() => player.page.getByTestId('lobby').isVisible()).toBe(true);
    const status = await text(player.page, 'status');
    expect(status).toMatch(/^You are out of the match: the server no longer knew your session/);
    expect(status).not.toMatch(/away too long/i);
    expect(await banner(player.page)).not.toMatch(/away too long/i);
    // The match went with the old process: no "Back to your match".
    expect(await player.page.getByTestId('rejoin').isVisible()).toBe(false);
    expect(status).not.toMatch(RAW_CODE);
    expect(player.errors.filter((error) => !/^WebSocket connection to .* failed/.test(error))).toEqual([]);
  }, 60_000);

  it('tells the player while the server drains, and at the end says so readably', async () => {
    const server = await gameServer();
    const player = await openPlayer(server.httpUrl, 'Ada');
    await createMatch(player.page);

    // No other node to send players to: the drain ends in a goodbye with an empty message.
    const drained = server.server.drain({ deadlineMs: 2_500 });
    await expect.poll(() => banner(player.page)).toMatch(/server is restarting: the match finishes/i);
    expect(await player.page.getByTestId('game').isVisible()).toBe(true);

    await drained;
    await expect.poll(() => player.page.getByTestId('welcome').isVisible()).toBe(true);
    const end = await banner(player.page);
    expect(end).toMatch(/restart/i);
    expect(end).toMatch(/Connect again to play\.$/);
    expect(end).not.toMatch(RAW_CODE);
    expect(end).not.toMatch(/\(\)|: \.|:\s*$/);
    const status = await text(player.page, 'status');
    expect(status).not.toMatch(RAW_CODE);
    expect(status).not.toMatch(/\(\)|: \.|:\s*$/);
    expect(player.errors).toEqual([]);
  }, 60_000);

  it('counts a shutdown down to the deadline the server gave, then says the page was disconnected', async () => {
    const server = await gameServer();
    const player = await openPlayer(server.httpUrl, 'Ada');
    await createMatch(player.page);

    // The match keeps the server up until its deadline: the banner counts down to it, second by second.
    const closed = server.server.close({ drainMs: 4_000 });
    const secondsLeft = async () =>
      Number(/within (\d+) s/.exec(await banner(player.page))?.[1] ?? Number.NaN);
    await expect.poll(secondsLeft).toBeGreaterThanOrEqual(3);
    const first = await secondsLeft();
    expect(await banner(player.page)).toMatch(/then the match ends and this page is disconnected/);
    await expect.poll(secondsLeft).toBeLessThan(first);
    expect(await player.page.getByTestId('game').isVisible()).toBe(true);

    await closed;
    await expect.poll(() => player.page.getByTestId('welcome').isVisible()).toBe(true);
    const end = await banner(player.page);
    expect(end).toMatch(/shut down.*Connect again to play\.$/);
    expect(end).not.toMatch(RAW_CODE);
    expect(player.errors).toEqual([]);
  }, 60_000);

  it('shows a player whose connection dropped as away, not as a link', async () => {
    const server = await gameServer();
    const player = await openPlayer(server.httpUrl, 'Ada');
    const code = await createMatch(player.page);
    const { proxy, wsUrl } = await proxyTo(server);
    const nod = await nodePlayer(server, code, wsUrl);
    const row = player.page.locator('[data-testid="players"] li', { hasText: 'Nod' });
    await expect.poll(() => row.count()).toBe(1);

    proxy.block();
    await expect.poll(() => row.textContent()).toMatch(/away/);
    expect(await row.textContent()).not.toMatch(/via server|direct|connecting/);
    expect(await row.getAttribute('data-away')).toBe('true');
    proxy.unblock();
    await expect.poll(() => row.textContent(), { timeout: 15_000 }).not.toMatch(/away/);
    expect(nod.members.length).toBe(2);
    expect(player.errors).toEqual([]);
  }, 60_000);

  it('a reload takes the match back: the same player and car, the others see away and back', async () => {
    const { server, player, nod, presence } = await pageInMatchWithNod();
    nod.on('member-back', () => presence.push('back'));
    await expect.poll(async () => (await gameState(player.page))?.own).toBeDefined();
    const before = await gameState(player.page);

    await player.page.reload();
    // The new page takes the session over from sessionStorage, with no name step and no lobby.
    await expect.poll(() => player.page.getByTestId('game').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect
      .poll(async () => (await gameState(player.page))?.own?.vehicleId)
      .toBe(before?.own?.vehicleId);
    expect((await gameState(player.page))?.playerId).toBe(before?.playerId);
    await expect.poll(() => presence.at(-1)).toBe('back');
    expect(presence.filter((event) => event.startsWith('leave'))).toEqual([]);
    expect(nod.members.map((member) => member.name).sort()).toEqual(['Ada', 'Nod']);
    expect(server.server.sessionCount).toBe(2);
    // The car drives on the new page: its position follows the keys.
    const start = (await gameState(player.page))?.own;
    await player.page.keyboard.down('KeyW');
    await expect
      .poll(async () => {
        const own = (await gameState(player.page))?.own;
        return own && start ? Math.hypot(own.x - start.x, own.y - start.y) : 0;
      })
      .toBeGreaterThan(1);
    await player.page.keyboard.up('KeyW');
    expect(player.errors).toEqual([]);
  }, 60_000);

  describe.concurrent('the reload hold', () => {
    it("a closed tab's car leaves the match once the reload hold is over, long before the grace period", async ({
      expect,
    }) => {
      const { server, player, nod, presence } = await pageInMatchWithNod(
        { graceMs: LONG_GRACE_MS },
        { reloadHoldSeconds: RELOAD_HOLD_SECONDS },
      );
      await expect.poll(async () => (await gameState(player.page))?.own).toBeDefined();

      // Closed, not reloaded: pagehide runs (and its beacon asks for the reload hold), nothing comes back.
      await player.page.close({ runBeforeUnload: true });
      await expect.poll(() => presence).toEqual(['away']);
      const awayAt = Date.now();
      // Let go by the hold (RELOAD_KEEP_MS), as an expiry; the grace period would take ten minutes.
      await expect
        .poll(() => presence, { timeout: RELOAD_KEEP_MS + 30_000 })
        .toEqual(['away', 'leave SESSION_EXPIRED']);
      // Held a while first, for a reload that never came: not let go at once as a goodbye would be; and for
      // the room's hold, not the page's default of 10 s.
      const heldMs = Date.now() - awayAt;
      expect(heldMs).toBeGreaterThan(RELOAD_KEEP_MS / 2);
      expect(heldMs).toBeLessThan(DEFAULT_RELOAD_HOLD_MS - 500);
      expect(nod.members.map((member) => member.name)).toEqual(['Nod']);
      await expect.poll(() => server.server.sessionCount).toBe(1);
      expect(player.errors).toEqual([]);
    }, 90_000);

    it('a reload within the hold keeps the seat, and the hold ends with it: still in well past it', async ({
      expect,
    }) => {
      const { server, player, nod, presence } = await pageInMatchWithNod(
        { graceMs: LONG_GRACE_MS },
        { reloadHoldSeconds: RELOAD_HOLD_SECONDS },
      );
      nod.on('member-back', () => presence.push('back'));
      await expect.poll(async () => (await gameState(player.page))?.own).toBeDefined();
      const before = await gameState(player.page);

      await player.page.reload();
      await expect.poll(() => player.page.getByTestId('game').isVisible(), { timeout: 15_000 }).toBe(true);
      await expect.poll(() => presence.at(-1)).toBe('back');
      // The hold asked for as the old page went away is over by now, with seconds to spare: the resume let
      // it go, so it ends nothing.
      await player.page.waitForTimeout(RELOAD_KEEP_MS + 5_000);
      expect(presence.filter((event) => event.startsWith('leave'))).toEqual([]);
      expect(nod.members.map((member) => member.name).sort()).toEqual(['Ada', 'Nod']);
      expect((await gameState(player.page))?.playerId).toBe(before?.playerId);
      expect(server.server.sessionCount).toBe(2);
      expect(player.errors).toEqual([]);
    }, 90_000);
  });

  it('a reload past the grace period starts afresh, saying the match was lost and why', async () => {
    const graceMs = 2_000;
    const server = await gameServer({ graceMs });
    const player = await openPlayer(server.httpUrl, 'Ada');
    await createMatch(player.page);
    const before = await gameState(player.page);

    await player.page.goto('about:blank');
    await expect.poll(() => server.server.sessionCount, { timeout: graceMs + 5_000 }).toBe(0);
    await player.page.goto(server.httpUrl); // the same tab: its sessionStorage still holds the token
    await expect.poll(() => player.page.getByTestId('lobby').isVisible(), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => text(player.page, 'status')).toMatch(/out of the match.*away too long/i);
    expect(await text(player.page, 'status')).not.toMatch(RAW_CODE);
    expect(await player.page.evaluate(() => window.vehikill.state())).toBeUndefined();
    expect(server.server.sessionCount).toBe(1);
    // A new player, who can play again.
    await createMatch(player.page);
    expect((await gameState(player.page))?.playerId).not.toBe(before?.playerId);
  }, 60_000);

  it('leaving for another page keeps the seat with the back/forward cache on too; back, the page plays on', async () => {
    // Playwright turns the cache off by default. Chromium says `persisted` at pagehide for a page in a
    // match, then may evict it (its connections): restored or loaded afresh, the page is back in its match.
    const cached = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      ignoreDefaultArgs: ['--disable-back-forward-cache'],
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    try {
      const server = await gameServer();
      const player = await openPlayer(server.httpUrl, 'Ada', cached);
      await player.page.evaluate(() => {
        addEventListener('pagehide', (event) => {
          sessionStorage.setItem('persisted', String(event.persisted));
        });
      });
      const code = await createMatch(player.page);
      const nod = await nodePlayer(server, code);
      const presence: string[] = [];
      nod.on('member-away', () => presence.push('away'));
      nod.on('member-leave', ({ reason }) => presence.push(`leave ${reason}`));
      nod.on('member-back', () => presence.push('back'));
      const before = await gameState(player.page);

      await player.page.goto('about:blank');
      await expect.poll(() => presence, { timeout: 5_000 }).toEqual(['away']);
      await player.page.goBack({ waitUntil: 'commit' });
      expect(await player.page.evaluate(() => sessionStorage.getItem('persisted'))).toBe('true');
      // Restored from the cache: the client resumes by itself. Evicted: loaded afresh, it takes over.
      await expect
        .poll(() => player.page.evaluate(() => document.body.dataset.view), { timeout: 15_000 })
        .toBe('game');
      await expect.poll(() => player.page.getByTestId('connection').getAttribute('data-state')).toBe('open');
      await expect.poll(() => presence).toEqual(['away', 'back']);
      await expect.poll(async () => (await gameState(player.page))?.playerId).toBe(before?.playerId);
      expect(player.errors).toEqual([]);
    } finally {
      await cached.close();
    }
  }, 60_000);
});
