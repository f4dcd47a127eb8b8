import { Kind } from 'vehikill-net/protocol';
import { GameServer } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

let t: TestServer;
beforeAll(async () => {
  t = await startServer(
    { test: TestRoom },
    {
      iceServers: [{ urls: 'stun:127.0.0.1:3478' }],
      turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'a-shared-turn-secret', ttlSeconds: 300 },
    },
  );
});
afterAll(async () => {
  await t.close();
});

describe('ICE servers handed to clients', () => {
  it('the welcome carries the STUN list and this player’s own short-lived TURN credentials', async () => {
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('ada'));
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    const [welcome] = raw.received(Kind.Welcome);
    expect(welcome?.iceServers?.[0]).toEqual({ urls: 'stun:127.0.0.1:3478' });
    const turn = welcome?.iceServers?.[1];
    expect(turn?.urls).toEqual(['turn:127.0.0.1:3478?transport=udp']);
    const [expiry, userId] = (turn?.username ?? '').split(':');
    expect(Number(expiry) * 1000).toBeGreaterThan(Date.now() + 290_000);
    expect(userId).toMatch(/^[\w-]{8,}$/);
    // How long they last, so that the client can ask for fresh ones in time.
    expect(welcome?.iceTtlMs).toBeGreaterThanOrEqual(299_000);
    expect(welcome?.iceTtlMs).toBeLessThanOrEqual(300_000);
    raw.close();
  });

  it('answers a refresh with fresh credentials for the same player, good for the whole lifetime again', async () => {
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('ada'));
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    const [welcome] = raw.received(Kind.Welcome);
    await sleep(1_100); // a new second: a new expiry, so new credentials
    raw.send(Kind.RefreshIceServers, {});
    await eventually(() => raw.received(Kind.IceServers).length === 1, 'fresh ICE servers');
    const [fresh] = raw.received(Kind.IceServers);
    expect(fresh?.iceServers[0]).toEqual({ urls: 'stun:127.0.0.1:3478' });
    const [oldExpiry, oldUser] = (welcome?.iceServers?.[1]?.username ?? '').split(':');
    const [newExpiry, newUser] = (fresh?.iceServers[1]?.username ?? '').split(':');
    expect(newUser).toBe(oldUser);
    expect(Number(newExpiry)).toBeGreaterThan(Number(oldExpiry));
    expect(fresh?.iceServers[1]?.credential).not.toBe(welcome?.iceServers?.[1]?.credential);
    expect(fresh?.iceTtlMs).toBeGreaterThanOrEqual(299_000);
    raw.close();
  });
});

describe('a refresh that is not the documented empty map', () => {
  it('is INVALID_MESSAGE, with no credentials sent, and the connection goes on', async () => {
    const raw = new RawClient(t.wsUrl, t.server.issueGuestToken('ada'));
    await raw.opened;
    raw.hello();
    await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
    // Bodies that decode to objects but are no map: msgpack bin, a timestamp, an extension.
    for (const body of [
      [0xc4, 0x01, 0x00],
      [0xd6, 0xff, 0, 0, 0, 1],
      [0xd4, 0x01, 0x00],
    ]) {
      raw.sendBytes(Uint8Array.of(Kind.RefreshIceServers, ...body));
    }
    await eventually(() => raw.received(Kind.Error).length === 3, 'three errors');
    expect(raw.received(Kind.Error).map((error) => error.code)).toEqual([
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
      'INVALID_MESSAGE',
    ]);
    raw.send(Kind.RefreshIceServers, {});
    await eventually(() => raw.received(Kind.IceServers).length === 1, 'fresh ICE servers');
    expect(raw.closeCode).toBeUndefined();
    raw.close();
  });
});

describe('ICE settings clients would refuse', () => {
  it('fail when the server is made, naming the option, not at every welcome', () => {
    const iceServers = Array.from({ length: 8 }, (_, i) => ({ urls: `stun:127.0.0.${i + 1}:3478` }));
    const turn = { urls: ['turn:127.0.0.1:3478'], secret: 'a-shared-turn-secret' };
    expect(() => new GameServer({ iceServers, turn })).toThrow(/'iceServers'/);
    expect(() => new GameServer({ turn: { ...turn, secret: 'too-short' } })).toThrow(/'turn.secret'/);
  });

  it('a user id too long for a TURN username still gets a welcome the client takes, with its own TURN name', async () => {
    const longId = `https://issuer.example.com/users/${'u'.repeat(250)}`;
    const server = await startServer(
      { test: TestRoom },
      {
        authenticator: {
          authenticate: async () => ({ ok: true, identity: { userId: longId, name: 'long' } }),
        },
        turn: { urls: ['turn:127.0.0.1:3478?transport=udp'], secret: 'a-shared-turn-secret' },
      },
    );
    try {
      const client = server.client({ token: 'any' });
      // A welcome the client refuses is never taken: its connect would hang and retry without end.
      const refused = sleep(5_000).then(() => 'no welcome taken');
      expect(await Promise.race([client.connect().then(() => 'connected'), refused])).toBe('connected');
      const raw = new RawClient(server.wsUrl, 'any');
      await raw.opened;
      raw.hello();
      await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
      const username = raw.received(Kind.Welcome)[0]?.iceServers?.[0]?.username ?? '';
      expect(username).toMatch(/^\d+:~[\w-]{43}$/);
      raw.close();
    } finally {
      await server.close();
    }
  });
});
