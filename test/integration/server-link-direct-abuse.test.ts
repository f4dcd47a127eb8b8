import { describe, expect, it } from 'vitest';
import { expectHonestUnaffected, type Flooder, useArena, watchHonest } from '../support/link-abuse.js';
import type { Stats } from '../support/link-arena-server.js';
import { sleep } from '../support/server.js';

/**
 * A hostile player floods its real direct server link (WebRTC data channels, node-datachannel at both
 * ends; not the TCP mode over the WebSocket), far beyond its rate of 240 messages a second (burst 480),
 * while an honest player plays in the same room; or it uses what WebRTC lets any client do beyond our
 * protocol: data channels the server never made, by id or in band, and signals after the handshake.
 * The server runs in a process of its own, so a freeze or a crash shows as a failed answer rather than
 * a hung test.
 */

/**
 * The most the server can have taken from one player's link between two of its stats (burst, then the
 * rate: 480 + 240/s), by the server's own clock: a loaded machine that answers late only widens it as
 * much as the server really had time to refill.
 */
const budget = (before: Stats, after: Stats) => 480 + 240 * ((after.atMs - before.atMs) / 1000);

/** The server process grew by less than this during one attack. */
const MEMORY_BOUND = 96 * 1024 * 1024;

// Each flood test's timeout, 90 s, is longer than its waits added up (a flooder's start 20 s, its flood
// command 30 s, the stats 5 s each, the settling 10 s): on a loaded machine a slow step fails with its own
// message and a merely slow attack passes. 30 s cut a far-ahead flood of 8 KB frames short in a full suite
// run. The channel and signal tests' 60 s likewise: each step has a bound of its own that names it.

/** How many more of the server's drops for `reason`, or of its bad input with `code`, `after` counts. */
const delta = (after: Stats, before: Stats, reason: string) =>
  (after.rejected[reason] ?? 0) - (before.rejected[reason] ?? 0);
const badInput = (after: Stats, before: Stats, code: string) =>
  (after.badInput[code] ?? 0) - (before.badInput[code] ?? 0);

const heardDelta = (after: Stats, before: Stats, playerId: string, channel: 'phys' | 'event' | 'dispatch') =>
  (after.heard[playerId]?.[channel] ?? 0) - (before.heard[playerId]?.[channel] ?? 0);

/**
 * The server's stats once it has worked through the attack: what it took and refused no longer grows
 * between two looks. A loaded server is still reading the flood's last messages when the flooder is done,
 * and those count neither as taken nor as refused yet.
 */
async function settledStats(playerId: string): Promise<Stats> {
  const counted = (stats: Stats) => {
    const heard = stats.heard[playerId];
    const rejected = Object.values(stats.rejected).reduce((sum, n) => sum + n, 0);
    return rejected + (heard ? heard.phys + heard.event + heard.dispatch : 0);
  };
  let stats = await arena.stats();
  for (let looks = 0; looks < 40; looks++) {
    await sleep(250);
    const next = await arena.stats();
    if (counted(next) === counted(stats)) return next;
    stats = next;
  }
  return stats;
}

/** The flooder's link still works: what it sends on phys reaches the room. */
async function expectFlooderLinkWorks(): Promise<void> {
  const playerId = flooder!.playerId;
  const heard = async () => (await arena.stats()).heard[playerId]?.phys ?? 0;
  const before = await heard();
  await flooder!.command({ op: 'flood', id: 0, rate: 50, ms: 500, payload: 'zeros', bytes: 8 });
  expect(await heard()).toBeGreaterThan(before);
}

// A fault budget no attack here can spend: these tests measure what is dropped and counted while the
// attack goes on (server-link-direct-cutoff.test.ts: the player cut off with the default budget). One
// arena for them all (its server, honest player and direct link started once): each test judges what
// changed while its own attack went on.
const arena = useArena({ errorBudget: 1e9 });
let flooder: Flooder | undefined;

