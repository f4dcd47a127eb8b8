import { describe, expect, it } from 'vitest';
import { MessageBudget } from '../../../src/server/rooms/message-budget.js';

describe('MessageBudget', () => {
  it('passes a burst, then one a second; over it tells the sender at most once a second', () => {
    const budget = new MessageBudget({ burst: 5, perSecond: 1 });
    const verdicts = Array.from({ length: 8 }, () => budget.admit('ada', 0));
    expect(verdicts).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'tell', 'drop', 'drop']);
    expect(budget.admit('ada', 999)).toBe('drop');
    expect(budget.admit('ada', 1_000)).toBe('pass');
    expect(budget.admit('ada', 1_001)).toBe('tell');
    // Each member has their own.
    expect(budget.admit('bob', 1_001)).toBe('pass');
  });

  it('bounds bytes too: a refused message still spends its count', () => {
    const budget = new MessageBudget({ burst: 10, perSecond: 1, bytesBurst: 2_000, bytesPerSecond: 500 });
    expect(budget.admit('ada', 0, 900)).toBe('pass');
    expect(budget.admit('ada', 0, 900)).toBe('pass');
    expect(budget.admit('ada', 0, 900)).toBe('tell');
    expect(budget.admit('ada', 0, 10)).toBe('pass');
    // 2 s later: 1,000 bytes back, and 2 counts of the 3 spent.
    expect(budget.admit('ada', 2_000, 900)).toBe('pass');
    expect(budget.admit('ada', 2_000, 900)).toBe('tell');
  });

  it("refuses a size that is no count of bytes, which would lift the member's byte budget for good", () => {
    const budget = new MessageBudget({ burst: 10, perSecond: 1, bytesBurst: 2_000, bytesPerSecond: 500 });
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(() => budget.admit('ada', 0, bad)).toThrow(/bytes must be a finite number/);
    }
    // Nothing was taken: the budget holds as before.
    expect(budget.admit('ada', 0, 2_000)).toBe('pass');
    expect(budget.admit('ada', 0, 1)).toBe('tell');
  });

  it('keeps a budget across a leave and rejoin, and forgets it once refilled', () => {
    const budget = new MessageBudget({ burst: 2, perSecond: 1 });
    budget.admit('ada', 0);
    budget.admit('ada', 0);
    // Nothing to call on a leave: the same player id finds the same spent budget.
    expect(budget.admit('ada', 100)).toBe('tell');
    expect(budget.size).toBe(1);
    // Refilled (2 s) and told long enough ago: swept as the next message comes, from whoever.
    expect(budget.admit('bob', 5_000)).toBe('pass');
    expect(budget.size).toBe(1);
    expect(budget.admit('ada', 5_000)).toBe('pass');
    expect(budget.size).toBe(2);
  });

  it('refuses limits that are not positive', () => {
    expect(() => new MessageBudget({ burst: 0, perSecond: 1 })).toThrow(RangeError);
    expect(() => new MessageBudget({ burst: 1, perSecond: Number.NaN })).toThrow(/perSecond/);
    expect(() => new MessageBudget({ burst: 1, perSecond: 1, bytesBurst: 100 })).toThrow(/bytesPerSecond/);
  });
});

