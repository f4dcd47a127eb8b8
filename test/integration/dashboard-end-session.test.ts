import type { Client } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** The dashboard's write: ending a player's session, behind the admin token, from the dashboard only. */

const ADMIN = 'end-session-admin-token-0123456789';
const PATH = '/dashboard/api/end-session';
let t: TestServer;
/** The login cookie, as the dashboard's page holds it. */
let cookie: string;
beforeAll(async () => {
  t = await startServer({ test: TestRoom }, { adminToken: ADMIN, serverLink: { enabled: false } });
  const login = await fetch(`${t.httpUrl}/dashboard?token=${ADMIN}`, { redirect: 'manual' });
  cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
});
afterAll(() => t.close());

/** A player seated in a room, and a promise of its client's `closed` event. */
async function seatedPlayer(): Promise<{ player: Client; playerId: string; closed: Promise<unknown> }> {
  const player = t.client({ name: 'Player' });
  await player.connect();
  await player.create('test');
  const closed = new Promise((resolve) => player.on('closed', resolve));
  return { player, playerId: player.playerId ?? '', closed };
}

/** POSTs `body` to the endpoint: JSON with the login cookie unless `headers` say otherwise. */
async function post(
  body: unknown,
  headers: Record<string, string> = { cookie, 'content-type': 'application/json' },
  method = 'POST',
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(t.httpUrl + PATH, {
    method,
    headers,
    ...(method === 'POST' ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: await response.json() };
}

describe('POST /dashboard/api/end-session', () => {
  it("with the login cookie ends the player's session: the client closes with SESSION_ENDED and the reason", async () => {
    const { player, playerId, closed } = await seatedPlayer();
    const sessions = t.server.sessionCount;

    expect(await post({ playerId, message: 'griefing' })).toEqual({ status: 200, body: { ended: true } });

    expect(await closed).toEqual({ code: ErrorCode.SESSION_ENDED, message: 'griefing' });
    expect(player.state).toBe('closed');
    expect(t.server.sessionCount).toBe(sessions - 1);
    // Again (a second click, a retried script): answered, nothing happens.
    expect(await post({ playerId })).toEqual({
      status: 200,
      body: {
        ended: false,
        message: 'this node has no live session of that player: it ended already, or is not here',
      },
    });
  });

  it("with the bearer token too (an operator's script), the reason defaulting to the server's", async () => {
    const { playerId, closed } = await seatedPlayer();
    const bearer = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    expect(await post({ playerId }, bearer)).toEqual({ status: 200, body: { ended: true } });
    expect(await closed).toEqual({ code: ErrorCode.SESSION_ENDED, message: 'the server ended the session' });
  });

  it('refuses a missing or wrong token (401), and the session plays on', async () => {
    const { player, playerId } = await seatedPlayer();
    const refused: Record<string, string>[] = [
      { 'content-type': 'application/json' },
      { authorization: `Bearer ${ADMIN}x`, 'content-type': 'application/json' },
      { cookie: `vehikill_admin=${ADMIN}`, 'content-type': 'application/json' },
    ];
    for (const headers of refused) {
      expect(await post({ playerId }, headers)).toEqual({
        status: 401,
        body: { code: ErrorCode.UNAUTHORIZED, message: 'the admin token is required' },
      });
    }
    expect(player.state).toBe('open');
    expect(t.server.localRoomOf(playerId)).toBeDefined();
  });

  it("refuses (403) a write another site's page could make with the cookie: a form's body, or a browser saying it is cross-site", async () => {
    const { player, playerId } = await seatedPlayer();
    const form = { cookie, 'content-type': 'application/x-www-form-urlencoded' };
    expect(await post(`playerId=${playerId}`, form)).toEqual({
      status: 403,
      body: { code: ErrorCode.UNAUTHORIZED, message: 'the body must be sent as application/json' },
    });
    expect(await post({ playerId }, { cookie, 'content-type': 'text/plain' })).toMatchObject({ status: 403 });
    for (const site of ['cross-site', 'same-site', 'none']) {
      const headers = { cookie, 'content-type': 'application/json', 'sec-fetch-site': site };
      expect(await post({ playerId }, headers)).toEqual({
        status: 403,
        body: { code: ErrorCode.UNAUTHORIZED, message: 'only the dashboard itself may end sessions' },
      });
    }
    expect(player.state).toBe('open');
    // The dashboard's own page says same-origin.
    const own = {
      cookie,
      'content-type': 'application/json; charset=utf-8',
      'sec-fetch-site': 'same-origin',
    };
    expect(await post({ playerId }, own)).toEqual({ status: 200, body: { ended: true } });
  });

  it('answers 405 to another method and 400 to a body not of the shape, ending nothing', async () => {
    const { player, playerId } = await seatedPlayer();
    expect(await post(undefined, { cookie }, 'GET')).toEqual({
      status: 405,
      body: { code: ErrorCode.INVALID_MESSAGE, message: 'use POST' },
    });
    for (const body of ['not json', {}, { playerId: 7 }, { playerId, message: 'x'.repeat(513) }]) {
      expect(await post(body)).toMatchObject({ status: 400, body: { code: ErrorCode.INVALID_MESSAGE } });
    }
    expect(await post({ playerId, pad: 'x'.repeat(5_000) })).toMatchObject({
      status: 413,
      body: { code: ErrorCode.MESSAGE_TOO_LARGE },
    });
    expect(player.state).toBe('open');
  });

  it('is not served (404) where the dashboard is off', async () => {
    const off = await startServer({ test: TestRoom }, { serverLink: { enabled: false } });
    try {
      const response = await fetch(off.httpUrl + PATH, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: '{"playerId":"anyone"}',
      });
      expect(response.status).toBe(404);
    } finally {
      await off.close();
    }
  });
});