describe('a flood on a direct server link', () => {
  it.each([
    ['phys', 0, 'zeros'],
    ['event', 1, 'zeros'],
    ['dispatch', 2, 'dispatch-seq'],
  ] as const)(
    '20,000 valid messages a second on %s for 5 s: dropped past the rate and counted; the honest player plays on',
    async (channel, id, payload) => {
      flooder = await arena.flooder();
      const before = await arena.stats();
      const view = await watchHonest(arena.honest, () =>
        flooder!.command({ op: 'flood', id, rate: 20_000, ms: 5_000, payload, bytes: 20 }),
      );
      const after = await settledStats(flooder.playerId);
      const { sent } = view.attack;
      expect(sent).toBeGreaterThan(50_000);
      // The room took no more than the player's budget; every other message is counted as RATE_LIMITED.
      const taken = heardDelta(after, before, flooder.playerId, channel);
      expect(taken).toBeLessThanOrEqual(budget(before, after));
      const limited = delta(after, before, 'rate');
      expect(limited).toBeGreaterThan(sent - budget(before, after) - sent / 10);
      expect(badInput(after, before, 'RATE_LIMITED')).toBe(limited);
      expectHonestUnaffected(view);
      expect(after.rssBytes - before.rssBytes).toBeLessThan(MEMORY_BOUND);
    },
    90_000,
  );

  it('20,000 keepalive pings a second on the control channel: answered within the rate, the rest dropped and counted', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    const view = await watchHonest(arena.honest, () =>
      flooder!.command({ op: 'flood', id: 3, rate: 20_000, ms: 5_000, payload: 'ping', bytes: 9 }),
    );
    const after = await settledStats(flooder.playerId);
    const { sent, controlFrames } = view.attack;
    expect(sent).toBeGreaterThan(50_000);
    // One pong per ping would be one control frame back per frame sent: no more than the budget goes back.
    expect(controlFrames).toBeLessThanOrEqual(budget(before, after) + 10);
    expect(delta(after, before, 'rate')).toBeGreaterThan(sent - budget(before, after) - sent / 10);
    expectHonestUnaffected(view);
    expect(after.rssBytes - before.rssBytes).toBeLessThan(MEMORY_BOUND);
  }, 90_000);
});

