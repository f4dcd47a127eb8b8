import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, watchErrors } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { type Coturn, startCoturn } from '../support/coturn.js';
import { isolated } from '../support/isolated.js';
import { startServer, type TestServer } from '../support/server.js';

type Vehikill = typeof import('vehikill-net/client');
interface PageState {
  links: string[];
  received: string[];
  signals: unknown[];
}

let browser: Browser;
let context: BrowserContext;
let t: TestServer;
let coturn: Coturn;

describe.skipIf(!isolated)('TURN relay (coturn) with per-player credentials from the server', () => {
  beforeAll(async () => {
    coturn = await startCoturn();
    const dir = await buildClientPage();
    [browser, t] = await Promise.all([
      launchChromium(['--allow-loopback-in-peer-connection']),
      startServer(
        { test: TestRoom },
        { staticDir: dir, turn: { urls: [coturn.url], secret: coturn.secret } },
      ),
    ]);
    context = await browser.newContext();
    await context.grantPermissions(['microphone'], { origin: t.httpUrl });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await coturn?.stop();
  });

  /** A page in `roomId` (or a new room); `forceRelay` asks for TURN itself, `relayOnlyRoom` has the room ask. */
  const open = async (roomId?: string, { forceRelay = true, relayOnlyRoom = false } = {}) => {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(t.httpUrl);
    const joined = await page.evaluate(
      async ({ roomId, forceRelay, relayOnlyRoom }) => {
        const { Client, Channel } = (globalThis as never as { vehikill: Vehikill }).vehikill;
        // Keep hold of the peer connections the mesh makes, to read their stats afterwards.
        const made: RTCPeerConnection[] = [];
        const Original = globalThis.RTCPeerConnection;
        globalThis.RTCPeerConnection = class extends Original {
          constructor(configuration?: RTCConfiguration) {
            super(configuration);
            made.push(this);
          }
        } as typeof RTCPeerConnection;
        Object.assign(globalThis, { testPeerConnections: made });
        // The server link is a connection to the server, not a peer: leave it out of the candidate count.
        const client = new Client({ serverLink: 'off' });
        await client.connect();
        const room = roomId
          ? await client.join(roomId)
          : await client.create('test', { options: { relayOnly: relayOnlyRoom } });
        // No iceServers given: the mesh uses what the server's welcome handed out (TURN credentials).
        const mesh = room.mesh({
          rtc: forceRelay ? { iceTransportPolicy: 'relay' } : {},
          directTimeoutMs: 15_000,
          retryDirectMs: 1_000,
        });
        const received: string[] = [];
        const signals: unknown[] = [];
        room.on('signal', ({ signal }) => signals.push(signal));
        mesh.on('message', ({ channel }) => received.push(channel));
        Object.assign(globalThis, {
          testState: () => ({ links: mesh.peers().map((link) => link.state), received, signals }),
          testSend: () => {
            for (const channel of [Channel.phys, Channel.event, Channel.dispatch])
              mesh.broadcast(channel, Uint8Array.of(1));
          },
          testResendUnreliable: () => {
            for (const channel of [Channel.phys, Channel.event]) mesh.broadcast(channel, Uint8Array.of(1));
          },
        });
        return room.roomId;
      },
      { roomId, forceRelay, relayOnlyRoom },
    );
    const state = () =>
      page.evaluate(() => (globalThis as never as { testState: () => PageState }).testState());
    return { page, errors, roomId: joined, state };
  };

  /**
   * `to` hears what `from` sent on all three channels. phys (never retransmitted) and event (expiring)
   * promise no delivery, and a datagram lost on its way through TURN is gone for good: they are sent again
   * until heard. dispatch went once and must come once.
   */
  const expectAllChannels = async (
    from: Awaited<ReturnType<typeof open>>,
    to: Awaited<ReturnType<typeof open>>,
  ) => {
    await expect
      .poll(
        async () => {
          const heard = [...new Set((await to.state()).received)].sort();
          if (heard.length < 3)
            await from.page.evaluate(() =>
              (globalThis as never as { testResendUnreliable: () => void }).testResendUnreliable(),
            );
          return heard;
        },
        { timeout: 10_000 },
      )
      .toEqual(['dispatch', 'event', 'phys']);
    expect((await to.state()).received.filter((channel) => channel === 'dispatch')).toEqual(['dispatch']);
  };

  /** The types of the local candidates of every peer connection the page made. */
  const localCandidateTypes = (page: Page) =>
    page.evaluate(async () => {
      const types: string[] = [];
      for (const pc of (globalThis as never as { testPeerConnections?: RTCPeerConnection[] })
        .testPeerConnections ?? []) {
        for (const report of (await pc.getStats()).values())
          if (report.type === 'local-candidate') types.push(report.candidateType);
      }
      return types;
    });

  it("two pages forced to iceTransportPolicy 'relay' connect through TURN and use all three channels", async () => {
    const a = await open();
    const b = await open(a.roomId);
    await expect.poll(async () => (await a.state()).links, { timeout: 30_000 }).toEqual(['direct']);
    await expect.poll(async () => (await b.state()).links, { timeout: 10_000 }).toEqual(['direct']);
    await a.page.evaluate(() => (globalThis as never as { testSend: () => void }).testSend());
    await expectAllChannels(a, b);
    // The candidate pair really is a relay one.
    const relayed = await localCandidateTypes(b.page);
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.every((type) => type === 'relay')).toBe(true);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 60_000);

  it('a relay-only room connects its members through TURN without their asking, and no address leaks', async () => {
    const a = await open(undefined, { forceRelay: false, relayOnlyRoom: true });
    const b = await open(a.roomId, { forceRelay: false });
    await expect.poll(async () => (await a.state()).links, { timeout: 30_000 }).toEqual(['direct']);
    await expect.poll(async () => (await b.state()).links, { timeout: 10_000 }).toEqual(['direct']);
    await b.page.evaluate(() => (globalThis as never as { testSend: () => void }).testSend());
    await expectAllChannels(b, a);
    for (const p of [a, b]) {
      const types = await localCandidateTypes(p.page);
      expect(types.length).toBeGreaterThan(0);
      expect(types.every((type) => type === 'relay')).toBe(true);
      // Every candidate a page was sent, in SDPs or trickled, is a TURN relay one.
      const text = JSON.stringify((await p.state()).signals);
      const candidates = [...text.matchAll(/candidate:[^"\\]*/g)].map((m) => m[0]);
      expect(candidates.length).toBeGreaterThan(0);
      for (const candidate of candidates) expect(candidate).toMatch(/ typ relay/);
    }
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 60_000);
});
