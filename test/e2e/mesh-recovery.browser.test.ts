import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, watchErrors } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { isolated } from '../support/isolated.js';
import { startServer, type TestServer } from '../support/server.js';
import { blockUdp, unblockUdp } from '../support/udp-blocker.js';

let browser: Browser;
let context: BrowserContext;
let t: TestServer;

beforeAll(async () => {
  const dir = await buildClientPage();
  [browser, t] = await Promise.all([
    launchChromium(['--allow-loopback-in-peer-connection']),
    startServer({ test: TestRoom }, { staticDir: dir, rateBurst: 10_000, ratePerSecond: 10_000 }),
  ]);
  context = await browser.newContext();
  await context.grantPermissions(['microphone'], { origin: t.httpUrl });
});
afterEach(() => unblockUdp());
afterAll(async () => {
  unblockUdp();
  await browser?.close();
  await t?.close();
});

type Vehikill = typeof import('vehikill-net/client');
interface PageState {
  playerId: string;
  peerId: string;
  link: string;
  /** Whether the link holds a direct path (open or being tried), in use or not. */
  hasDirect: boolean;
  collisions: number;
  received: number[];
  sent: number;
}
interface PageControls {
  testState: PageState;
  startPump(): void;
  stopPump(): void;
  /** Arms an `online` event for `epochMs`; returns how long before it the page armed it (ms). */
  fireOnlineAt(epochMs: number): number;
}

/** A page in `roomId` (or a new room) whose mesh is watched; it can stream numbered dispatch messages. */
async function player(roomId: string | undefined, retryDirectMs: number) {
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(t.httpUrl);
  const joined = await page.evaluate(
    async ({ roomId, retryDirectMs }) => {
      const { Client, Channel } = (globalThis as never as { vehikill: Vehikill }).vehikill;
      const client = new Client();
      await client.connect();
      const room = roomId ? await client.join(roomId) : await client.create('test');
      const mesh = room.mesh({ directTimeoutMs: 10_000, retryDirectMs });
      const state: PageState = {
        playerId: client.playerId ?? '',
        peerId: '',
        link: 'none',
        hasDirect: false,
        collisions: 0,
        received: [],
        sent: 0,
      };
      mesh.on('message', ({ channel, bytes }) => {
        if (channel === Channel.dispatch) state.received.push(bytes[0]! | (bytes[1]! << 8));
      });
      setInterval(() => {
        const link = mesh.peers()[0];
        state.peerId = link?.peerId ?? '';
        state.link = link?.state ?? 'none';
        state.hasDirect = link?.direct !== undefined;
        state.collisions = link?.collisions ?? 0;
      }, 50);
      let pump: ReturnType<typeof setInterval> | undefined;
      const controls: Omit<PageControls, 'testState'> = {
        startPump() {
          pump = setInterval(() => {
            mesh.broadcast(Channel.dispatch, Uint8Array.of(state.sent & 0xff, state.sent >> 8));
            state.sent++;
          }, 20);
        },
        stopPump() {
          clearInterval(pump);
        },
        // Both pages share the machine's clock, so both fire within a millisecond or two.
        fireOnlineAt(epochMs) {
          const lead = epochMs - Date.now();
          setTimeout(() => globalThis.dispatchEvent(new Event('online')), lead);
          return lead;
        },
      };
      Object.assign(globalThis, { testState: state, ...controls });
      return { roomId: room.roomId };
    },
    { roomId, retryDirectMs },
  );
  const state = () => page.evaluate(() => (globalThis as never as PageControls).testState);
  return { page, errors, ...joined, state };
}

/** The numbers below `count` that `received` lacks: on failure, which messages are missing, not just how many. */
function missingBelow(count: number, received: number[]): number[] {
  const got = new Set(received);
  return Array.from({ length: count }, (_, n) => n & 0xffff).filter((n) => !got.has(n));
}

async function linkStates(pages: Array<{ state: () => Promise<PageState> }>): Promise<string[]> {
  return (await Promise.all(pages.map((p) => p.state()))).map((s) => s.link);
}