describe('malformed and oversize messages on a direct server link', () => {
  it('random bytes on phys and event reach the room within the rate (they are the app’s to validate)', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    const view = await watchHonest(arena.honest, async () => ({
      phys: await flooder!.command({
        op: 'flood',
        id: 0,
        rate: 5_000,
        ms: 2_000,
        payload: 'random',
        bytes: 100,
      }),
      event: await flooder!.command({
        op: 'flood',
        id: 1,
        rate: 5_000,
        ms: 2_000,
        payload: 'random',
        bytes: 100,
      }),
    }));
    const after = await settledStats(flooder.playerId);
    const taken =
      heardDelta(after, before, flooder.playerId, 'phys') +
      heardDelta(after, before, flooder.playerId, 'event');
    expect(taken).toBeGreaterThan(0);
    expect(taken).toBeLessThanOrEqual(budget(before, after));
    expectHonestUnaffected(view);
  }, 90_000);

  it('garbage on dispatch is counted as BAD_FRAME and never reaches the room', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    const view = await watchHonest(arena.honest, async () => ({
      truncated: await flooder!.command({
        op: 'flood',
        id: 2,
        rate: 200,
        ms: 1_000,
        payload: 'dispatch-bad',
        bytes: 0,
      }),
      junk: await flooder!.command({
        op: 'flood',
        id: 2,
        rate: 5_000,
        ms: 2_000,
        payload: 'junk',
        bytes: 64,
      }),
    }));
    const after = await settledStats(flooder.playerId);
    expect(heardDelta(after, before, flooder.playerId, 'dispatch')).toBe(0);
    // Every frame the rate let through (dispatch is reliable: all came) was refused as malformed. (The
    // rate also dropped a keepalive beat or two of the flooder's, sent while its budget was spent.)
    const { truncated, junk } = view.attack;
    const badFrames = delta(after, before, 'bad-frame');
    const admitted = truncated.sent + junk.sent - delta(after, before, 'rate');
    expect(badFrames).toBeGreaterThanOrEqual(admitted);
    expect(badFrames).toBeLessThanOrEqual(admitted + 10);
    expect(badInput(after, before, 'BAD_FRAME')).toBe(badFrames);
    expectHonestUnaffected(view);
  }, 90_000);

  it('messages of 16 KiB (the most the link takes) go through within the rate; larger ones never reach the room, counted', async () => {
    // The flooder tells its own stack the server takes 256 KiB, so that it sends what an honest one would not.
    flooder = await arena.flooder(256 * 1024);
    const before = await arena.stats();
    const view = await watchHonest(arena.honest, async () => ({
      fits: await flooder!.command({
        op: 'flood',
        id: 0,
        rate: 500,
        ms: 2_000,
        payload: 'zeros',
        bytes: 16_384,
      }),
      phys: await flooder!.command({
        op: 'flood',
        id: 0,
        rate: 200,
        ms: 1_000,
        payload: 'zeros',
        bytes: 20_000,
      }),
      event: await flooder!.command({
        op: 'flood',
        id: 1,
        rate: 20,
        ms: 1_000,
        payload: 'zeros',
        bytes: 200_000,
      }),
      dispatch: await flooder!.command({
        op: 'flood',
        id: 2,
        rate: 100,
        ms: 1_000,
        payload: 'dispatch-seq',
        bytes: 20_000,
      }),
    }));
    const after = await settledStats(flooder.playerId);
    const { fits, phys, event, dispatch } = view.attack;
    const heard = after.heard[flooder.playerId];
    // The ones that fit: taken whole, within the budget.
    expect(heardDelta(after, before, flooder.playerId, 'phys')).toBeGreaterThan(100);
    expect(heardDelta(after, before, flooder.playerId, 'phys')).toBeLessThanOrEqual(
      Math.min(fits.sent, budget(before, after)),
    );
    expect(heard?.largest).toBe(16_384);
    // The larger ones: none taken (not even their first 16 KiB), each counted as MESSAGE_TOO_LARGE.
    expect(heardDelta(after, before, flooder.playerId, 'event')).toBe(0);
    expect(heardDelta(after, before, flooder.playerId, 'dispatch')).toBe(0);
    // All of them, but a datagram lost on the way (phys is never retransmitted, event only for 250 ms).
    const tooLarge = delta(after, before, 'too-large');
    const oversize = phys.sent + event.sent + dispatch.sent;
    expect(tooLarge).toBeGreaterThan(oversize * 0.9);
    expect(tooLarge).toBeLessThanOrEqual(oversize);
    expect(badInput(after, before, 'MESSAGE_TOO_LARGE')).toBe(tooLarge);
    expectHonestUnaffected(view);
    expect(after.rssBytes - before.rssBytes).toBeLessThan(MEMORY_BOUND);
  }, 90_000);
});

describe('a dispatch stream with gaps and duplicates on a direct server link', () => {
  it('frames numbered far ahead are refused by the window and counted; the memory held stays bounded', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    const view = await watchHonest(arena.honest, () =>
      flooder!.command({ op: 'flood', id: 2, rate: 5_000, ms: 4_000, payload: 'dispatch-gap', bytes: 8_000 }),
    );
    const after = await settledStats(flooder.playerId);
    expect(heardDelta(after, before, flooder.playerId, 'dispatch')).toBe(0);
    const window = delta(after, before, 'dispatch-window');
    expect(window).toBeGreaterThan(480);
    expect(badInput(after, before, 'DISPATCH_WINDOW')).toBe(window);
    // What came past the budget was refused for the rate, before the window saw it. Bounded by what the
    // flooder sent: on a loaded machine 8 KB frames go out slower than 5,000 a second, and once the flood
    // sent about no more than the budget, the window alone refused it (a run had 0 refused for the rate).
    const { sent } = view.attack;
    expect(delta(after, before, 'rate')).toBeGreaterThanOrEqual(sent - budget(before, after) - sent / 10);
    expect(window + delta(after, before, 'rate')).toBeGreaterThanOrEqual(sent - sent / 10);
    expectHonestUnaffected(view);
    expect(after.rssBytes - before.rssBytes).toBeLessThan(MEMORY_BOUND);
  }, 90_000);

  it('the same number over and over is delivered once', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    const view = await watchHonest(arena.honest, () =>
      flooder!.command({ op: 'flood', id: 2, rate: 5_000, ms: 3_000, payload: 'dispatch-dup', bytes: 100 }),
    );
    const after = await settledStats(flooder.playerId);
    expect(view.attack.sent).toBeGreaterThan(10_000);
    expect(heardDelta(after, before, flooder.playerId, 'dispatch')).toBe(1);
    expectHonestUnaffected(view);
  }, 90_000);
});

