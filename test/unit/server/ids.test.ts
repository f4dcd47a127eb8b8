import { describe, expect, it } from 'vitest';
import { newPlayerId, newResumeToken, newRoomId, sameSecret } from '../../../src/server/ids.js';

describe('ids', () => {
  it('have their documented lengths, are URL-safe and do not repeat', () => {
    const cases: Array<[() => string, number]> = [
      [newPlayerId, 16],
      [newRoomId, 10],
      [newResumeToken, 43],
    ];
    for (const [make, length] of cases) {
      const seen = new Set<string>();
      for (let i = 0; i < 1_000; i++) {
        const id = make();
        expect(id).toMatch(new RegExp(`^[A-Za-z0-9_-]{${length}}$`));
        seen.add(id);
      }
      expect(seen.size).toBe(1_000);
    }
  });

  it('compares secrets exactly, false on any length mismatch', () => {
    const token = newResumeToken();
    expect(sameSecret(token, `${token}`)).toBe(true);
    expect(sameSecret(token, `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(sameSecret(token, token.slice(0, -1))).toBe(false);
    expect(sameSecret(token, `${token}x`)).toBe(false);
    expect(sameSecret('', token)).toBe(false);
    expect(sameSecret('', '')).toBe(true);
    // Same number of UTF-16 units, different number of bytes: must not throw.
    expect(sameSecret('é', 'e')).toBe(false);
  });
});
