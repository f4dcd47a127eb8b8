import { Kind } from 'vehikill-net/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
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
    raw.close();
  });
});
