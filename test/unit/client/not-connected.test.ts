import { Client } from 'vehikill-net/client';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { Kind, ProtocolError } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';
import { UnreachableSocket } from './fakes/unreachable-socket.js';

const notConnected = (error: unknown) =>
  error instanceof ProtocolError && error.code === 'NOT_CONNECTED' && /connect\(\)/.test(error.message);

describe('a request without a session', () => {
  it('before connect() and after close(): NOT_CONNECTED, and nothing is sent', async () => {
    const clock = new ManualClock();
    const server = FakeServer.welcoming(clock);
    const client = server.client(clock);
    await expect(client.quickPlay('arena')).rejects.toSatisfy(notConnected);
    await expect(client.listRooms()).rejects.toSatisfy(notConnected);
    await expect(client.joinByCode('K7Q2XM')).rejects.toSatisfy(notConnected);
    await client.connect();
    client.close();
    await expect(client.create('arena')).rejects.toSatisfy(notConnected);
    // The hello, and the first of the pings that follow a welcome to set the clock; no request.
    expect(server.received.map((message) => message.kind)).toEqual([Kind.Hello, Kind.Ping]);
  });
});

describe('a client that ends before it was welcomed', () => {
  const unreachable = (maxReconnectAttempts?: number) =>
    new Client({
      url: 'ws://unreachable.example/ws',
      token: 'token',
      WebSocket: UnreachableSocket as never,
      device: false,
      serverLink: 'off',
      backoff: { baseMs: 1, maxMs: 2 },
      ...(maxReconnectAttempts ? { maxReconnectAttempts } : {}),
    });

  it('rejects connect() and waiting requests with NODE_UNREACHABLE when it gives up', async () => {
    const client = unreachable(3);
    const connecting = client.connect();
    const listing = client.listRooms();
    await expect(connecting).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' });
    await expect(listing).rejects.toMatchObject({ code: 'NODE_UNREACHABLE' });
    expect(client.state).toBe('closed');
  });

  it('rejects them with NOT_CONNECTED when the app closes it', async () => {
    const client = unreachable();
    const connecting = client.connect();
    const listing = client.listRooms();
    client.close();
    await expect(connecting).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await expect(listing).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
  });
});

describe('a join answered as the client closes', () => {
  it('rejects with NOT_CONNECTED, as every request the close cut short does', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    let client: Client | undefined;
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock);
      else if (message.kind === Kind.JoinRoom) {
        const result = joinedRoom('room1', ['aaaaaaaa01'], { membership: 0 });
        server.send(Kind.Response, { rid: message.body.rid, ok: true, result });
        // Closed by the app before the join's answer reached the caller.
        void client?.close();
      }
    };
    client = server.client(clock);
    await client.connect();
    // It said SESSION_EXPIRED, as for a session the server ended.
    await expect(client.join('room1')).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    expect(client.state).toBe('closed');
  });
});

describe('a room left', () => {
  it('answers every call with NOT_IN_ROOM, as the server does', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello) server.welcome('aaaaaaaa01', clock);
      else if (message.kind === Kind.JoinRoom) {
        const result = joinedRoom('room1', ['aaaaaaaa01', 'bbbbbbbb02'], { membership: 0 });
        server.send(Kind.Response, { rid: message.body.rid, ok: true, result });
      } else if (message.kind === Kind.LeaveRoom)
        server.send(Kind.Response, { rid: message.body.rid, ok: true });
    };
    const client = server.client(clock);
    await client.connect();
    const room = await client.join('room1');
    await room.leave();
    const notInRoom = (call: () => unknown) => {
      expect(call).toThrow(expect.objectContaining({ code: 'NOT_IN_ROOM' }));
      expect(call).toThrow(ProtocolError);
    };
    notInRoom(() => room.send('chat', { text: 'late' }));
    notInRoom(() => room.mesh());
    notInRoom(() => room.voice());
    notInRoom(() => room.signal('bbbbbbbb02', {}));
    notInRoom(() => room.relayLink('bbbbbbbb02'));
  });
});
