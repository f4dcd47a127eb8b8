import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { ErrorCode } from '../../../src/protocol/index.js';
import { guestAuthenticator } from '../../../src/server/auth/authenticator.js';
import { GuestTokens } from '../../../src/server/auth/guest-tokens.js';

const secret = 'a-secret-of-at-least-thirty-two-bytes!!';
// The guest authenticator never looks at the request; an unconnected one is enough.
const request = new IncomingMessage(new Socket());

describe('guestAuthenticator', () => {
  it('turns a valid guest token into its identity', async () => {
    const tokens = new GuestTokens({ secret });
    const issued = tokens.issue('Ada');
    expect(await guestAuthenticator(tokens).authenticate(request, issued.token)).toEqual({
      ok: true,
      identity: { userId: issued.userId, name: 'Ada' },
    });
  });

  it('refuses a missing, bad or expired token with its code', async () => {
    const clock = new ManualClock(0);
    const tokens = new GuestTokens({ secret, ttlMs: 10, clock });
    const auth = guestAuthenticator(tokens);
    expect(await auth.authenticate(request, undefined)).toEqual({
      ok: false,
      code: ErrorCode.UNAUTHORIZED,
      message: 'no token',
    });
    expect(await auth.authenticate(request, 'junk')).toMatchObject({
      ok: false,
      code: ErrorCode.UNAUTHORIZED,
    });
    const { token } = tokens.issue('Ada');
    clock.advance(10);
    expect(await auth.authenticate(request, token)).toMatchObject({
      ok: false,
      code: ErrorCode.TOKEN_EXPIRED,
    });
  });
});
