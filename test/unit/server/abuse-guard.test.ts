import { describe, expect, it } from 'vitest';
import { AbuseGuard } from '../../../src/server/connection/abuse-guard.js';

const limits = { rateBurst: 4, ratePerSecond: 10, errorBudget: 3, errorRefillPerSecond: 0.001 };

describe('AbuseGuard: bare messages over the rate', () => {
  it('costs a fault per ratePerSecond drops, the first at once, and tells at most once a second', () => {
    const guard = new AbuseGuard(limits, 0, 0);
    const verdicts = Array.from({ length: 25 }, (_, i) => guard.dropped(i * 10));
    expect(verdicts.map((v) => v.fault)).toEqual(Array.from({ length: 25 }, (_, i) => i % 10 === 0));
    // 25 drops over 240 ms: told once; a drop a second after the last notice is told again.
    expect(verdicts.filter((v) => v.tell)).toHaveLength(1);
    expect(guard.dropped(1_000).tell).toBe(true);
  });

  it('a flood spends the fault budget: with 3 faults and 10 drops a fault, the 31st drop cuts it off', () => {
    const guard = new AbuseGuard(limits, 0, 0);
    let spentAt = -1;
    for (let drop = 0; drop < 100 && spentAt < 0; drop++) {
      if (guard.dropped(0).fault && guard.fault(0, 0)) spentAt = drop;
    }
    expect(spentAt).toBe(30);
  });
});

describe('AbuseGuard: the fault budget and stalls of the server', () => {
  /** 3 faults at once, one forgiven a second. */
  const budget = { rateBurst: 240, ratePerSecond: 120, errorBudget: 3, errorRefillPerSecond: 1 };

  /** Faults read at `now` (the server's stalls so far: `stalledMs`) before one spends the budget. */
  function taken(guard: AbuseGuard, now: number, stalledMs: number, count: number): number {
    for (let fault = 0; fault < count; fault++) if (guard.fault(now, stalledMs)) return fault;
    return count;
  }

  it('takes faults sent one every 1.25 s through a stall of 6 s, read at once after it', () => {
    const guard = new AbuseGuard(budget, 0, 0);
    expect(taken(guard, 0, 0, 1)).toBe(1);
    // The server stood still from 500 to 6,500; the client's faults of 1,250 to 6,250 are read at 6,500.
    expect(taken(guard, 6_500, 6_000, 5)).toBe(5);
    // Before, the budget alone: the fourth of them spent it.
  });

  it('a flood of faults through a stall still spends it: the budget and the stall at the refill', () => {
    const guard = new AbuseGuard(budget, 0, 0);
    expect(taken(guard, 6_000, 6_000, 1_000)).toBe(3 + 6);
    // And with no stall, the budget alone.
    expect(taken(new AbuseGuard(budget, 0, 0), 6_000, 0, 1_000)).toBe(3);
  });
});