describe('data channels the server did not make', () => {
  it('a negotiated channel of another id: its stream is reset by the stack; the link goes on', async () => {
    flooder = await arena.flooder();
    const view = await watchHonest(arena.honest, () =>
      flooder!.command({ op: 'flood', id: 7, rate: 2_000, ms: 2_000, payload: 'zeros', bytes: 100 }),
    );
    expect(view.attack.open).toBe(false);
    expectHonestUnaffected(view);
    await expectFlooderLinkWorks();
  }, 60_000);

  it('channels opened in band are closed at once and counted; messages sent on them hold nothing up', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    // 3,000 messages on each the moment it opens, while the server's event loop is busy (a long tick):
    // the stack takes them before the server's code hears of the channel, more than it queues (1,024)
    // for a channel nobody reads, where it would stop reading the whole connection to wait for room.
    // The tick outlasts the flooder's opening and bursts on a loaded machine too (1.5 s did not once, in a
    // full test run: the server closed the channels mid-burst), and stays under the keepalive's 4 s.
    const stalled = arena.stall(2_500);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const attack = await flooder.command<{ burstSent: number[]; timeline: string[]; stillOpen: number }>({
      op: 'channels',
      count: 4,
      burst: 3_000,
      rate: 2_000,
      ms: 2_000,
    });
    await stalled;
    // A channel took more than the stack queues for one (all 3,000 on each on a quiet machine; on a loaded
    // one a burst of 3,000 sends can take a second, and the connection's send buffer is full before the
    // later channels' bursts, whose sends then fail).
    expect(Math.max(...attack.burstSent), attack.timeline.join('; ')).toBeGreaterThan(1_024);
    // The flooder's connection still reads, now and past the keepalive's 4 s: one stuck in the stack
    // would have gone silent, been closed by the server, and that close would have frozen its event loop.
    const view = await watchHonest(arena.honest, async () => {
      await expectFlooderLinkWorks();
      await new Promise((resolve) => setTimeout(resolve, 4_500));
      await expectFlooderLinkWorks();
    });
    expectHonestUnaffected(view);
    const after = await arena.stats();
    expect(attack.stillOpen, attack.timeline.join('; ')).toBe(0);
    expect((after.rejected['extra-channel'] ?? 0) - (before.rejected['extra-channel'] ?? 0)).toBe(4);
    expect((after.badInput.EXTRA_CHANNEL ?? 0) - (before.badInput.EXTRA_CHANNEL ?? 0)).toBe(4);
  }, 60_000);
});

describe('signals after the handshake', () => {
  it('another answer, an offer, bad SDP and bogus candidates change nothing: the link stays up', async () => {
    flooder = await arena.flooder();
    const before = await arena.stats();
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
    const view = await watchHonest(arena.honest, () =>
      flooder!.command<{ attempt: number }>({
        op: 'signal',
        signals: [
          { description: { type: 'answer', sdp } },
          { description: { type: 'offer', sdp } },
          { description: { type: 'answer', sdp: 'not sdp at all' } },
          ...Array.from({ length: 60 }, (_, i) => ({
            candidate: { candidate: `candidate:${i} 1 UDP 1 127.0.0.1 ${10_000 + i} typ host`, sdpMid: '0' },
          })),
          { candidate: { candidate: 'garbage', sdpMid: 'nope' } },
        ],
      }),
    );
    expect(view.attack.attempt).toBeGreaterThan(0); // signals of the attempt that made the link
    const after = await arena.stats();
    // No new handshake, no attempt ended: the direct link the flooder had is the one it has.
    expect(after.handshakes).toBe(before.handshakes);
    expect(await flooder.command({ op: 'state' })).toEqual({ path: 'direct' });
    expectHonestUnaffected(view);
    await expectFlooderLinkWorks();
  }, 60_000);
});
