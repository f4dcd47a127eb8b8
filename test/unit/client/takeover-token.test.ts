import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionTakeover } from '../../../src/client/session-takeover.js';
import { decodeTakeoverToken, encodeTakeoverToken } from '../../../src/client/takeover-token.js';

const playerId = 'pA1b2C3d4E5f6G7h';

describe('the takeover token (client.resumeToken)', () => {
  it('reads back what it was made of, with and without a guest token', () => {
    const plain = { playerId, resumeToken: 'origin.proof.seal' };
    expect(decodeTakeoverToken(encodeTakeoverToken(plain))).toEqual(plain);
    const guest = { ...plain, guestToken: 'g.u+e/s=t' };
    expect(decodeTakeoverToken(encodeTakeoverToken(guest))).toEqual(guest);
    expect(encodeTakeoverToken(guest)).toMatch(/^vkt1\.[A-Za-z0-9_-]+$/);
  });

  it('reads back any resume token and guest token within their limits', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 128 }),
        fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
        (resumeToken, guestToken) => {
          const token = { playerId, resumeToken, ...(guestToken === undefined ? {} : { guestToken }) };
          expect(decodeTakeoverToken(encodeTakeoverToken(token))).toEqual(token);
        },
      ),
    );
  });

  it('reads nothing from what it did not make: other text, cut short, fields out of range', () => {
    const made = encodeTakeoverToken({ playerId, resumeToken: 'secret' });
    expect(decodeTakeoverToken('')).toBeUndefined();
    expect(decodeTakeoverToken('not a token')).toBeUndefined();
    expect(decodeTakeoverToken(made.slice(0, -3))).toBeUndefined();
    expect(decodeTakeoverToken(`${made}!`)).toBeUndefined();
    expect(decodeTakeoverToken(`vkt1.${'A'.repeat(3_000)}`)).toBeUndefined();
    const bad = (fields: unknown) =>
      decodeTakeoverToken(`vkt1.${Buffer.from(JSON.stringify(fields)).toString('base64url')}`);
    expect(bad({ p: 'no', r: 'secret' })).toBeUndefined();
    expect(bad({ p: playerId, r: 'x'.repeat(129) })).toBeUndefined();
    expect(bad({ p: playerId })).toBeUndefined();
    expect(bad([playerId, 'secret'])).toBeUndefined();
  });
});

describe('SessionTakeover', () => {
  it('asks for the session until ended, with an ack of 0', () => {
    const takeover = new SessionTakeover(
      encodeTakeoverToken({ playerId, resumeToken: 's', guestToken: 'g' }),
    );
    expect(takeover.takeUnreadable()).toBe(false);
    expect(takeover.guestToken).toBe('g');
    expect(takeover.resume()).toEqual({ playerId, token: 's', ack: 0, takeover: true });
    expect(takeover.pending).toBe(true);
    takeover.end();
    expect(takeover.pending).toBe(false);
    expect(takeover.resume()).toBeUndefined();
  });

  it('tells an unreadable token once, and asks for nothing', () => {
    const takeover = new SessionTakeover('garbage');
    expect(takeover.pending).toBe(false);
    expect(takeover.takeUnreadable()).toBe(true);
    expect(takeover.takeUnreadable()).toBe(false);
    expect(new SessionTakeover(undefined).takeUnreadable()).toBe(false);
  });
});
