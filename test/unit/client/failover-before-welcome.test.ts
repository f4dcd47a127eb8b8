import { Client } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { Kind, type RoomInfo } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';
import { UnreachableSocket } from './fakes/unreachable-socket.js';

describe('a failover before the first welcome', () => {
  it('keeps the requests made while connecting: they are answered by the fallback', async () => {
    const server = new FakeServer();
    const room: RoomInfo = joinedRoom('room-1', []).room;
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello)
        server.welcome('aaaaaaaa01', { now: () => 0, setTimeout: () => () => {} });
      else if (message.kind === Kind.ListRooms)
        server.send(Kind.Response, { rid: message.body.rid, ok: true, result: { rooms: [room] } });
    };
    const Reachable = server.WebSocket;
    // The first entry point is down; the fallback is this fake server.
    class WebSocket {
      constructor(url: string) {
        // biome-ignore lint/correctness/noConstructorReturn: the socket of the entry point asked for
        return url.includes('down.example') ? new UnreachableSocket(url) : new Reachable(url);
      }
    }
    const client = new Client({
      url: 'ws://down.example/ws',
      fallbackUrls: ['ws://up.example/ws'],
      failoverAfterAttempts: 1,
      token: 'token',
      WebSocket: WebSocket as never,
      device: false,
      serverLink: 'off',
      backoff: { baseMs: 0, maxMs: 0 },
    });
    const connecting = client.connect();
    // Made while connecting: documented to wait for the session.
    const listing = client.listRooms().catch((error: unknown) => error);
    await connecting;
    expect(client.url).toBe('ws://up.example/ws');
    // The move to the fallback failed it (NODE_UNREACHABLE) as if a session had been lost, and dropped it.
    expect(await listing).toEqual([room]);
    await client.close();
  });
});
