import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, watchErrors } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { isolated } from '../support/isolated.js';
import { startServer, type TestServer } from '../support/server.js';

let browser: Browser;
let context: BrowserContext;
let t: TestServer;

beforeAll(async () => {
  const dir = await buildClientPage();
  // WebRTC between pages over loopback needs this flag and the microphone permission (TESTING.md).
  [browser, t] = await Promise.all([
    launchChromium(['--allow-loopback-in-peer-connection']),
    startServer({ test: TestRoom }, { staticDir: dir, rateBurst: 10_000, ratePerSecond: 10_000 }),
  ]);
  context = await browser.newContext();
  await context.grantPermissions(['microphone'], { origin: t.httpUrl });
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

type Vehikill = typeof import('vehikill-net/client');
interface PageState {
  playerId: string;
  links: Record<string, string>;
  received: string[];
}

/** Opens a page that connects, joins `roomId` (or creates the room) and starts its mesh. */
async function player(roomId: string | undefined, options: { noWebRtc?: boolean } = {}) {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(t.httpUrl);
  const joined = await page.evaluate(
    async ({ roomId, noWebRtc }) => {
      if (noWebRtc) Reflect.deleteProperty(globalThis, 'RTCPeerConnection');
      const { Client, Channel } = (globalThis as never as { vehikill: Vehikill }).vehikill;
      const client = new Client();
      await client.connect();
      const room = roomId
        ? await client.join(roomId)
        : await client.create('test', { options: { maxClients: 8 } });
      const mesh = room.mesh({ directTimeoutMs: 10_000, retryDirectMs: 1_000 });
      const state: PageState = { playerId: client.playerId ?? '', links: {}, received: [] };
      mesh.on('message', ({ from, channel, bytes }) => state.received.push(`${from}:${channel}:${bytes[0]}`));
      const refresh = () => {
        state.links = Object.fromEntries(mesh.peers().map((link) => [link.peerId, link.state]));
      };
      mesh.on('peer-state', refresh);
      setInterval(refresh, 100);
      Object.assign(globalThis, {
        testState: state,
        testBroadcast: (n: number) => {
          mesh.broadcast(Channel.phys, Uint8Array.of(n));
          mesh.broadcast(Channel.event, Uint8Array.of(n));
          mesh.broadcast(Channel.dispatch, Uint8Array.of(n));
        },
        testResendUnreliable: (n: number) => {
          mesh.broadcast(Channel.phys, Uint8Array.of(n));
          mesh.broadcast(Channel.event, Uint8Array.of(n));
        },
      });
      return { roomId: room.roomId, playerId: client.playerId ?? '' };
    },
    { roomId, noWebRtc: options.noWebRtc ?? false },
  );
  const state = () => page.evaluate(() => (globalThis as never as { testState: PageState }).testState);
  return { page, errors, ...joined, state };
}

async function allLinks(
  pages: Array<{ state: () => Promise<PageState> }>,
  wanted: (state: string) => boolean,
) {
  const states = await Promise.all(pages.map((p) => p.state()));
  return states.every(
    (s) => Object.keys(s.links).length === pages.length - 1 && Object.values(s.links).every(wanted),
  );
}

describe.skipIf(!isolated)('peer mesh in real Chromium (loopback-only namespace)', () => {
  it('3 pages form a direct mesh and exchange on all three channels', async () => {
    const first = await player(undefined);
    const others = [await player(first.roomId), await player(first.roomId)];
    const pages = [first, ...others];
    await expect.poll(() => allLinks(pages, (state) => state === 'direct'), { timeout: 25_000 }).toBe(true);
    for (const [i, p] of pages.entries())
      await p.page.evaluate(
        (n) => (globalThis as never as { testBroadcast: (n: number) => void }).testBroadcast(n),
        i + 1,
      );
    // phys (never retransmitted) and event (expiring) promise no delivery: one lost on the way is gone for
    // good, so they are sent again until each page has had one of each from each other page.
    const distinct = (s: PageState) => new Set(s.received).size;
    await expect
      .poll(
        async () => {
          const counts = (await Promise.all(pages.map((p) => p.state()))).map(distinct);
          if (counts.some((count) => count < 6)) {
            for (const [i, p] of pages.entries())
              await p.page.evaluate(
                (n) =>
                  (globalThis as never as { testResendUnreliable: (n: number) => void }).testResendUnreliable(
                    n,
                  ),
                i + 1,
              );
          }
          return counts;
        },
        { timeout: 10_000 },
      )
      .toEqual([6, 6, 6]);
    const firstState = await first.state();
    expect([...new Set(firstState.received)].sort()).toEqual(
      [2, 3]
        .flatMap((n) =>
          ['dispatch', 'event', 'phys'].map((channel) => `${pages[n - 1]!.playerId}:${channel}:${n}`),
        )
        .sort(),
    );
    // dispatch went once, and came once from each.
    expect(firstState.received.filter((entry) => entry.includes(':dispatch:')).sort()).toEqual(
      [2, 3].map((n) => `${pages[n - 1]!.playerId}:dispatch:${n}`).sort(),
    );
    for (const p of pages) {
      expect(p.errors).toEqual([]);
      await p.page.close();
    }
  }, 60_000);

  it('a page whose RTCPeerConnection is removed talks through the relay with the same API', async () => {
    const first = await player(undefined);
    const plain = await player(first.roomId, { noWebRtc: true });
    await expect
      .poll(() => allLinks([first, plain], (state) => state === 'relayed'), { timeout: 15_000 })
      .toBe(true);
    await plain.page.evaluate(() =>
      (globalThis as never as { testBroadcast: (n: number) => void }).testBroadcast(9),
    );
    await expect.poll(async () => (await first.state()).received.length, { timeout: 10_000 }).toBe(3);
    expect(plain.errors).toEqual([]);
    await first.page.close();
    await plain.page.close();
  }, 60_000);
});
