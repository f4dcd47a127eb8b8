import { ErrorCode, GuestTokens, ManualClock } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';

const secret = 'a-secret-of-at-least-thirty-two-bytes!!';

describe('GuestTokens', () => {
  it('issues tokens that verify to the same identity', () => {
    const tokens = new GuestTokens({ secret });
    const issued = tokens.issue('  Ada\u0000 Lovelace  ');
    expect(issued.name).toBe('Ada Lovelace');
    expect(tokens.verify(issued.token)).toEqual({
      ok: true,
      identity: { userId: issued.userId, name: 'Ada Lovelace' },
    });
    expect(tokens.issue().name).toMatch(/^Guest-\d{4}$/);
  });

  it('rejects tampered, foreign and malformed tokens as UNAUTHORIZED without throwing', () => {
    const tokens = new GuestTokens({ secret });
    const { token } = tokens.issue('Ada');
    const [payload, signature] = token.split('.') as [string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin', name: 'Ada', exp: 9e15 })).toString(
      'base64url',
    );
    const other = new GuestTokens({ secret: `${secret}-other` }).issue('Ada').token;
    for (const bad of [
      `${forgedPayload}.${signature}`,
      `${payload}.${signature.slice(1)}x`,
      other,
      '',
      'a.b.c',
      'x'.repeat(5000),
      '..',
    ]) {
      expect(tokens.verify(bad)).toMatchObject({ ok: false, code: ErrorCode.UNAUTHORIZED });
    }
  });

  it('reports an expired but genuine token as TOKEN_EXPIRED', () => {
    const clock = new ManualClock(0);
    const tokens = new GuestTokens({ secret, ttlMs: 1_000, clock });
    const { token } = tokens.issue('Ada');
    clock.advance(999);
    expect(tokens.verify(token).ok).toBe(true);
    clock.advance(1);
    expect(tokens.verify(token)).toMatchObject({ ok: false, code: ErrorCode.TOKEN_EXPIRED });
  });

  it('refuses a short secret at construction', () => {
    expect(() => new GuestTokens({ secret: 'short' })).toThrow(TypeError);
  });
});
