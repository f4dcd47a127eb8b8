import { describe, expect, it } from 'vitest';
import { type GameServerOptions, resolveLimits } from '../../../src/server/options.js';
import { SignalBudgets } from '../../../src/server/rooms/signal-budget.js';

const defaults = resolveLimits({});

describe('signal budgets (per member, towards each other member)', () => {
  it('defaults to 40 signals at once, then 20 a second', () => {
    const budgets = new SignalBudgets(defaults);
    let passed = 0;
    for (let i = 0; i < 100; i++) if (budgets.admit('a', 'b', 0, 100, 0)) passed++;
    expect(passed).toBe(40);
    expect(budgets.admit('a', 'b', 499, 100, 0)).toBe(true); // 9.98 tokens back by now
    let later = 0;
    for (let i = 0; i < 100; i++) if (budgets.admit('a', 'b', 1_000, 100, 0)) later++;
    expect(later).toBe(19); // 20 in the second, one of them taken at 499 ms
  });

  it('defaults to 64 KiB at once, then 16 KiB a second', () => {
    const budgets = new SignalBudgets(defaults);
    let passed = 0;
    for (let i = 0; i < 20; i++) if (budgets.admit('a', 'b', 0, 16 * 1024, 0)) passed++;
    expect(passed).toBe(4);
    expect(budgets.admit('a', 'b', 999, 16 * 1024, 0)).toBe(false);
    expect(budgets.admit('a', 'b', 1_000, 16 * 1024, 0)).toBe(true);
  });

  it('one target flooded leaves the sender its budget towards the others, and other senders theirs', () => {
    const budgets = new SignalBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 10, 0)) {}
    expect(budgets.admit('a', 'c', 0, 10, 0)).toBe(true);
    expect(budgets.admit('c', 'b', 0, 10, 0)).toBe(true);
  });

  it('a leave and rejoin does not start the budget afresh, as sender or as target', () => {
    const budgets = new SignalBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 16 * 1024, 0)) {}
    while (budgets.admit('b', 'a', 0, 16 * 1024, 0)) {}
    budgets.left('b', 0);
    budgets.seated('b', 10);
    expect(budgets.admit('a', 'b', 10, 16 * 1024, 0)).toBe(false);
    expect(budgets.admit('b', 'a', 10, 16 * 1024, 0)).toBe(false);
  });

  it("drops a leaver's budgets once both buckets have refilled (4 s by default), and only then", () => {
    const budgets = new SignalBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 16 * 1024, 0)) {}
    budgets.left('a', 0);
    budgets.seated('c', 3_999);
    expect(budgets.size).toBe(1);
    budgets.seated('c', 4_000);
    expect(budgets.size).toBe(0);
  });

  it('refuses at start-up a budget that no signal, or no large signal, could pass', () => {
    const bad: GameServerOptions[] = [
      { signalBurst: 0 },
      { signalsPerSecond: 0 },
      { signalBytesPerSecond: 0 },
      { signalBytesBurst: 8 * 1024 },
      { signalBurst: Number.NaN },
    ];
    for (const options of bad) expect(() => resolveLimits(options)).toThrow(TypeError);
    expect(resolveLimits({ signalBurst: 100, signalBytesBurst: 1 << 20 })).toMatchObject({
      signalBurst: 100,
      signalBytesBurst: 1 << 20,
    });
  });
});

describe('signal budgets and stalls of the server', () => {
  it('takes signals read at once after a stall as sent, and a flood through it as the burst and the stall', () => {
    const budgets = new SignalBudgets(defaults);
    expect(budgets.admit('a', 'b', 0, 100, 0)).toBe(true);
    // 15 signals a second through a stall of 4 s (from 500 to 4,500): 60 read at 4,500.
    let passed = 0;
    for (let i = 0; i < 60; i++) if (budgets.admit('a', 'b', 4_500, 100, 4_000)) passed++;
    expect(passed).toBe(60);
    // Before, the burst: 40. A flood through it gets the burst and 4 s at 20 a second, no more.
    expect(budgets.admit('c', 'b', 0, 100, 0)).toBe(true);
    let flood = 0;
    for (let i = 0; i < 1_000; i++) if (budgets.admit('c', 'b', 4_500, 100, 4_000)) flood++;
    expect(flood).toBe(40 + 4 * 20);
  });
});
