import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, closeCodeFor, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

/** A client seated in room-1, whose room's end closes it (a game that quits to its menu then). */
async function closingOnLeave() {
  const clock = new ManualClock();
  const server = new FakeServer();
  let hellos = 0;
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello) {
      hellos++;
      server.welcome('aaaaaaaa01', clock);
    } else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom('room-1', ['aaaaaaaa01'], { membership: 1 });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock);
  await client.connect();
  const room = await client.join('room-1');
  room.on('leave', () => void client.close());
  const events: string[] = [];
  for (const event of ['closed', 'moved', 'session-expired', 'drop'] as const) {
    client.on(event, () => events.push(event));
  }
  return { client, server, events, hellos: () => hellos };
}

describe('a client closed by the app as a move leaves its room', () => {
  it('after an expired session: tells nothing after closed', async () => {
    const { client, server, events, hellos } = await closingOnLeave();
    server.socket?.close(closeCodeFor(ErrorCode.SESSION_EXPIRED), 'session expired');
    await new Promise((resolve) => setTimeout(resolve, 0));
    // 'session-expired' came after 'closed'.
    expect(events).toEqual(['closed']);
    expect(hellos()).toBe(1);
    expect(client.state).toBe('closed');
  });

  it('after a drain that sends it to another node: tells nothing after closed, and connects nowhere', async () => {
    const { client, server, events, hellos } = await closingOnLeave();
    server.send(Kind.Bye, { code: ErrorCode.SERVER_DRAINING, message: 'ws://other/ws' });
    server.socket?.close(closeCodeFor(ErrorCode.SERVER_DRAINING), 'moved to another node');
    await new Promise((resolve) => setTimeout(resolve, 0));
    // 'moved' came after 'closed', from a client the app had closed.
    expect(events).toEqual(['closed']);
    expect(hellos()).toBe(1);
    expect(client.state).toBe('closed');
  });
});
