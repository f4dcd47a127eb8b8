import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, playerArgs, watchErrors } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { isolated } from '../support/isolated.js';
import { startServer, type TestServer } from '../support/server.js';

type Vehikill = typeof import('vehikill-net/client');

let browser: Browser;
let t: TestServer;

describe.skipIf(!isolated)('voice chat in real Chromium with a fake microphone', () => {
  beforeAll(async () => {
    const dir = await buildClientPage();
    [browser, t] = await Promise.all([
      launchChromium(playerArgs()),
      startServer({ test: TestRoom }, { staticDir: dir }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** A page in `roomId` (or a new room) with voice started, or ready to start it (`startVoice`). */
  async function open(context: BrowserContext, roomId?: string, { deferVoice = false } = {}) {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(t.httpUrl);
    const info = await page.evaluate(
      async ({ roomId, deferVoice }) => {
        const { Client } = (globalThis as never as { vehikill: Vehikill }).vehikill;
        const client = new Client();
        await client.connect();
        const room = roomId ? await client.join(roomId) : await client.create('test');
        const startVoice = () => {
          // Proximity voice the test can switch: `testNear = false` then `refreshPeers()` drops peers.
          const audible = () => (globalThis as { testNear?: boolean }).testNear !== false;
          const voice = room.voice({ bitrate: 20_000, audible });
          const problems: string[] = [];
          const speaking: string[] = [];
          voice.on('problem', ({ message }) => problems.push(message));
          voice.on('speaking', ({ peerId, speaking: on }) => speaking.push(`${peerId}:${on}`));
          Object.assign(globalThis, { testVoice: voice, testProblems: problems, testSpeaking: speaking });
        };
        if (deferVoice) Object.assign(globalThis, { startVoice });
        else startVoice();
        return { roomId: room.roomId, playerId: client.playerId ?? '' };
      },
      { roomId, deferVoice },
    );
    const startVoice = () =>
      page.evaluate(() => (globalThis as never as { startVoice: () => void }).startVoice());
    return { page, errors, ...info, startVoice };
  }

  const enable = (page: import('playwright-core').Page) =>
    page.evaluate(() =>
      (
        globalThis as never as { testVoice: import('vehikill-net/client').VoiceChat }
      ).testVoice.enableMicrophone(),
    );

  const inbound = (page: import('playwright-core').Page, peerId: string) =>
    page.evaluate(async (peerId) => {
      const voice = (globalThis as never as { testVoice: import('vehikill-net/client').VoiceChat }).testVoice;
      const report = await voice.stats(peerId);
      let packets = 0;
      let level = 0;
      for (const entry of report?.values() ?? []) {
        if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
          packets = entry.packetsReceived ?? 0;
          level = entry.audioLevel ?? 0;
        }
      }
      return { packets, level };
    }, peerId);

  it('audio flows both ways: the remote side sees inbound packets rising and an audio level above zero', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['microphone'], { origin: t.httpUrl });
    const a = await open(context);
    const b = await open(context, a.roomId);
    expect(await enable(a.page)).toEqual({ ok: true });
    expect(await enable(b.page)).toEqual({ ok: true });
    await expect
      .poll(async () => (await inbound(b.page, a.playerId)).packets, { timeout: 20_000 })
      .toBeGreaterThan(50);
    const first = await inbound(b.page, a.playerId);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const later = await inbound(b.page, a.playerId);
    expect(later.packets).toBeGreaterThan(first.packets);
    await expect
      .poll(async () => (await inbound(b.page, a.playerId)).level, { timeout: 10_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(async () => (await inbound(a.page, b.playerId)).packets, { timeout: 10_000 })
      .toBeGreaterThan(50);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    await context.close();
  }, 60_000);

  it("voice started after the peer's offer went out still connects (the offer is replayed to it)", async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['microphone'], { origin: t.httpUrl });
    const a = await open(context, undefined, { deferVoice: true });
    const b = await open(context, a.roomId, { deferVoice: true });
    // The lower id offers: it starts first, so its offer reaches a page whose voice does not exist yet.
    const [early, late] = a.playerId < b.playerId ? [a, b] : [b, a];
    await early.startVoice();
    expect(await enable(early.page)).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await late.startVoice();
    await expect
      .poll(async () => (await inbound(late.page, early.playerId)).packets, { timeout: 10_000 })
      .toBeGreaterThan(20);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await context.close();
  }, 40_000);

  it('proximity voice: the offerer re-adds the peer before the answerer does, and audio flows again', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['microphone'], { origin: t.httpUrl });
    const a = await open(context);
    const b = await open(context, a.roomId);
    const [offerer, answerer] = a.playerId < b.playerId ? [a, b] : [b, a];
    expect(await enable(offerer.page)).toEqual({ ok: true });
    expect(await enable(answerer.page)).toEqual({ ok: true });
    await expect
      .poll(async () => (await inbound(answerer.page, offerer.playerId)).packets, { timeout: 20_000 })
      .toBeGreaterThan(20);
    const setNear = (page: import('playwright-core').Page, near: boolean) =>
      page.evaluate((near) => {
        const g = globalThis as never as {
          testNear: boolean;
          testVoice: import('vehikill-net/client').VoiceChat;
        };
        g.testNear = near;
        g.testVoice.refreshPeers();
      }, near);
    await setNear(offerer.page, false);
    await setNear(answerer.page, false);
    // The offerer comes back in range first: its offer reaches a page that has no audio connection for it.
    await setNear(offerer.page, true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await setNear(answerer.page, true);
    // Stats are the new connection's: packets count from zero again.
    await expect
      .poll(async () => (await inbound(answerer.page, offerer.playerId)).packets, { timeout: 15_000 })
      .toBeGreaterThan(20);
    await expect
      .poll(async () => (await inbound(offerer.page, answerer.playerId)).packets, { timeout: 10_000 })
      .toBeGreaterThan(20);
    expect([...a.errors, ...b.errors]).toEqual([]);
    await context.close();
  }, 60_000);

  it('a refused microphone gives a clear message and listening still works', async () => {
    const context = await browser.newContext();
    await context.grantPermissions(['microphone'], { origin: t.httpUrl });
    const talker = await open(context);
    const listener = await open(context, talker.roomId);
    // Make the listener's getUserMedia refuse, as a user clicking "Block" would.
    await listener.page.evaluate(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('denied', 'NotAllowedError'));
    });
    const refused = await enable(listener.page);
    expect(refused).toMatchObject({ ok: false, reason: 'denied' });
    expect((refused as { message: string }).message).toMatch(/permission/i);
    expect(await enable(talker.page)).toEqual({ ok: true });
    await expect
      .poll(async () => (await inbound(listener.page, talker.playerId)).packets, { timeout: 20_000 })
      .toBeGreaterThan(20);
    await context.close();
  }, 60_000);
});
