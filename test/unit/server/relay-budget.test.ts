import { describe, expect, it } from 'vitest';
import { type GameServerOptions, resolveLimits } from '../../../src/server/options.js';
import { RelayBudgets } from '../../../src/server/rooms/relay-budget.js';

const defaults = resolveLimits({});

describe('relay budgets (per member, towards each other member)', () => {
  it('defaults to 256 KiB at once, then 32 KiB a second', () => {
    const budgets = new RelayBudgets(defaults);
    let passed = 0;
    for (let i = 0; i < 40; i++) if (budgets.admit('a', 'b', 0, 16 * 1024, 0) === 'relay') passed++;
    expect(passed).toBe(16);
    expect(budgets.admit('a', 'b', 499, 16 * 1024, 0)).not.toBe('relay');
    expect(budgets.admit('a', 'b', 500, 16 * 1024, 0)).toBe('relay');
    expect(budgets.admit('a', 'b', 1_000, 16 * 1024, 0)).toBe('relay');
    expect(budgets.admit('a', 'b', 1_000, 16 * 1024, 0)).not.toBe('relay');
  });

  it('says to tell the sender of a refusal once a second per target at most', () => {
    const budgets = new RelayBudgets(defaults);
    for (let i = 0; i < 16; i++) expect(budgets.admit('a', 'b', 0, 16 * 1024, 0)).toBe('relay');
    const answers = [0, 10, 999].map((now) => budgets.admit('a', 'b', now, 64 * 1024, 0));
    expect(answers).toEqual(['tell', 'drop', 'drop']);
    expect(budgets.admit('a', 'b', 1_000, 64 * 1024, 0)).toBe('tell');
    // Towards another target the sender is told on that target's own schedule.
    for (let i = 0; i < 16; i++) expect(budgets.admit('a', 'c', 1_000, 16 * 1024, 0)).toBe('relay');
    expect(budgets.admit('a', 'c', 1_000, 64 * 1024, 0)).toBe('tell');
    expect(budgets.admit('a', 'c', 1_500, 64 * 1024, 0)).toBe('drop');
  });

  it('a refused message takes nothing: small messages still pass after a large one is refused', () => {
    const budgets = new RelayBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 16 * 1024, 0) === 'relay') {}
    let small = 0;
    while (budgets.admit('a', 'b', 0, 60, 0) === 'relay') small++;
    expect(small).toBeLessThan((16 * 1024) / 60);
  });

  it('one target flooded leaves the sender its budget towards the others, and other senders theirs', () => {
    const budgets = new RelayBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 1_000, 0) === 'relay') {}
    expect(budgets.admit('a', 'c', 0, 1_000, 0)).toBe('relay');
    expect(budgets.admit('c', 'b', 0, 1_000, 0)).toBe('relay');
  });

  it('a leave and rejoin does not start the budget afresh, as sender or as target', () => {
    const budgets = new RelayBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 16 * 1024, 0) === 'relay') {}
    while (budgets.admit('b', 'a', 0, 16 * 1024, 0) === 'relay') {}
    budgets.left('a', 0);
    budgets.seated('a', 10);
    expect(budgets.admit('a', 'b', 10, 16 * 1024, 0)).not.toBe('relay');
    expect(budgets.admit('b', 'a', 10, 16 * 1024, 0)).not.toBe('relay');
    // Only the rate comes back: 16 KiB in half a second.
    expect(budgets.admit('a', 'b', 500, 16 * 1024, 0)).toBe('relay');
  });

  it("drops a leaver's budgets once they have refilled (8 s by default), and only then", () => {
    const budgets = new RelayBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 16 * 1024, 0) === 'relay') {}
    budgets.admit('b', 'a', 0, 16 * 1024, 0);
    budgets.left('a', 0);
    budgets.seated('c', 7_999);
    expect(budgets.size).toBe(2);
    budgets.seated('c', 8_000);
    expect(budgets.size).toBe(0);
    // Made afresh on a rejoin after that: it would have held as much by now.
    for (let i = 0; i < 16; i++) expect(budgets.admit('a', 'b', 8_000, 16 * 1024, 0)).toBe('relay');
  });

  it('refuses at start-up a budget that no relayed data, or no large message, could pass', () => {
    const bad: GameServerOptions[] = [
      { relayBytesPerSecond: 0 },
      { relayBytesBurst: 16 * 1024 },
      { relayBytesBurst: Number.NaN },
      { relayBytesPerSecond: -1 },
    ];
    for (const options of bad) expect(() => resolveLimits(options)).toThrow(TypeError);
    expect(resolveLimits({ relayBytesBurst: 1 << 20, relayBytesPerSecond: 1 << 16 })).toMatchObject({
      relayBytesBurst: 1 << 20,
      relayBytesPerSecond: 1 << 16,
    });
  });
});