describe('MessageBudget and stalls of the server', () => {
  it('takes a backlog read at once after a stall as sent: the burst and the stall at the rate', () => {
    const budget = new MessageBudget({ burst: 5, perSecond: 1 });
    expect(budget.admit('ada', 0)).toBe('pass');
    expect(budget.admit('bob', 0)).toBe('pass');
    // A line a second through a stall of 8 s (from 500 to 8,500): 8 lines read at 8,500.
    const verdicts = Array.from({ length: 8 }, () => budget.admit('ada', 8_500, 0, 8_000));
    expect(verdicts.every((verdict) => verdict === 'pass')).toBe(true);
    // A flood through it gets no more than what refilled since its last line (4 + 8.5), within the
    // burst and the stall at the rate (5 + 8).
    const passed = Array.from({ length: 100 }, () => budget.admit('bob', 8_500, 0, 8_000));
    expect(passed.filter((verdict) => verdict === 'pass')).toHaveLength(12);
  });

  it('keeps a refilled budget that has a stall to be credited for: a new one would not be', () => {
    const budget = new MessageBudget({ burst: 2, perSecond: 1, tellEveryMs: 0 });
    expect(budget.admit('ada', 0)).toBe('pass');
    // Refilled by 10,000, when the server stood still from 10,000 to 14,000; Bob's line makes the sweep.
    expect(budget.admit('bob', 14_000, 0, 4_000)).toBe('pass');
    expect(budget.size).toBe(2);
    const verdicts = Array.from({ length: 6 }, () => budget.admit('ada', 14_000, 0, 4_000));
    expect(verdicts.every((verdict) => verdict === 'pass')).toBe(true);
  });

  it('credits a member whose budget was forgotten before the stall, as if it had been kept', () => {
    const budget = new MessageBudget({ burst: 3, perSecond: 1, tellEveryMs: 0 });
    expect(budget.admit('ada', 0)).toBe('pass');
    // At 5,000 Bob's line makes the sweep: Ada's budget, refilled, is forgotten. Then the server stands
    // still from 5,500 to 11,500 while Ada says a line every 1.25 s: 5 lines read at 11,500.
    expect(budget.admit('bob', 5_000)).toBe('pass');
    expect(budget.size).toBe(1);
    const verdicts = Array.from({ length: 5 }, () => budget.admit('ada', 11_500, 0, 6_000));
    expect(verdicts.every((verdict) => verdict === 'pass')).toBe(true);
    // Ada's lines made a sweep at 11,500, the first read after the stall: a member first heard after
    // it is still made as of before the stall. A flood of its gets the burst and the stall at the rate
    // (3 + 6), as one kept would; made as of the sweep, it got the burst alone.
    const flood = Array.from({ length: 100 }, () => budget.admit('eve', 11_500, 0, 6_000));
    expect(flood.filter((verdict) => verdict === 'pass')).toHaveLength(9);
  });

  it('credits a member first heard right after a stall whose backlog another member was read first', () => {
    const budget = new MessageBudget({ burst: 3, perSecond: 1, tellEveryMs: 0 });
    expect(budget.admit('ada', 0)).toBe('pass');
    // The server stands still from 500 to 6,500 while Ada and Eve (never heard before) say a line every
    // 1.25 s: Ada's 5 lines are read first, at 6,500, and make a sweep; then Eve's 5.
    const ada = Array.from({ length: 5 }, () => budget.admit('ada', 6_500, 0, 6_000));
    const eve = Array.from({ length: 5 }, () => budget.admit('eve', 6_500, 0, 6_000));
    expect([...ada, ...eve].every((verdict) => verdict === 'pass')).toBe(true);
    // Heard again once the next sweep has passed the stall: the burst alone, no stall left to credit.
    const flood = Array.from({ length: 100 }, () => budget.admit('zed', 20_000, 0, 6_000));
    expect(flood.filter((verdict) => verdict === 'pass')).toHaveLength(3);
  });

  it("made with the room's clock, credits the stall before its first message of all", () => {
    let now = 1_000;
    let stalledMs = 2_000; // stalls of the server before the room was made: not this budget's
    const clock = { now: () => now, stalledMs: () => stalledMs };
    const budget = new MessageBudget({ burst: 3, perSecond: 1, tellEveryMs: 0 }, clock);
    // The server stands still from 1,500 to 7,500 while Ada says a line every 1.25 s: 5 read at 7,500.
    now = 7_500;
    stalledMs += 6_000;
    const verdicts = Array.from({ length: 5 }, () => budget.admitNow('ada'));
    expect(verdicts.every((verdict) => verdict === 'pass')).toBe(true);
    // A flood through it: the burst and the stall at the rate (3 + 6), not the stalls before the room.
    const flood = Array.from({ length: 100 }, () => budget.admitNow('bob'));
    expect(flood.filter((verdict) => verdict === 'pass')).toHaveLength(9);
    // The same through admit with the clock's figures, and bytes counted alike.
    const bytes = new MessageBudget({ burst: 1, perSecond: 1, bytesBurst: 10, bytesPerSecond: 10 }, clock);
    expect(bytes.admitNow('ada', 11)).toBe('tell');
    expect(bytes.admit('bob', now, 10, stalledMs)).toBe('pass');
  });

  it('refuses admitNow on a budget made without a clock, saying how to make one', () => {
    const budget = new MessageBudget({ burst: 3, perSecond: 1 });
    expect(() => budget.admitNow('ada')).toThrow(/without a clock.*this\.clock/);
  });
});
