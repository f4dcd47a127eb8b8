import { describe, expect, it } from 'vitest';
import { encodeBeat } from '../../src/transport/keepalive.js';
import { serverForHostilePeers, victimWithHostile } from '../support/hostile-peer.js';
import { sleep } from '../support/server.js';

const server = serverForHostilePeers();

/**
 * A hostile peer writes keepalive beats of its own over the direct link's control channel: echoes of
 * times the victim never sent, a clock that leaps by ages. Before, the victim's `link.stats()` showed a
 * round trip of 1e300 ms (then Infinity from a v1 pong) and a jitter of 2e299 ms.
 */
describe("a peer's keepalive with absurd values", () => {
  it('leaves the link stats plausible, and counts what it refused', async () => {
    const s = await victimWithHostile(server());
    const now = performance.now();
    const beats = [
      { sentAt: now, echo: -1e300, heldMs: 0 },
      { sentAt: now + 1, echo: 1e300, heldMs: 0 },
      { sentAt: 1e300, echo: Number.NaN, heldMs: 0 },
      { sentAt: -1e300, echo: Number.NaN, heldMs: 0 },
    ];
    for (const beat of beats) {
      s.hostile.channels.control.send(encodeBeat({ ...beat, datagramsSent: 0, lossOfYours: Number.NaN }));
      await sleep(100);
    }
    s.hostile.channels.control.send(Uint8Array.of(2, 0xff, 0xf0, 0, 0, 0, 0, 0, 0)); // a v1 pong of -Infinity
    await sleep(300);
    const stats = s.link().stats();
    expect(s.link().state).toBe('direct');
    // Not measured yet (the hostile peer echoes none of the victim's beats), or a plausible figure.
    expect(Number.isNaN(stats.rttMs) || stats.rttMs < 60_000).toBe(true);
    expect(Number.isNaN(stats.jitterMs) || stats.jitterMs < 60_000).toBe(true);
    expect(stats.droppedFrames).toBeGreaterThanOrEqual(3);
    s.close();
  }, 60_000);
});
