import { describe, expect, it } from 'vitest';
import { closeReason, MAX_CLOSE_REASON_BYTES } from '../../../src/server/connection/close-reason.js';

const bytes = (text: string) => Buffer.byteLength(text);

describe('closeReason', () => {
  it('keeps a reason that fits as it is', () => {
    expect(closeReason('who are you?')).toBe('who are you?');
    const full = 'x'.repeat(MAX_CLOSE_REASON_BYTES);
    expect(closeReason(full)).toBe(full);
  });

  it('cuts a longer one to 123 bytes, never within a character', () => {
    expect(closeReason('x'.repeat(500))).toBe('x'.repeat(MAX_CLOSE_REASON_BYTES));
    // 2, 3 and 4 bytes a character (the last a surrogate pair): each cut at the last whole one.
    for (const character of ['é', 'ア', '🚗']) {
      const reason = closeReason(character.repeat(200));
      expect(bytes(reason)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
      expect(bytes(reason)).toBeGreaterThan(MAX_CLOSE_REASON_BYTES - bytes(character));
      expect([...reason].every((c) => c === character)).toBe(true);
    }
  });
});
