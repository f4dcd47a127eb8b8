import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRoom } from '../integration/rooms-fixtures.js';
import { buildClientPage } from '../support/client-page.js';
import { isolated } from '../support/isolated.js';
import { type LifecycleBrowser, launchLifecycleChromium } from '../support/lifecycle-browser.js';
import { startServer, type TestServer } from '../support/server.js';

/**
 * Chromium runs the timers of a page hidden for 5 minutes about once a minute ("intensive wake-up
 * throttling"), unless the page holds a live RTCPeerConnection: an app on WebSocket alone gets it. This
 * feature setting starts it after 10 s instead of 5 minutes.
 */
const THROTTLE_AFTER_10_S = '--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/10';
/**
 * Hidden this long, the page's timers stall for 32 s or more whatever the phase: after the 10 s grace,
 * wake-ups come a minute apart on whole minutes, so one of the two stalls either side of the first is that long.
 */
const HIDDEN_MS = 75_000;

interface PageWatch {
  /** The longest gap between two runs of a 1 s interval timer (ms). */
  longestTimerGapMs: number;
  /** When that timer last ran (epoch ms): the gap still open when read counts too. */
  lastTimerRunAt: number;
  /** The client's drops and reconnects, as they happened. */
  events: string[];
  state: string;
}

let life: LifecycleBrowser;
let t: TestServer;

beforeAll(async () => {
  const dir = await buildClientPage();
  [life, t] = await Promise.all([
    launchLifecycleChromium([THROTTLE_AFTER_10_S]),
    startServer({ test: TestRoom }, { staticDir: dir }),
  ]);
});
afterAll(async () => {
  await life?.close();
  await t?.close();
});

describe.skipIf(!isolated)('a WebSocket-only client in a tab hidden past Chromium’s throttling', () => {
  it('keeps its session: the server never sees it away, no drop, the room answers at once when shown', async () => {
    const page = life.page;
    await page.goto(t.httpUrl);
    await page.evaluate(async (url) => {
      const { Client } = (globalThis as never as { vehikill: typeof import('vehikill-net/client') }).vehikill;
      // No server link and no mesh: nothing but the WebSocket, so nothing spares the page's timers.
      const client = new Client({ url, serverLink: 'off' });
      const watch = { longestTimerGapMs: 0, lastTimerRunAt: Date.now(), events: [] as string[], state: '' };
      client.on('drop', () => watch.events.push('drop'));
      client.on('reconnect', ({ resumed }) => watch.events.push(`reconnect:${resumed}`));
      setInterval(() => {
        const now = Date.now();
        watch.longestTimerGapMs = Math.max(watch.longestTimerGapMs, now - watch.lastTimerRunAt);
        watch.lastTimerRunAt = now;
      }, 1_000);
      await client.connect();
      const room = await client.create('test');
      const echoes: unknown[] = [];
      room.onMessage('echo', (data) => echoes.push(data));
      Object.assign(globalThis, { testClient: client, testRoom: room, testWatch: watch, testEchoes: echoes });
    }, `ws://127.0.0.1:${t.port}/ws`);
    const readWatch = () =>
      page.evaluate(() => {
        const { testWatch, testClient } = globalThis as never as {
          testWatch: PageWatch;
          testClient: { state: string };
        };
        // Wake-ups align to whole minutes, so the longest stall may be the one still open: a wake-up 18 s
        // after throttling began leaves the next one past the end of the test.
        const openGapMs = Date.now() - testWatch.lastTimerRunAt;
        return {
          ...testWatch,
          longestTimerGapMs: Math.max(testWatch.longestTimerGapMs, openGapMs),
          state: testClient.state,
        };
      });

    await life.hide();
    // Sampled from the test's own timers: the page's run once a minute now.
    const awaySeen: number[] = [];
    const connections = new Set<number>();
    const hiddenUntil = Date.now() + HIDDEN_MS;
    while (Date.now() < hiddenUntil) {
      for (const player of t.server.stats.players()) {
        if (player.away) awaySeen.push(Date.now());
        connections.add(player.connection);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const hidden = await readWatch();
    // Without throttling the test would prove nothing: the page's timers must have stalled for far longer
    // than the client's dead-server timeout (15 s at the default 5 s heartbeat).
    expect(hidden.longestTimerGapMs, 'Chromium did not throttle the hidden page').toBeGreaterThan(20_000);
    expect(awaySeen).toEqual([]);
    expect([...connections]).toEqual([1]);
    expect(hidden.events).toEqual([]);
    expect(hidden.state).toBe('open');

    await life.show();
    const started = Date.now();
    await page.evaluate(() => {
      (globalThis as never as { testRoom: { send(type: string, data: unknown): void } }).testRoom.send(
        'echo',
        42,
      );
    });
    await expect
      .poll(() => page.evaluate(() => (globalThis as never as { testEchoes: unknown[] }).testEchoes))
      .toEqual([42]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await readWatch()).events).toEqual([]);
  }, 150_000);
});
