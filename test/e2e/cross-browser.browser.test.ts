import type { BrowserContext, Browser as ChromiumBrowser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { launchChromium, playerArgs } from '../support/browser.js';
import { buildClientPage } from '../support/client-page.js';
import { type LaunchedFirefox, launchFirefox } from '../support/firefox.js';
import { isolated } from '../support/isolated.js';
import { startServer, type TestServer } from '../support/server.js';
import { openChromiumPage, openFirefoxPage, type TestPage } from '../support/test-page.js';

type Vehikill = typeof import('vehikill-net/client');
type VoiceChat = import('vehikill-net/client').VoiceChat;

interface PageState {
  playerId: string;
  /** Current state of each peer link. */
  links: Record<string, string>;
  /** Every state each link went through, in order, for failure messages. */
  history: string[];
  /** `channel -> ["from:b0.b1...", ...]` in arrival order. */
  received: Record<string, string[]>;
  /** Messages the direct (WebRTC) path of each link has received; absent while it is not direct. */
  directReceived: Record<string, number>;
}

let chromium: ChromiumBrowser;
let chromiumContext: BrowserContext;
let firefox: LaunchedFirefox;
let t: TestServer;

const openChromium = () => openChromiumPage(chromiumContext, t.httpUrl);
const openFirefox = () => openFirefoxPage(firefox.browser, t.httpUrl);

/** Connects the page's client, joins `roomId` (or creates the room) and starts the mesh or voice. */
function joinRoom(page: TestPage, roomId: string | undefined, feature: 'mesh' | 'voice') {
  return page.run(
    async ({ roomId, feature }) => {
      const { Client } = (globalThis as never as { vehikill: Vehikill }).vehikill;
      const client = new Client();
      await client.connect();
      const room = roomId ? await client.join(roomId) : await client.create('test');
      if (feature === 'mesh') {
        const mesh = room.mesh({ directTimeoutMs: 10_000, retryDirectMs: 1_000 });
        const state: PageState = {
          playerId: room.selfId,
          links: {},
          history: [],
          received: { phys: [], event: [], dispatch: [] },
          directReceived: {},
        };
        mesh.on('message', ({ from, channel, bytes }) => {
          state.received[channel]?.push(`${from}:${[...bytes].join('.')}`);
        });
        mesh.on('peer-state', ({ peerId, state: linkState }) => state.history.push(`${peerId}:${linkState}`));
        Object.assign(globalThis, { testMesh: mesh, testState: state });
      } else {
        const voice = room.voice({ bitrate: 20_000 });
        const problems: string[] = [];
        voice.on('problem', ({ message }) => problems.push(message));
        Object.assign(globalThis, { testVoice: voice, testProblems: problems });
      }
      return { roomId: room.roomId, playerId: client.playerId ?? '' };
    },
    { roomId, feature },
  );
}

const meshState = (page: TestPage) =>
  page.run(() => {
    const { testState, testMesh } = globalThis as never as {
      testState: PageState;
      testMesh: import('vehikill-net/client').PeerMesh;
    };
    testState.directReceived = {};
    for (const link of testMesh.peers()) {
      testState.links[link.peerId] = link.state;
      // A link's stats are its direct path's while it is direct.
      if (link.state === 'direct') testState.directReceived[link.peerId] = link.stats().messagesReceived;
    }
    return testState;
  }, undefined);

const DISPATCH_COUNT = 20;

/**
 * Sends one phys and one event message, each starting with `tag`, and with `dispatch` also DISPATCH_COUNT
 * dispatch messages. phys (never retransmitted) and event (expiring) promise no delivery, so they are sent
 * again until heard; dispatch goes once.
 */
function sendAll(page: TestPage, peerId: string, tag: number, dispatch: boolean) {
  return page.run(
    ({ peerId, tag, count }) => {
      const { testMesh } = globalThis as never as { testMesh: import('vehikill-net/client').PeerMesh };
      const { Channel } = (globalThis as never as { vehikill: Vehikill }).vehikill;
      const sent = [
        testMesh.send(peerId, Channel.phys, Uint8Array.of(tag, 100)),
        testMesh.send(peerId, Channel.event, Uint8Array.of(tag, 200)),
      ];
      for (let i = 0; i < count; i++)
        sent.push(testMesh.send(peerId, Channel.dispatch, Uint8Array.of(tag, i)));
      return sent.every(Boolean);
    },
    { peerId, tag, count: dispatch ? DISPATCH_COUNT : 0 },
  );
}

/** What the receiver must have got from `from`, who sent with `tag`: phys and event once or more. */
function expected(from: string, tag: number) {
  return {
    phys: [`${from}:${tag}.100`],
    event: [`${from}:${tag}.200`],
    dispatch: Array.from({ length: DISPATCH_COUNT }, (_, i) => `${from}:${tag}.${i}`),
  };
}

/** What a page received, each phys and event message once however often it came. */
const distinct = (received: PageState['received']) => ({
  phys: [...new Set(received.phys ?? [])],
  event: [...new Set(received.event ?? [])],
  dispatch: received.dispatch ?? [],
});

const enableMicrophone = (page: TestPage) =>
  page.run(() => (globalThis as never as { testVoice: VoiceChat }).testVoice.enableMicrophone(), undefined);

const voiceProblems = (page: TestPage) =>
  page.run(() => (globalThis as never as { testProblems: string[] }).testProblems, undefined);

/** This page's inbound audio from `peerId`: RTP packets so far and the current audio level. */
const inbound = (page: TestPage, peerId: string) =>
  page.run(async (peerId) => {
    const voice = (globalThis as never as { testVoice: VoiceChat }).testVoice;
    const report = await voice.stats(peerId);
    let packets = 0;
    let level = 0;
    report?.forEach((entry) => {
      if (entry.type === 'inbound-rtp' && entry.kind === 'audio') {
        packets = entry.packetsReceived ?? 0;
        level = entry.audioLevel ?? 0;
      }
    });
    return { packets, level };
  }, peerId);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!isolated)('Chromium <-> Firefox ESR (loopback-only namespace)', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    const dir = await buildClientPage();
    // Firefox reads its stored microphone permission at launch, so it needs the server's real port first.
    const launchingChromium = launchChromium(playerArgs());
    t = await startServer({ test: TestRoom }, { staticDir: dir, rateBurst: 10_000, ratePerSecond: 10_000 });
    [chromium, firefox] = await Promise.all([
      launchingChromium,
      launchFirefox({ microphoneOrigins: [t.httpUrl] }),
    ]);
    chromiumContext = await chromium.newContext();
    await chromiumContext.grantPermissions(['microphone'], { origin: t.httpUrl });
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled([chromium?.close(), firefox?.close()]);
    await t?.close();
  });

  it('form a direct link and exchange phys, event and dispatch both ways', async () => {
    const c = await openChromium();
    const f = await openFirefox();
    const cIds = await joinRoom(c, undefined, 'mesh');
    const fIds = await joinRoom(f, cIds.roomId, 'mesh');

    await expect
      .poll(async () => [(await meshState(c)).links, (await meshState(f)).links], { timeout: 20_000 })
      .toEqual([{ [fIds.playerId]: 'direct' }, { [cIds.playerId]: 'direct' }]);

    expect(await sendAll(c, fIds.playerId, 0xc, true)).toBe(true);
    expect(await sendAll(f, cIds.playerId, 0xf, true)).toBe(true);

    const total = 2 + DISPATCH_COUNT;
    const count = (s: PageState) =>
      Object.values(distinct(s.received)).reduce((n, list) => n + list.length, 0);
    let polls = 0;
    await expect
      .poll(
        async () => {
          if (polls++ > 0) {
            await sendAll(c, fIds.playerId, 0xc, false);
            await sendAll(f, cIds.playerId, 0xf, false);
          }
          return [count(await meshState(c)), count(await meshState(f))];
        },
        { timeout: 10_000 },
      )
      .toEqual([total, total]);

    const cState = await meshState(c);
    const fState = await meshState(f);
    // Firefox got Chromium's messages and Chromium got Firefox's, on every channel, dispatch once each and in
    // order.
    expect(distinct(fState.received)).toEqual(expected(cIds.playerId, 0xc));
    expect(distinct(cState.received)).toEqual(expected(fIds.playerId, 0xf));
    // Still direct on both sides, and the direct path itself carried (at least) what was sent, so nothing
    // went through the server relay.
    const history = JSON.stringify([cState.history, fState.history]);
    expect([cState.links, fState.links], history).toEqual([
      { [fIds.playerId]: 'direct' },
      { [cIds.playerId]: 'direct' },
    ]);
    expect(cState.directReceived[fIds.playerId], history).toBeGreaterThanOrEqual(total);
    expect(fState.directReceived[cIds.playerId], history).toBeGreaterThanOrEqual(total);

    expect(c.errors).toEqual([]);
    expect(f.errors).toEqual([]);
    await c.close();
    await f.close();
  });

  it('voice flows both ways: each side sees inbound audio packets rising and a level above zero', async () => {
    const c = await openChromium();
    const f = await openFirefox();
    const cIds = await joinRoom(c, undefined, 'voice');
    const fIds = await joinRoom(f, cIds.roomId, 'voice');
    expect(await enableMicrophone(c)).toEqual({ ok: true });
    expect(await enableMicrophone(f)).toEqual({ ok: true });

    for (const [listener, talker] of [
      [f, cIds.playerId],
      [c, fIds.playerId],
    ] as const) {
      await expect
        .poll(async () => (await inbound(listener, talker)).packets, {
          timeout: 20_000,
          message: `${listener.name} receives audio packets`,
        })
        .toBeGreaterThan(25);
      const before = await inbound(listener, talker);
      await sleep(1_000);
      const after = await inbound(listener, talker);
      // ~50 packets/s of 20 ms Opus frames: allow for jitter, but it must be flowing.
      expect(after.packets - before.packets, `${listener.name} packets in 1 s`).toBeGreaterThan(20);
      // A muted sender still yields 1/32767 (comfort noise): require a real signal, about -40 dBFS or more.
      await expect
        .poll(async () => (await inbound(listener, talker)).level, {
          timeout: 10_000,
          message: `${listener.name} hears a level above 0.01`,
        })
        .toBeGreaterThan(0.01);
    }

    expect(await voiceProblems(c)).toEqual([]);
    expect(await voiceProblems(f)).toEqual([]);
    expect(c.errors).toEqual([]);
    expect(f.errors).toEqual([]);
    await c.close();
    await f.close();
  });
});
