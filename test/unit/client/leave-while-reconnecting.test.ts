import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/index.js';
import { type Body, closeCodeFor, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { FakeServer, joinedRoom } from './fakes/fake-server.js';

const SELF = 'aaaaaaaa01';

/**
 * A client seated in a room whose socket has just dropped: it is reconnecting, to resume the session.
 * `resume(outcome)` lets the reconnect attempt happen and the server answer its hello: with the session
 * gone (SESSION_EXPIRED), or not at all (the attempt fails; with `maxReconnectAttempts: 1` the client
 * gives up).
 */
async function seatedAndDropped(options: { maxReconnectAttempts?: number } = {}) {
  const clock = new ManualClock();
  const server = new FakeServer();
  let hellos = 0;
  let onResumeHello = () => {};
  server.onMessage = (message) => {
    if (message.kind === Kind.Hello && ++hellos === 1) server.welcome(SELF, clock);
    else if (message.kind === Kind.Hello) onResumeHello();
    else if (message.kind === Kind.JoinRoom) {
      const result = joinedRoom('room-1', [SELF, 'bbbbbbbb02'], { membership: 1 });
      server.send(Kind.Response, { rid: message.body.rid, ok: true, result } as Body<typeof Kind.Response>);
    }
  };
  const client = server.client(clock, { backoff: { baseMs: 0, maxMs: 0 }, ...options });
  await client.connect();
  const room = await client.join('room-1');
  server.socket?.close(1006, ''); // the connection drops
  await Promise.resolve();
  expect(client.state).toBe('reconnecting');
  const reconnect = async (answer: () => void) => {
    onResumeHello = answer;
    clock.advance(1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  return { client, server, room, reconnect };
}

describe('room.leave() while the session is being resumed', () => {
  it('resolves when the session turns out to have expired: the player is out, as asked', async () => {
    const { client, server, room, reconnect } = await seatedAndDropped();
    const first = room.leave();
    const second = room.leave();
    let expiries = 0;
    client.on('session-expired', () => expiries++);
    await reconnect(() => {
      const socket = server.socket;
      queueMicrotask(() => socket?.close(closeCodeFor(ErrorCode.SESSION_EXPIRED), 'session expired'));
    });
    expect(expiries).toBe(1);
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
    expect(room.left).toBe(true);
    await client.close();
  });

  it('resolves when the client gives up reconnecting', async () => {
    const { client, server, room, reconnect } = await seatedAndDropped({ maxReconnectAttempts: 1 });
    const leaving = room.leave();
    await reconnect(() => {
      const socket = server.socket;
      queueMicrotask(() => socket?.close(1006, ''));
    });
    expect(client.state).toBe('closed');
    await expect(leaving).resolves.toBeUndefined();
  });

  it('resolves when the app closes the client before the resume', async () => {
    const { client, room } = await seatedAndDropped();
    const leaving = room.leave();
    await client.close();
    await expect(leaving).resolves.toBeUndefined();
  });

  it('still waits for the server when the session resumes, and resolves at its answer', async () => {
    const { client, server, room, reconnect } = await seatedAndDropped();
    const leaving = room.leave();
    let done = false;
    void leaving.then(() => (done = true));
    await reconnect(() => server.welcome(SELF, new ManualClock(), { resumed: true, ack: server.lastSeq }));
    expect(client.state).toBe('open');
    const leaves = server.receivedOf(Kind.LeaveRoom);
    expect(leaves).toHaveLength(1);
    expect(done).toBe(false);
    server.send(Kind.Response, { rid: leaves[0]?.rid as number, ok: true });
    await expect(leaving).resolves.toBeUndefined();
    await client.close();
  });
});
