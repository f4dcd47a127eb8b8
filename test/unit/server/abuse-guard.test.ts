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
      if (guard.dropped(0).fault && guard.fault(0)) spentAt = drop;
    }
    expect(spentAt).toBe(30);
  });
});
