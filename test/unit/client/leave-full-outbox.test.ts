import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, Kind } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';

describe('leaving a room while the outbox is full (a long outage, reliable messages sent meanwhile)', () => {
  it('still sends the leave, replayed at the resume: the player is not left a ghost in the room', async () => {
    const clock = new ManualClock();
    const server = new FakeServer();
    let hellos = 0;
    server.onMessage = (message) => {
      if (message.kind === Kind.Hello && ++hellos === 1) server.welcome(SELF, clock);
      else if (message.kind === Kind.JoinRoom) {
        const result = joinedRoom('room-1', [SELF, 'bbbbbbbb02'], { membership: 1 });
        server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
      }
    };
    const client = server.client(clock, {
      deadServerTimeoutMs: 3_600_000,
      outboxMessages: 4,
      backoff: { baseMs: 0, maxMs: 0 },
    });
    await client.connect();
    const room = await client.join('room-1');
    server.socket?.close(1006, ''); // the connection drops; the resume's hello is not answered yet
    await Promise.resolve();
    // Reliable messages sent while away fill the outbox (its join, never acked here, among them).
    let full = false;
    for (let n = 0; n < 10 && !full; n++) {
      try {
        room.send('chat', { n });
      } catch (error) {
        expect(error).toMatchObject({ code: 'OUTBOX_OVERFLOW' });
        full = true;
      }
    }
    expect(full).toBe(true);
    const leaving = room.leave().catch((error: unknown) => error);
    expect(client.room).toBeUndefined();
    // Back: the server resumes the session, having acked nothing of what was sent while away.
    clock.advance(1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(hellos).toBe(2);
    server.received.length = 0;
    server.welcome(SELF, clock, { resumed: true, ack: server.lastSeq });
    // The leave was refused (OUTBOX_OVERFLOW) after the room was taken from the app: the server kept the
    // player seated, and a second leave() did nothing, the room being left already.
    expect(server.receivedOf(Kind.LeaveRoom)).toHaveLength(1);
    const rid = server.receivedOf(Kind.LeaveRoom)[0]?.rid as number;
    server.send(Kind.Response, { rid, ok: true });
    expect(await leaving).toBeUndefined();
    await client.close();
  });
});
