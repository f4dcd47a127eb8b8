import { describe, expect, it } from 'vitest';
import { newRoomCode, normalizeRoomCode } from '../../../src/server/rooms/room-code.js';

describe('room codes', () => {
  it('draws from an alphabet without look-alikes, every letter used', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) for (const char of newRoomCode()) seen.add(char);
    expect([...seen].sort().join('')).toBe('23456789ABCDEFGHJKLMNPQRSTUVWXYZ');
  });

  it('forgives case, spaces and dashes, and refuses what cannot be a code', () => {
    expect(normalizeRoomCode(' k7q-2xm ')).toBe('K7Q2XM');
    expect(normalizeRoomCode('K7Q 2XM')).toBe('K7Q2XM');
    expect(normalizeRoomCode('K0Q2XM')).toBeUndefined(); // 0 is not in the alphabet
    expect(normalizeRoomCode('ab')).toBeUndefined();
    expect(normalizeRoomCode('A'.repeat(13))).toBeUndefined();
  });
});
