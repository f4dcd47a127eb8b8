import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../../src/common/index.js';
import { LoopStalls } from '../../../src/server/connection/loop-stalls.js';

/**
 * A ManualClock whose `stall(ms)` moves time on without running the timers due meanwhile, as a process
 * that stood still finds it when it turns again.
 */
function stallingClock(): Clock & { advance(ms: number): void; stall(ms: number): void } {
  const clock = new ManualClock(0);
  let stalled = 0;
  return {
    now: () => clock.now() + stalled,
    setTimeout: (callback, delayMs) => clock.setTimeout(callback, delayMs),
    advance: (ms) => clock.advance(ms),
    stall: (ms) => {
      stalled += ms;
    },
  };
}

describe('LoopStalls', () => {
  it('counts nothing while its timer runs on time, or a little late', () => {
    const clock = stallingClock();
    const stalls = new LoopStalls(clock);
    stalls.start();
    clock.advance(10_000);
    expect(stalls.stalledMs(clock.now())).toBe(0);
    // 40 ms late: within the tolerance.
    clock.stall(40);
    clock.advance(50);
    expect(stalls.stalledMs(clock.now())).toBe(0);
  });

  it('counts a stall from when its timer was due, once, whether a reader or the late timer sees it first', () => {
    const clock = stallingClock();
    const stalls = new LoopStalls(clock);
    stalls.start();
    clock.advance(20); // the timer is due at 50
    clock.stall(2_480); // at 2,500: 2,450 ms past it
    expect(stalls.stalledMs(clock.now())).toBe(2_450);
    expect(stalls.stalledMs(clock.now())).toBe(2_450);
    clock.advance(30); // the late timer runs now, and on time after
    clock.advance(1_000);
    expect(stalls.stalledMs(clock.now())).toBe(2_450);
    // The timer first this time.
    clock.stall(1_000);
    clock.advance(50);
    const seen = stalls.stalledMs(clock.now());
    expect(seen).toBe(2_450 + 1_000);
  });

  it('counts nothing before it starts or after it stops', () => {
    const clock = stallingClock();
    const stalls = new LoopStalls(clock);
    clock.stall(5_000);
    expect(stalls.stalledMs(clock.now())).toBe(0);
    stalls.start();
    stalls.stop();
    clock.stall(5_000);
    clock.advance(100);
    expect(stalls.stalledMs(clock.now())).toBe(0);
  });
});
