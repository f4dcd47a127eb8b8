import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, watchErrors } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { type Coturn, startCoturn } from '../support/coturn.js';
import { startServer, type TestServer } from '../support/server.js';

const isolated = process.env.VEHIKILL_NET_ISOLATED === '1';
type Vehikill = typeof import('vehikill-net/client');

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

  it("two pages forced to iceTransportPolicy 'relay' connect through TURN and use all three channels", async () => {
    const open = async (roomId?: string) => {
      const page = await context.newPage();
      const errors = watchErrors(page);
      await page.goto(t.httpUrl);
      const joined = await page.evaluate(async (roomId) => {
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
        const client = new Client();
        await client.connect();
        const room = roomId ? await client.join(roomId) : await client.create('test');
        // No iceServers given: the mesh uses what the server's welcome handed out (TURN credentials).
        const mesh = room.mesh({
          rtc: { iceTransportPolicy: 'relay' },
          directTimeoutMs: 15_000,
          retryDirectMs: 1_000,
        });
        const received: string[] = [];
        mesh.on('message', ({ channel }) => received.push(channel));
        Object.assign(globalThis, {
          testState: () => ({ links: mesh.peers().map((link) => link.state), received }),
          testSend: () => {
            for (const channel of [Channel.phys, Channel.event, Channel.dispatch])
              mesh.broadcast(channel, Uint8Array.of(1));
          },
        });
        return room.roomId;
      }, roomId);
      const state = () =>
        page.evaluate(() =>
          (globalThis as never as { testState: () => { links: string[]; received: string[] } }).testState(),
        );
      return { page, errors, roomId: joined, state };
    };
    const a = await open();
    const b = await open(a.roomId);
    await expect.poll(async () => (await a.state()).links, { timeout: 30_000 }).toEqual(['direct']);
    await expect.poll(async () => (await b.state()).links, { timeout: 10_000 }).toEqual(['direct']);
    await a.page.evaluate(() => (globalThis as never as { testSend: () => void }).testSend());
    await expect
      .poll(async () => (await b.state()).received.sort(), { timeout: 10_000 })
      .toEqual(['dispatch', 'event', 'phys']);
    // The candidate pair really is a relay one.
    const relayed = await b.page.evaluate(async () => {
      const stats: string[] = [];
      for (const pc of (globalThis as never as { testPeerConnections?: RTCPeerConnection[] })
        .testPeerConnections ?? []) {
        for (const report of (await pc.getStats()).values())
          if (report.type === 'local-candidate') stats.push(report.candidateType);
      }
      return stats;
    });
    expect(relayed.length).toBeGreaterThan(0);
    expect(relayed.every((type) => type === 'relay')).toBe(true);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
  }, 60_000);
});
