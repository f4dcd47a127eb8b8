import { describe, expect, it } from 'vitest';
import { newRoomCode, normalizeRoomCode } from '../../../src/server/rooms/room-code.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

describe('room codes', () => {
  it('draws from an alphabet without look-alikes, every letter about equally often', () => {
    const counts = new Map<string, number>();
    const codes = Array.from({ length: 10_000 }, () => newRoomCode());
    expect(codes.every((code) => code.length === 6)).toBe(true);
    for (const char of codes.join('')) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect([...counts.keys()].sort().join('')).toBe([...ALPHABET].sort().join(''));
    // 60,000 draws: each letter expects 1,875 (sd ~ 43); a biased draw would stray far further.
    for (const count of counts.values()) expect(Math.abs(count - 1_875)).toBeLessThan(300);
  });

  it('makes codes of other lengths, but only ones that can be typed back in', () => {
    expect(newRoomCode(4)).toHaveLength(4);
    expect(newRoomCode(12)).toHaveLength(12);
    for (const bad of [0, 3, 13, 5.5, Number.NaN]) expect(() => newRoomCode(bad)).toThrow(RangeError);
    const code = newRoomCode();
    expect(normalizeRoomCode(code)).toBe(code);
  });

  it('forgives case, spaces and dashes, and refuses what cannot be a code', () => {
    expect(normalizeRoomCode(' k7q-2xm ')).toBe('K7Q2XM');
    expect(normalizeRoomCode('K7Q 2XM')).toBe('K7Q2XM');
    expect(normalizeRoomCode('abcd')).toBe('ABCD');
    expect(normalizeRoomCode('K0Q2XM')).toBeUndefined(); // 0 is not in the alphabet
    expect(normalizeRoomCode('KIQ2XM')).toBeUndefined(); // nor I
    expect(normalizeRoomCode('K7Q_2XM')).toBeUndefined();
    expect(normalizeRoomCode('ÄBCD')).toBeUndefined();
    expect(normalizeRoomCode('abc')).toBeUndefined();
    expect(normalizeRoomCode('')).toBeUndefined();
    expect(normalizeRoomCode('A'.repeat(12))).toBe('A'.repeat(12));
    expect(normalizeRoomCode('A'.repeat(13))).toBeUndefined();
    expect(normalizeRoomCode('-'.repeat(10_000))).toBeUndefined();
  });
});
