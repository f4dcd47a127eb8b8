import type { BrowserContext, Browser as ChromiumBrowser } from 'playwright-core';
import type { Channel } from 'vehikill-net/client';
import { type CountingMetrics, Room, type RoomClient } from 'vehikill-net/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { type LaunchedFirefox, launchFirefox } from '../support/firefox.js';
import { isolated } from '../support/isolated.js';
import { startServer, type TestServer } from '../support/server.js';
import { openChromiumPage, openFirefoxPage, type TestPage } from '../support/test-page.js';
import { blockUdp, unblockUdp } from '../support/udp-blocker.js';

/** What the echo room saw from each player: per channel, the number in each message and the link state then. */
const serverSeen = new Map<string, Record<Channel, Array<{ n: number; state: string }>>>();

/** Every player who joined an echo room, by player id, to read the server's end of their link. */
const members = new Map<string, RoomClient>();

/** Echoes what a player sends on their server link back on the same channel, prefixed with 0xee. */
class EchoRoom extends Room {
  override onJoin(client: RoomClient): void {
    members.set(client.playerId, client);
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    let seen = serverSeen.get(client.playerId);
    if (!seen) {
      seen = { phys: [], event: [], dispatch: [] };
      serverSeen.set(client.playerId, seen);
    }
    seen[channel].push({
      n: bytes.length === 2 ? bytes[0]! | (bytes[1]! << 8) : -1,
      state: client.link.state,
    });
    const reply = new Uint8Array(bytes.length + 1);
    reply[0] = 0xee;
    reply.set(bytes, 1);
    client.link.send(channel, reply);
  }
}

type Vehikill = typeof import('vehikill-net/client');

/** The page's view of its client and server link. */
interface PageState {
  playerId: string;
  /** Whether the page had an RTCPeerConnection when the client was made. */
  hadRtc: boolean;
  link: string;
  path: string;
  /** Every state the server link went through after the client was made, in order. */
  linkHistory: string[];
  /** The client's connection states, in order (a reconnect would show here). */
  connection: string[];
  /** Codes of the client's 'error' events. */
  errors: string[];
  /** Why the WebSocket dropped, if it did (`code reason`). */
  drops: string[];
  /** Per channel, the numbers the echo room sent back, in arrival order. */
  received: Record<Channel, number[]>;
  /** Anything that came back that is not an exact echo (`channel:bytes`). */
  malformed: string[];
  /** Numbered dispatch messages the pump sent (0..sent-1), and sends the link refused. */
  sent: number;
  refused: number;
}

interface PageControls {
  testSnapshot(): PageState;
  /** Sends `count` messages numbered `from`.. on `channel`; true when the link took them all. */
  testSend(channel: Channel, from: number, count: number): boolean;
  testStartPump(): void;
  testStopPump(): void;
}

let chromium: ChromiumBrowser;
let chromiumContext: BrowserContext;
let firefox: LaunchedFirefox;
let t: TestServer;

const openChromium = () => openChromiumPage(chromiumContext, t.httpUrl);
const openFirefox = () => openFirefoxPage(firefox.browser, t.httpUrl);

/**
 * Makes the page's client (after deleting `RTCPeerConnection` when `noRtc`), connects, creates an echo
 * room and installs the controls. Returns the player id.
 */
