import { describe, expect, it } from 'vitest';
import { chooseVoicePeers } from '../../../src/client/voice/voice-peer-choice.js';

/** Ids in a scrambled order: the choice must not depend on the order a member got them in. */
const ids = (n: number) => Array.from({ length: n }, (_, i) => `id-${(i * 13 + 5) % 97}`);

describe('chooseVoicePeers: mutual, and as many as maxPeers allows', () => {
  it('a picks b exactly when b picks a, for every room size and cap; everyone gets the cap (one may get one fewer)', () => {
    const wrong: string[] = [];
    for (let n = 1; n <= 24; n++) {
      const members = ids(n);
      for (let cap = 0; cap <= 12; cap++) {
        const picks = new Map(
          members.map((id, i) => {
            // Each member sees the others in an order of its own.
            const seen = members.filter((other) => other !== id);
            const rotated = [
              ...seen.slice(i % Math.max(1, seen.length)),
              ...seen.slice(0, i % Math.max(1, seen.length)),
            ];
            return [id, chooseVoicePeers(id, rotated.reverse(), cap)];
          }),
        );
        let short = 0;
        const most = Math.min(cap, n - 1);
        for (const [id, chosen] of picks) {
          if (chosen.includes(id)) wrong.push(`${n}/${cap}: ${id} picks itself`);
          for (const other of chosen) {
            if (!picks.get(other)?.includes(id)) wrong.push(`${n}/${cap}: ${id} picks ${other}, not back`);
          }
          if (chosen.length > most || chosen.length < most - 1)
            wrong.push(`${n}/${cap}: ${id} has ${chosen.length}`);
          if (chosen.length < most) short++;
        }
        if (short > 1) wrong.push(`${n}/${cap}: ${short} players short`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('at most maxPeers candidates: all of them', () => {
    expect(chooseVoicePeers('b', ['c', 'a'], 7)).toEqual(['a', 'c']);
  });
});
