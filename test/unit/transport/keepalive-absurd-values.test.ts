import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { encodeBeat, LinkHeartbeat, PONG } from '../../../src/transport/keepalive.js';
import { QualityMonitor } from '../../../src/transport/quality/quality-monitor.js';

/** One end of a link, started, whose peer is a test writing whatever control frames it likes. */
function victim() {
  const clock = new ManualClock();
  const quality = new QualityMonitor({ clock });
  const seen = { rtts: [] as number[], refused: 0, sentAt: [] as number[] };
  const heartbeat = new LinkHeartbeat({
    clock,
    quality,
    send: (bytes) => {
      if (bytes[0] === 6) seen.sentAt.push(new DataView(bytes.buffer).getFloat64(1));
    },
    onGone: () => {},
    onRtt: (ms) => seen.rtts.push(ms),
    refused: () => seen.refused++,
  });
  heartbeat.start();
  clock.advance(5_000);
  return { clock, quality, heartbeat, seen };
}

const beat = (sentAt: number, echo: number, heldMs = 0) =>
  encodeBeat({ sentAt, echo, heldMs, datagramsSent: 0, lossOfYours: Number.NaN });

function pong(sentAt: number): Uint8Array {
  const frame = new Uint8Array(9);
  frame[0] = PONG;
  new DataView(frame.buffer).setFloat64(1, sentAt);
  return frame;
}

/**
 * A hostile peer's keepalive: every field is its to choose. Round trips are measured against times this
 * end sent (the echo of our beat, our ping's time in a pong), so one from before the link began, from the
 * future, or held longer than it took is none, and is refused and counted; a peer clock that leaps by
 * ages is no jitter. Before, `stats()` showed a round trip of 1e300 ms or Infinity and a jitter of 2e299.
 */
describe('a keepalive with absurd values', () => {
  it('gives no round trip that this end could not have measured', () => {
    const { clock, quality, heartbeat, seen } = victim();
    const now = clock.now();
    heartbeat.receive(beat(1, -1e300));
    heartbeat.receive(beat(2, now + 1e6));
    heartbeat.receive(beat(3, now - 1_000, 1e30));
    heartbeat.receive(pong(Number.NEGATIVE_INFINITY));
    heartbeat.receive(pong(1e300));
    expect(seen.rtts).toEqual([]);
    expect(seen.refused).toBe(5);
    expect(quality.snapshot().rttMs).toBeNaN();
    // A true echo of our own beat still measures.
    const ours = seen.sentAt.at(-2) as number; // not the time the held-for-ever echo above named
    clock.advance(40);
    heartbeat.receive(beat(4, ours, 10));
    expect(seen.rtts.at(-1)).toBeGreaterThanOrEqual(0);
    expect(seen.rtts.at(-1)).toBeLessThanOrEqual(clock.now() - ours);
  });

  it('keeps jitter a duration when the peer clock leaps', () => {
    const { clock, quality, heartbeat } = victim();
    for (const sentAt of [10, 1e300, -1e300, 20, 1e15, 30]) {
      clock.advance(1_000);
      heartbeat.receive(beat(sentAt, Number.NaN));
    }
    const { jitterMs } = quality.snapshot();
    expect(Number.isNaN(jitterMs) || jitterMs < 60_000).toBe(true);
  });

  it('takes an honest hold that reads a hair longer as a float32 on a path of no transit: a trip of 0', () => {
    const { clock, heartbeat, seen } = victim();
    // Our beat goes out; the peer holds it 0.1 ms (0.10000000149 as a float32) and nothing else passes.
    heartbeat.receive(beat(6, Number.NaN)); // heard: the next period's beat goes out
    clock.advance(1_000);
    const ours = seen.sentAt.at(-1) as number;
    expect(ours).toBe(clock.now());
    clock.advance(0.1);
    heartbeat.receive(beat(7, ours, 0.1));
    expect(seen.refused).toBe(0);
    expect(seen.rtts).toEqual([0]);
  });
});
