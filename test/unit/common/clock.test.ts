import { describe, expect, it, vi } from 'vitest';
import { every, ManualClock, realClock } from '../../../src/common/index.js';

describe('ManualClock', () => {
  it('stands still until advanced', () => {
    const clock = new ManualClock();
    expect(clock.now()).toBe(1_000_000);
    clock.advance(250);
    expect(clock.now()).toBe(1_000_250);
    expect(new ManualClock(0).now()).toBe(0);
  });

  it('fires due timers in time order, then in scheduling order, with now() at their due time', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push('later'), 30);
    clock.advance(25);
    expect(fired).toEqual(['a@10', 'b@20', 'c@20']);
    expect(clock.now()).toBe(25);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(5);
    expect(fired.at(-1)).toBe('later');
  });

  it('fires timers scheduled by other timers within the same advance', () => {
    const clock = new ManualClock(0);
    const fired: number[] = [];
    clock.setTimeout(() => {
      fired.push(clock.now());
      clock.setTimeout(() => fired.push(clock.now()), 5);
      clock.setTimeout(() => fired.push(clock.now()), 50);
    }, 10);
    clock.advance(20);
    expect(fired).toEqual([10, 15]);
    expect(clock.pendingTimers).toBe(1);
  });

  it('treats a negative delay as zero', () => {
    const clock = new ManualClock(0);
    let fired = false;
    clock.setTimeout(() => {
      fired = true;
    }, -100);
    clock.advance(0);
    expect(fired).toBe(true);
  });

  it('cancels a timer, and cancelling twice or after it fired is harmless', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    const cancel = clock.setTimeout(() => fired.push('never'), 15);
    const fires = clock.setTimeout(() => fired.push('once'), 5);
    cancel();
    cancel();
    clock.advance(20);
    fires();
    expect(fired).toEqual(['once']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('every', () => {
  it('repeats on the period without drifting, until cancelled', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const stop = every(clock, 100, () => at.push(clock.now()));
    clock.advance(350);
    stop();
    clock.advance(500);
    expect(at).toEqual([100, 200, 300]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('can be cancelled from inside its own callback', () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const stop = every(clock, 10, () => {
      calls++;
      if (calls === 2) stop();
    });
    clock.advance(100);
    expect(calls).toBe(2);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps its rhythm when a callback throws', () => {
    const clock = new ManualClock(0);
    let calls = 0;
    const stop = every(clock, 10, () => {
      calls++;
      throw new Error('tick failed');
    });
    expect(() => clock.advance(10)).toThrow('tick failed');
    expect(() => clock.advance(10)).toThrow('tick failed');
    expect(calls).toBe(2);
    stop();
  });
});

describe('realClock', () => {
  it('tells wall-clock time and runs and cancels real timers', async () => {
    const before = Date.now();
    expect(realClock.now()).toBeGreaterThanOrEqual(before);
    let cancelledFired = false;
    realClock.setTimeout(() => {
      cancelledFired = true;
    }, 1)();
    await new Promise<void>((resolve) => realClock.setTimeout(resolve, 5));
    expect(cancelledFired).toBe(false);
  });
});

describe('realClock timers past what a timer holds', () => {
  it('waits out a delay over 2^31 - 1 ms instead of firing at once, and cancels in any step', () => {
    vi.useFakeTimers();
    try {
      let fired = 0;
      realClock.setTimeout(() => fired++, 2 ** 31 + 1_000);
      vi.advanceTimersByTime(10);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(2 ** 31 - 1);
      expect(fired).toBe(0);
      vi.advanceTimersByTime(1_000);
      expect(fired).toBe(1);
      let cancelled = 0;
      const cancel = realClock.setTimeout(() => cancelled++, 2 ** 32);
      vi.advanceTimersByTime(2 ** 31); // into the second step
      cancel();
      vi.advanceTimersByTime(2 ** 32);
      expect(cancelled).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