function startClient(page: TestPage, noRtc: boolean): Promise<string> {
  return page.run(async (noRtc) => {
    if (noRtc) delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection;
    const { Client } = (globalThis as never as { vehikill: Vehikill }).vehikill;
    const client = new Client();
    const link = client.serverLink;
    const state: PageState = {
      playerId: '',
      hadRtc: typeof (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection === 'function',
      link: link.state,
      path: link.path,
      linkHistory: [],
      connection: [],
      errors: [],
      drops: [],
      received: { phys: [], event: [], dispatch: [] },
      malformed: [],
      sent: 0,
      refused: 0,
    };
    link.onState((linkState) => state.linkHistory.push(linkState));
    link.onMessage((channel, bytes) => {
      if (bytes.length === 3 && bytes[0] === 0xee) state.received[channel].push(bytes[1]! | (bytes[2]! << 8));
      else state.malformed.push(`${channel}:${[...bytes].join('.')}`);
    });
    client.on('state', (connectionState) => state.connection.push(connectionState));
    client.on('error', (error) => state.errors.push(error.code));
    client.on('drop', ({ code, reason }) => state.drops.push(`${code} ${reason}`));
    const send = (channel: Channel, n: number) => link.send(channel, Uint8Array.of(n & 0xff, n >> 8));
    let pump: ReturnType<typeof setInterval> | undefined;
    const controls: PageControls = {
      testSnapshot: () => ({ ...state, link: link.state, path: link.path }),
      testSend(channel, from, count) {
        let ok = true;
        for (let n = from; n < from + count; n++) ok = send(channel, n) && ok;
        return ok;
      },
      testStartPump() {
        pump = setInterval(() => {
          if (!send('dispatch', state.sent)) state.refused++;
          state.sent++;
        }, 20);
      },
      testStopPump() {
        clearInterval(pump);
      },
    };
    Object.assign(globalThis, controls);
    await client.connect();
    await client.create('echo');
    state.playerId = client.playerId ?? '';
    return state.playerId;
  }, noRtc);
}

const snapshot = (page: TestPage) =>
  page.run(() => (globalThis as never as PageControls).testSnapshot(), undefined);

const send = (page: TestPage, channel: Channel, from: number, count: number) =>
  page.run(
    ({ channel, from, count }) => (globalThis as never as PageControls).testSend(channel, from, count),
    { channel, from, count },
  );

/** The server's view of this player's link. */
function serverLinkState(playerId: string): string | undefined {
  return members.get(playerId)?.link.state;
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends 5 phys, 5 event and 50 dispatch messages and checks every echo: dispatch complete and in
 * order, phys and event each exactly once (either may be reordered); and that the echo room got them
 * all while its end of the link was in `serverState`.
 */
async function exchangeOnAllChannels(page: TestPage, playerId: string, serverState: string) {
  serverSeen.delete(playerId);
  expect(await send(page, 'dispatch', 0, 50)).toBe(true);
  expect(await send(page, 'event', 100, 5)).toBe(true);
  expect(await send(page, 'phys', 200, 5)).toBe(true);
  await expect
    .poll(async () => {
      const { received } = await snapshot(page);
      return [received.dispatch.length, received.event.length, received.phys.length];
    })
    .toEqual([50, 5, 5]);
  const state = await snapshot(page);
  expect(state.received.dispatch).toEqual(range(0, 50));
  expect([...state.received.event].sort((a, b) => a - b)).toEqual(range(100, 5));
  expect([...state.received.phys].sort((a, b) => a - b)).toEqual(range(200, 5));
  expect(state.malformed).toEqual([]);
  const seen = serverSeen.get(playerId);
  expect(seen?.dispatch.map((m) => m.n)).toEqual(range(0, 50));
  const states = new Set(Object.values(seen ?? {}).flatMap((list) => list.map((m) => m.state)));
  expect([...states]).toEqual([serverState]);
  return state;
}

describe.skipIf(!isolated)(
  'server link in real browsers (loopback-only namespace)',
  { timeout: 60_000 },
  () => {
    beforeAll(async () => {
      const dir = await buildClientPage();
      const launchingChromium = launchChromium(['--allow-loopback-in-peer-connection']);
      // retryMs: after UDP comes back, the server's next direct attempt is a second away, not 15.
      t = await startServer(
        { echo: EchoRoom },
        {
          staticDir: dir,
          // Default rate limits on purpose: on falling back, the client resends every dispatch message
          // the dead direct path may have swallowed (4-5 s of a 50/s stream) and must stay under them.
          serverLink: { bindAddress: '127.0.0.1', retryMs: 1_000 },
        },
      );
      // Firefox reads its stored microphone permission at launch, so it needs the server's real port first.
      [chromium, firefox] = await Promise.all([
        launchingChromium,
        launchFirefox({ microphoneOrigins: [t.httpUrl] }),
      ]);
      chromiumContext = await chromium.newContext();
      // Without a media permission Chromium gathers no candidate at all in this loopback-only namespace
      // (its ICE never starts checking), so its link would stay in TCP mode, as in the mesh tests.
      await chromiumContext.grantPermissions(['microphone'], { origin: t.httpUrl });
    }, 60_000);

    afterEach(() => unblockUdp());
    afterAll(async () => {
      unblockUdp();
      await Promise.allSettled([chromium?.close(), firefox?.close()]);
      await t?.close();
    });

    for (const browser of ['chromium', 'firefox'] as const) {
      it(`a ${browser} page gets a direct server link and uses all three channels on it`, async () => {
        const page = browser === 'chromium' ? await openChromium() : await openFirefox();
        const playerId = await startClient(page, false);
        await expect
          .poll(
            async () => {
              const { link, path } = await snapshot(page);
              return [link, path, serverLinkState(playerId)];
            },
            { timeout: 15_000 },
          )
          .toEqual(['direct', 'direct', 'direct']);

        const state = await exchangeOnAllChannels(page, playerId, 'direct');
        // Direct the whole time it was up: no flap to TCP mode and back.
        expect(state.link).toBe('direct');
        expect(state.linkHistory).toEqual(['direct']);
        expect(state.hadRtc).toBe(true);
        expect(state.connection).toEqual(['connecting', 'open']);
        expect(state.errors).toEqual([]);
        expect(page.errors).toEqual([]);
        await page.close();
      });
    }

    it('a Chromium page without RTCPeerConnection uses TCP mode with the same API', async () => {
      const page = await openChromium();
      const playerId = await startClient(page, true);
      const before = await snapshot(page);
      expect(before.hadRtc).toBe(false);
      expect([before.link, before.path, serverLinkState(playerId)]).toEqual(['relayed', 'tcp', 'relayed']);

      const state = await exchangeOnAllChannels(page, playerId, 'relayed');
      expect([state.link, state.path]).toEqual(['relayed', 'tcp']);
      expect(state.linkHistory).toEqual([]); // never anything but TCP mode
      expect(state.connection).toEqual(['connecting', 'open']);
      expect(state.errors).toEqual([]);
      expect(page.errors).toEqual([]);
      await page.close();
    });

    it('UDP dropped mid-session: falls back to TCP mode losing no dispatch, and goes direct again', async () => {
      const page = await openChromium();
      const playerId = await startClient(page, false);
      await expect.poll(async () => (await snapshot(page)).link, { timeout: 15_000 }).toBe('direct');
      serverSeen.delete(playerId);
      await page.run(() => (globalThis as never as PageControls).testStartPump(), undefined);
      // Some of the stream goes over the direct path first.
      await expect.poll(async () => (await snapshot(page)).received.dispatch.length).toBeGreaterThan(10);

      blockUdp();
      const blockedAt = Date.now();
      await expect
        .poll(
          async () => {
            const { link, path } = await snapshot(page);
            return [link, path];
          },
          { timeout: 10_000 },
        )
        .toEqual(['relayed', 'tcp']);
      const fallbackMs = Date.now() - blockedAt;
      // The stream goes on in TCP mode while UDP is still blocked.
      const atFallback = (await snapshot(page)).received.dispatch.length;
      await expect
        .poll(async () => (await snapshot(page)).received.dispatch.length)
        .toBeGreaterThan(atFallback + 25);
      expect((await snapshot(page)).link).toBe('relayed');

      unblockUdp();
      const unblockedAt = Date.now();
      await expect.poll(async () => (await snapshot(page)).link, { timeout: 15_000 }).toBe('direct');
      const backMs = Date.now() - unblockedAt;
      // A little more of the stream over the direct path again, then stop and let it drain.
      const atReturn = (await snapshot(page)).received.dispatch.length;
      await expect
        .poll(async () => (await snapshot(page)).received.dispatch.length)
        .toBeGreaterThan(atReturn + 10);
      await page.run(() => (globalThis as never as PageControls).testStopPump(), undefined);
      const { sent, refused } = await snapshot(page);
      expect(refused).toBe(0);
      await expect
        .poll(async () => (await snapshot(page)).received.dispatch.length, { timeout: 5_000 })
        .toBe(sent);
      await sleep(300); // nothing more may come: a duplicate would arrive after the count matched

      const state = await snapshot(page);
      // Every numbered message came back exactly once and in order; the room got each exactly once too.
      expect(state.received.dispatch).toEqual(range(0, sent));
      expect(serverSeen.get(playerId)?.dispatch.map((m) => m.n)).toEqual(range(0, sent));
      expect(state.malformed).toEqual([]);
      expect(state.linkHistory).toEqual(['direct', 'relayed', 'direct']);
      expect(serverLinkState(playerId)).toBe('direct');
      // A dead direct path is noticed by the link heartbeat (4 s without a word).
      expect(fallbackMs).toBeLessThan(6_500);
      // The WebSocket carried on throughout: no reconnect.
      const badInput = Object.entries((t.server.metrics as CountingMetrics).snapshot()).filter(
        ([key]) => key.startsWith('bad_input_total') || key.startsWith('server_link_rejected_total'),
      );
      expect(
        state.connection,
        `drops: ${state.drops.join('; ')}; server: ${JSON.stringify(badInput)}`,
      ).toEqual(['connecting', 'open']);
      expect(state.errors).toEqual([]);
      expect(page.errors).toEqual([]);
      console.info(
        `server link: TCP mode ${fallbackMs} ms after UDP was dropped, direct ${backMs} ms after it came back, ${sent} dispatch messages`,
      );
      await page.close();
    });
  },
);
