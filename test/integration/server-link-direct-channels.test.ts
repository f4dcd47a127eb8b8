import { describe, expect, it } from 'vitest';
import { expectHonestUnaffected, type Flooder, useArena, watchHonest } from '../support/link-abuse.js';

/**
 * A hostile player on its real direct server link uses what WebRTC lets any client do beyond our
 * protocol: data channels the server never made, by id or in band, and signals after the handshake.
 * The server runs in a process of its own, so a freeze or a crash shows as a failed answer.
 */

// A fault budget no attack here can spend: these tests measure what is dropped and counted while the
// attack goes on (server-link-direct-cutoff.test.ts: the player cut off with the default budget).
const arena = useArena({ errorBudget: 1e9 });
let flooder: Flooder | undefined;
// Timeouts of 60 s and more: a flooder's start alone may take 20 s on a loaded machine, and each step has
// a bound of its own that names it when it fails.

/** The flooder's link still works: what it sends on phys reaches the room. */
async function expectFlooderLinkWorks(): Promise<void> {
  const playerId = flooder!.playerId;
  const heard = async () => (await arena.stats()).heard[playerId]?.phys ?? 0;
  const before = await heard();
  await flooder!.command({ op: 'flood', id: 0, rate: 50, ms: 500, payload: 'zeros', bytes: 8 });
  expect(await heard()).toBeGreaterThan(before);
}

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