describe.skipIf(!isolated)('peer links in real Chromium when the network changes', () => {
  it('UDP blocked mid-session moves the link to the relay; it goes direct again when UDP returns', async () => {
    const alice = await player(undefined, 1_000);
    const bob = await player(alice.roomId, 1_000);
    await expect.poll(() => linkStates([alice, bob]), { timeout: 20_000 }).toEqual(['direct', 'direct']);
    await alice.page.evaluate(() => (globalThis as never as PageControls).startPump());

    blockUdp();
    // A silent direct path is noticed by the link's own watch (quiet after 1.5 s without a word, given up
    // after 4 s), not by ICE giving up (30 s): within the poll's 10 s even on a loaded machine.
    await expect.poll(() => linkStates([alice, bob]), { timeout: 10_000 }).toEqual(['relayed', 'relayed']);
    // Once both ends are on the relay, what the dead path swallowed (seconds of messages) comes through
    // it promptly: each end resent its data and acked again what it had as it changed path, so the backlog
    // drains in a few relay round trips, ack-paced, with nothing left waiting out a retransmission backoff
    // (up to 8 s, which held back all of the backlog after its first 64 messages).
    const sentWhileRelayed = (await alice.state()).sent;
    await expect
      .poll(async () => missingBelow(sentWhileRelayed, (await bob.state()).received), { timeout: 5_000 })
      .toEqual([]);

    unblockUdp();
    await expect.poll(() => linkStates([alice, bob]), { timeout: 20_000 }).toEqual(['direct', 'direct']);
    await alice.page.evaluate(() => (globalThis as never as PageControls).stopPump());
    // The last ones go at once over the new direct path, which loses nothing while it lives: nothing is
    // due to wait on a retransmission here, so any still missing after this bound was lost.
    const sent = (await alice.state()).sent;
    await expect
      .poll(async () => missingBelow(sent, (await bob.state()).received), { timeout: 5_000 })
      .toEqual([]);
    expect((await bob.state()).received).toEqual(Array.from({ length: sent }, (_, n) => n & 0xffff));
    expect([...alice.errors, ...bob.errors]).toEqual([]);
    await Promise.all([alice.page.close(), bob.page.close()]);
  }, 60_000);

  it('both sides offering at the same moment still connects (the polite side gives way)', async () => {
    // No timed retries: only the two simultaneous `online` events start new attempts.
    const alice = await player(undefined, 120_000);
    const bob = await player(alice.roomId, 120_000);
    await expect.poll(() => linkStates([alice, bob]), { timeout: 20_000 }).toEqual(['direct', 'direct']);
    blockUdp();
    // Given up, not only quiet: a quiet path that hears again is taken back with no new attempt.
    await expect
      .poll(async () => (await Promise.all([alice.state(), bob.state()])).map((s) => [s.link, s.hasDirect]), {
        timeout: 10_000,
      })
      .toEqual([
        ['relayed', false],
        ['relayed', false],
      ]);
    unblockUdp();

    // Two seconds' lead: both pages must arm their event before the moment, however slow the round trip
    // to each page is on a loaded machine.
    const at = Date.now() + 2_000;
    const leads = await Promise.all(
      [alice, bob].map((p) =>
        p.page.evaluate((at) => (globalThis as never as PageControls).fireOnlineAt(at), at),
      ),
    );
    expect(Math.min(...leads)).toBeGreaterThan(0);
    await expect.poll(() => linkStates([alice, bob]), { timeout: 15_000 }).toEqual(['direct', 'direct']);
    const [a, b] = await Promise.all([alice.state(), bob.state()]);
    // The higher player id is the polite side: it met the other offer while offering, and gave way.
    const [polite, initiator] = a.playerId > b.playerId ? [a, b] : [b, a];
    expect(polite.collisions).toBe(1);
    expect(initiator.collisions).toBe(0);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
    await Promise.all([alice.page.close(), bob.page.close()]);
  }, 60_000);
});
