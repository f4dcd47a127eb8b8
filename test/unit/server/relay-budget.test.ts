import { describe, expect, it } from 'vitest';
import { type GameServerOptions, resolveLimits } from '../../../src/server/options.js';
import { RelayBudgets } from '../../../src/server/rooms/relay-budget.js';

const defaults = resolveLimits({});

describe('relay budgets (per member, towards each other member)', () => {
  it('defaults to 256 KiB at once, then 32 KiB a second', () => {
    const budgets = new RelayBudgets(defaults);
    let passed = 0;
    for (let i = 0; i < 40; i++) if (budgets.admit('a', 'b', 0, 16 * 1024)) passed++;
    expect(passed).toBe(16);
    expect(budgets.admit('a', 'b', 499, 16 * 1024)).toBe(false);
    expect(budgets.admit('a', 'b', 500, 16 * 1024)).toBe(true);
    expect(budgets.admit('a', 'b', 1_000, 16 * 1024)).toBe(true);
    expect(budgets.admit('a', 'b', 1_000, 16 * 1024)).toBe(false);
  });

  it('a refused message takes nothing: small messages still pass after a large one is refused', () => {
    const budgets = new RelayBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 16 * 1024)) {}
    let small = 0;
    while (budgets.admit('a', 'b', 0, 60)) small++;
    expect(small).toBeLessThan((16 * 1024) / 60);
  });

  it('one target flooded leaves the sender its budget towards the others, and other senders theirs', () => {
    const budgets = new RelayBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 1_000)) {}
    expect(budgets.admit('a', 'c', 0, 1_000)).toBe(true);
    expect(budgets.admit('c', 'b', 0, 1_000)).toBe(true);
  });

  it('forgets a member who left, as sender and as target', () => {
    const budgets = new RelayBudgets(defaults);
    while (budgets.admit('a', 'b', 0, 1_000)) {}
    while (budgets.admit('b', 'a', 0, 1_000)) {}
    budgets.forget('b');
    expect(budgets.admit('a', 'b', 0, 1_000)).toBe(true);
    expect(budgets.admit('b', 'a', 0, 1_000)).toBe(true);
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
