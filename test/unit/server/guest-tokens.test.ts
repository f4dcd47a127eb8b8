import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { ErrorCode } from '../../../src/protocol/index.js';
import { GuestTokens } from '../../../src/server/auth/guest-tokens.js';

const secret = 'a-secret-of-at-least-thirty-two-bytes!!';

/** A token signed with the right key around claims of our choosing: tests the checks behind the HMAC. */
function signed(
  claims: unknown,
  payload = Buffer.from(JSON.stringify(claims)).toString('base64url'),
): string {
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

describe('GuestTokens', () => {
  it('issues tokens that verify to the same identity', () => {
    const tokens = new GuestTokens({ secret });
    const issued = tokens.issue('  Ada\u0000 Lovelace  ');
    expect(issued.name).toBe('Ada Lovelace');
    expect(issued.userId).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(tokens.verify(issued.token)).toEqual({
      ok: true,
      identity: { userId: issued.userId, name: 'Ada Lovelace' },
    });
    expect(tokens.issue('Ada').userId).not.toBe(tokens.issue('Ada').userId);
  });

  it('accepts a Uint8Array secret, and other instances with the same secret accept its tokens', () => {
    const bytes = new Uint8Array(32).fill(7);
    const { token } = new GuestTokens({ secret: bytes }).issue('Ada');
    expect(new GuestTokens({ secret: new Uint8Array(32).fill(7) }).verify(token).ok).toBe(true);
  });

  it('sanitizes names and names the nameless', () => {
    const tokens = new GuestTokens({ secret });
    expect(tokens.issue('\u202eevil\u0007\n bob \u{1F600}').name).toBe('evil bob');
    expect(tokens.issue('x'.repeat(100)).name).toBe('x'.repeat(24));
    expect(tokens.issue('Zoë, O’Neil!').name).toBe('Zoë, O’Neil!');
    for (const blank of [undefined, '', '   ', '\u0000\u0001', '\u{1F600}']) {
      expect(tokens.issue(blank).name).toMatch(/^Guest-[A-Z0-9]{4}$/);
    }
  });

  it('removes the Hangul fillers, letters that show as nothing, so no name is blank or another with a tail', () => {
    const tokens = new GuestTokens({ secret });
    for (const blank of ['\u3164', '\u115f\u1160', '\uffa0 \u3164']) {
      expect(tokens.issue(blank).name).toMatch(/^Guest-[A-Z0-9]{4}$/);
    }
    expect(tokens.issue('Ada\u3164').name).toBe('Ada');
    expect(tokens.issue('Ada\u3164\u3164Bob').name).toBe('AdaBob');
    expect(tokens.issue('한글 이름').name).toBe('한글 이름');
  });

  it('rejects tampered, foreign and malformed tokens as UNAUTHORIZED without throwing', () => {
    const tokens = new GuestTokens({ secret });
    const { token } = tokens.issue('Ada');
    const [payload, signature] = token.split('.') as [string, string];
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'admin', name: 'Ada', exp: 9e15 })).toString(
      'base64url',
    );
    const other = new GuestTokens({ secret: `${secret}-other` }).issue('Ada').token;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [
      `${forgedPayload}.${signature}`,
      `${payload}.${flipped}`,
      `${payload}.${signature}x`,
      `${payload}x.${signature}`,
      `${payload}.${signature}.${signature}`,
      other,
      '',
      '.',
      '..',
      'a.b.c',
      `${payload}.${'A'.repeat(2000)}`,
      'x'.repeat(5000),
      `${payload}+.${signature}`,
      signed(null, 'not*base64'),
      signed(null, Buffer.from('{not json').toString('base64url')),
      signed([1, 2]),
      signed(null),
      signed({ sub: 'u', name: 'Ada' }),
      signed({ sub: 'u', name: 7, exp: 9e15 }),
      signed({ sub: 42, name: 'Ada', exp: 9e15 }),
      signed({ sub: 'u', name: 'Ada', exp: '9e15' }),
    ]) {
      expect(tokens.verify(bad), bad.slice(0, 60)).toMatchObject({ ok: false, code: ErrorCode.UNAUTHORIZED });
    }
    expect(tokens.verify(signed({ sub: 'u', name: 'Ada', exp: 9e15, aud: 'guest' })).ok).toBe(true);
  });

  it('takes only tokens for its audience: one for another, or for none, is refused and not renewed', () => {
    const clock = new ManualClock();
    const tokens = new GuestTokens({ secret, clock });
    const invites = new GuestTokens({ secret, clock, audience: 'party invites' });
    const invite = invites.issue('Ada').token;
    expect(invites.verify(invite).ok).toBe(true);
    const claims = { sub: 'u', name: 'Ada', exp: clock.now() + 1_000 };
    for (const [token, message] of [
      [invite, 'token was issued for another audience: get one from this server'],
      [
        signed({ ...claims, aud: 'guests' }),
        'token was issued for another audience: get one from this server',
      ],
      [signed(claims), 'token has no audience (issued by an older server): get a new one'],
    ] as const) {
      expect(tokens.verify(token)).toEqual({ ok: false, code: ErrorCode.UNAUTHORIZED, message });
      expect(tokens.renew(token)).toBeUndefined();
    }
    // Refused as made up, not as another audience's, when its audience is no string.
    expect(tokens.verify(signed({ ...claims, aud: 7 }))).toMatchObject({ message: 'malformed token' });
    // Its own, expired, are still told apart and renewed.
    const own = tokens.issue('Ada').token;
    clock.advance(25 * 60 * 60 * 1000);
    expect(tokens.verify(own)).toMatchObject({ ok: false, code: ErrorCode.TOKEN_EXPIRED });
    expect(tokens.renew(own)).toMatchObject({ name: 'Ada' });
  });

  it('reports an expired but genuine token as TOKEN_EXPIRED, and a forged expired one as UNAUTHORIZED', () => {
    const clock = new ManualClock(0);
    const tokens = new GuestTokens({ secret, ttlMs: 1_000, clock });
    const { token, expiresAt } = tokens.issue('Ada');
    expect(expiresAt).toBe(1_000);
    clock.advance(999);
    expect(tokens.verify(token).ok).toBe(true);
    clock.advance(1);
    expect(tokens.verify(token)).toMatchObject({ ok: false, code: ErrorCode.TOKEN_EXPIRED });
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(tokens.verify(forged)).toMatchObject({ ok: false, code: ErrorCode.UNAUTHORIZED });
  });

  it('renews a genuine token, expired no longer ago than a token lives, for the same guest', () => {
    const clock = new ManualClock();
    const tokens = new GuestTokens({ secret, ttlMs: 1_000, clock });
    const issued = tokens.issue('Ada');
    clock.advance(1_500);
    expect(tokens.verify(issued.token)).toMatchObject({ ok: false, code: ErrorCode.TOKEN_EXPIRED });
    const renewed = tokens.renew(issued.token);
    expect(renewed).toMatchObject({ userId: issued.userId, name: 'Ada', expiresAt: clock.now() + 1_000 });
    expect(tokens.verify(renewed!.token)).toEqual({
      ok: true,
      identity: { userId: issued.userId, name: 'Ada' },
    });
    clock.advance(2_000); // the renewed one expired 1,000 ms ago: as long as it lived, no more
    expect(tokens.renew(renewed!.token)).toBeUndefined();
    const fresh = tokens.issue('Ada').token;
    const forged = `${fresh.slice(0, -1)}${fresh.endsWith('A') ? 'B' : 'A'}`;
    expect(tokens.renew(forged)).toBeUndefined();
    expect(new GuestTokens({ secret: `${secret}-other` }).renew(tokens.issue().token)).toBeUndefined();
    expect(tokens.renew('garbage')).toBeUndefined();
  });

  it('expires tokens after 24 hours by default', () => {
    const clock = new ManualClock(0);
    const tokens = new GuestTokens({ secret, clock });
    const { token } = tokens.issue();
    clock.advance(24 * 60 * 60 * 1000 - 1);
    expect(tokens.verify(token).ok).toBe(true);
    clock.advance(1);
    expect(tokens.verify(token)).toMatchObject({ ok: false, code: ErrorCode.TOKEN_EXPIRED });
  });

  it('refuses a short secret or a bad ttl at construction', () => {
    expect(() => new GuestTokens({ secret: 'short' })).toThrow(TypeError);
    expect(() => new GuestTokens({ secret: 'x'.repeat(31) })).toThrow(TypeError);
    expect(() => new GuestTokens({ secret: new Uint8Array(31) })).toThrow(TypeError);
    expect(() => new GuestTokens({ secret, ttlMs: 0 })).toThrow(TypeError);
    expect(() => new GuestTokens({ secret, ttlMs: Number.NaN })).toThrow(TypeError);
    expect(() => new GuestTokens({ secret, audience: '' })).toThrow(TypeError);
    expect(() => new GuestTokens({ secret, audience: 'x'.repeat(129) })).toThrow(TypeError);
    expect(() => new GuestTokens({ secret: 'x'.repeat(32) })).not.toThrow();
  });
});
