import { describe, expect, it } from 'vitest';
import { ByPair } from '../../../src/server/rooms/by-pair.js';

/** A value per pair that records how it was made, so a test sees whether `get` found it or made it anew. */
function pairs(keepMs = 1_000) {
  const byPair = new ByPair<{ madeAt: number }>(keepMs);
  return {
    byPair,
    get: (from: string, to: string, now: number) => byPair.get(from, to, () => ({ madeAt: now })),
  };
}

describe('ByPair (what each room member has towards each other member)', () => {
  it('makes a pair on first use and returns the same one after', () => {
    const { byPair, get } = pairs();
    const first = get('a', 'b', 0);
    expect(get('a', 'b', 5)).toBe(first);
    expect(get('b', 'a', 5)).not.toBe(first);
    expect(byPair.size).toBe(2);
  });

  it('keeps a leaver’s pairs, both ways, through a rejoin within keepMs', () => {
    const { byPair, get } = pairs(1_000);
    const aToB = get('a', 'b', 0);
    const bToA = get('b', 'a', 0);
    byPair.left('a', 100);
    byPair.seated('a', 900);
    expect(get('a', 'b', 900)).toBe(aToB);
    expect(get('b', 'a', 900)).toBe(bToA);
    // The target leaving and coming back keeps what others spent on it too.
    byPair.left('b', 1_000);
    byPair.seated('b', 1_500);
    expect(get('a', 'b', 1_500)).toBe(aToB);
  });

  it('drops a leaver’s pairs, both ways, at the first leave or join once keepMs has passed', () => {
    const { byPair, get } = pairs(1_000);
    get('a', 'b', 0);
    get('b', 'a', 0);
    get('b', 'c', 0);
    get('c', 'b', 0);
    byPair.left('a', 100);
    byPair.seated('d', 1_099);
    expect(byPair.size).toBe(4);
    byPair.seated('d', 1_100);
    expect(byPair.size).toBe(2);
    // A rejoin after that starts afresh: its budget has refilled by then anyway.
    expect(get('a', 'b', 1_200).madeAt).toBe(1_200);
  });

  it('keeps the pairs of a leaver who was seated again, past keepMs, while they stay', () => {
    const { byPair, get } = pairs(1_000);
    const aToB = get('a', 'b', 0);
    byPair.left('a', 0);
    byPair.seated('a', 500);
    byPair.left('c', 5_000);
    byPair.seated('c', 9_000);
    expect(get('a', 'b', 9_000)).toBe(aToB);
  });

  it('keeps pairs only for members and recent leavers, however many passed through', () => {
    const { byPair, get } = pairs(1_000);
    for (let i = 0; i < 10_000; i++) {
      const now = i * 10;
      const passer = `p${i}`;
      byPair.seated(passer, now);
      get(passer, 'host', now);
      get('host', passer, now);
      byPair.left(passer, now + 5);
    }
    // Those who left in the last second (100 of them), both ways.
    expect(byPair.size).toBeLessThanOrEqual(2 * 101);
  });

  it('sweeps in leave order: a later leave moves the player behind the others', () => {
    const { byPair, get } = pairs(1_000);
    get('a', 'x', 0);
    get('b', 'x', 0);
    byPair.left('a', 0);
    byPair.left('b', 100);
    byPair.seated('a', 200);
    byPair.left('a', 300);
    byPair.seated('y', 1_150); // b's keep is over, a's (from 300) is not
    expect(byPair.size).toBe(1);
    byPair.seated('y', 1_300);
    expect(byPair.size).toBe(0);
  });
});
