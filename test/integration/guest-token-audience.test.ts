import { createHmac } from 'node:crypto';
import { ErrorCode } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

// Guest tokens say who they are for (their audience), and a server takes only its own: a token signed
// with the same secret for another deployment (or before audiences were written) is refused, with a
// message saying what to do, and is not renewed either.

const guestSecret = 'one-secret-shared-by-two-deployments!';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(guestAudience?: string): Promise<TestServer> {
  const server = await startServer(
    { test: TestRoom },
    guestAudience === undefined ? { guestSecret } : { guestSecret, guestAudience },
  );
  servers.push(server);
  return server;
}

/** POST /auth/guest with `body`: the status and the JSON answer. */
async function askForToken(server: TestServer, body: object = {}) {
  const response = await fetch(`${server.httpUrl}/auth/guest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A token as a server of this version before audiences signed them with `guestSecret`: no `aud`. */
function tokenWithoutAudience(): string {
  const claims = { sub: 'guest-from-before', name: 'Ada', exp: Date.now() + 60_000 };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${createHmac('sha256', guestSecret).update(payload).digest('base64url')}`;
}

describe('a guest token', () => {
  it('of another deployment that shares the secret is refused UNAUTHORIZED, and not renewed', async () => {
    const staging = await serve('vehikill staging');
    const production = await serve('vehikill production');
    const { body: issued } = await askForToken(staging, { name: 'Ada' });
    const token = issued.token as string;
    // Good where it was issued.
    const home = staging.client({ token });
    await home.connect();

    const abroad = production.client({ token });
    await expect(abroad.connect()).rejects.toMatchObject({
      code: ErrorCode.UNAUTHORIZED,
      message: expect.stringContaining('issued for another audience'),
    });
    expect(await askForToken(production, { renew: token })).toEqual({
      status: 401,
      body: { code: ErrorCode.UNAUTHORIZED, message: expect.any(String) },
    });
  });

  it('from before tokens had an audience is refused UNAUTHORIZED, saying to get a new one', async () => {
    const server = await serve();
    const old = tokenWithoutAudience();
    await expect(server.client({ token: old }).connect()).rejects.toMatchObject({
      code: ErrorCode.UNAUTHORIZED,
      message: expect.stringContaining('token has no audience (issued by an older server): get a new one'),
    });
    expect((await askForToken(server, { renew: old })).status).toBe(401);
    // A token of this server's own is good, and renews.
    const { body: fresh } = await askForToken(server);
    const renewed = await askForToken(server, { renew: fresh.token as string });
    expect(renewed).toMatchObject({ status: 200, body: { userId: fresh.userId } });
    await server.client({ token: renewed.body.token as string }).connect();
  });
});
