import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../../src/common/clock.js';
import { encodeBeat, LinkHeartbeat } from '../../../src/transport/keepalive.js';
import type { QualityGrade } from '../../../src/transport/quality/grade.js';
import { QualityMonitor } from '../../../src/transport/quality/quality-monitor.js';

/**
 * A clock whose time can leap without its timers firing on the way, as a process that stood still (a page
 * frozen in the background) finds it: its due timers then fire once, late.
 */
class StallingClock implements Clock {
  readonly inner = new ManualClock();
  #leapt = 0;

  now(): number {
    return this.inner.now() + this.#leapt;
  }

  setTimeout(callback: () => void, delayMs: number) {
    return this.inner.setTimeout(callback, delayMs);
  }

  /** This process stands still for `ms`: time moves on, nothing runs. */
  stall(ms: number): void {
    this.#leapt += ms;
  }

  advance(ms: number): void {
    this.inner.advance(ms);
  }
}

/** A peer's beat stamped `sentAt` by its clock (the same as ours here). */
function beat(sentAt: number, datagramsSent: number): Uint8Array {
  return encodeBeat({ sentAt, echo: Number.NaN, heldMs: 0, datagramsSent, lossOfYours: 0 });
}

function heartbeatOn(clock: StallingClock) {
  const quality = new QualityMonitor({ clock });
  const grades: QualityGrade[] = [];
  quality.on('change', ({ grade }) => grades.push(grade));
  const state = { gone: 0, grades, quality, sentByPeer: 0 };
  const heartbeat = new LinkHeartbeat({
    clock,
    quality,
    send: () => {},
    onGone: () => state.gone++,
    onRtt: () => {},
  });
  heartbeat.start();
  /** The peer's beats, one a second for `seconds`, each arriving 20 ms after it was sent. */
  const steadyBeats = (seconds: number) => {
    for (let i = 0; i < seconds; i++) {
      clock.advance(980);
      heartbeat.receive(beat(clock.now() - 20, ++state.sentByPeer));
      clock.advance(20);
    }
  };
  return { heartbeat, state, steadyBeats };
}

describe('a link whose own process stood still', () => {
  it('is not given up for the silence, nor graded poor, when the peer was there all along', () => {
    const clock = new StallingClock();
    const { heartbeat, state, steadyBeats } = heartbeatOn(clock);
    steadyBeats(10);
    const frozenAt = clock.now();
    clock.stall(6_000); // frozen 6 s, past the 4 s after which a silent peer is gone
    clock.advance(1_000); // the overdue tick runs first, before anything is read
    expect(state.gone).toBe(0);
    // Then what the peer sent meanwhile, a beat a second, read at once.
    for (let k = 1; k <= 6; k++) heartbeat.receive(beat(frozenAt + k * 1_000, ++state.sentByPeer));
    steadyBeats(10);
    expect(state.gone).toBe(0);
    expect(state.grades).toEqual([]);
    expect(state.quality.snapshot().jitterMs).toBeLessThan(5);
  });

  it('gives up a peer that is really gone one period after waking', () => {
    const clock = new StallingClock();
    const { state, steadyBeats } = heartbeatOn(clock);
    steadyBeats(5);
    clock.stall(6_000);
    clock.advance(1_000);
    expect(state.gone).toBe(0);
    clock.advance(1_000);
    expect(state.gone).toBe(1);
  });

  it('still gives up a silent peer at 4 s while it runs on time', () => {
    const clock = new StallingClock();
    const { state, steadyBeats } = heartbeatOn(clock);
    steadyBeats(5);
    clock.advance(3_000); // heard last 3,020 ms ago
    expect(state.gone).toBe(0);
    clock.advance(1_000); // 4,020 ms
    expect(state.gone).toBe(1);
  });
});
