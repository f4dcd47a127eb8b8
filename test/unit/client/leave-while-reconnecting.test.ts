import { describe, expect, it } from 'vitest';
import { closeCodeFor, ErrorCode, Kind } from '../../../src/protocol/index.js';
import { seatedClient } from './fakes/seated-client.js';

const SELF = 'aaaaaaaa01';

/**
 * A client seated in a room whose socket has just dropped: it is reconnecting, to resume the session.
 * `reconnect(answer)` lets the reconnect attempt happen and has the server answer its hello with `answer`:
 * closing with SESSION_EXPIRED (the session is gone), or dropping (the attempt fails; with
 * `maxReconnectAttempts: 1` the client gives up), or welcoming the resume.
 */
async function seatedAndDropped(options: { maxReconnectAttempts?: number } = {}) {
  const seated = await seatedClient(SELF, 'bbbbbbbb02', options);
  const { client, server, clock } = seated;
  await seated.drop();
  expect(client.state).toBe('reconnecting');
  const reconnect = async (answer: () => void) => {
    seated.onResumeHello = answer;
    await seated.reconnect();
  };
  return { client, server, clock, room: seated.room, reconnect };
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
    const { client, server, clock, room, reconnect } = await seatedAndDropped();
    const leaving = room.leave();
    let done = false;
    void leaving.then(() => (done = true));
    await reconnect(() => server.welcome(SELF, clock, { resumed: true, ack: server.lastSeq }));
    expect(client.state).toBe('open');
    const leaves = server.receivedOf(Kind.LeaveRoom);
    expect(leaves).toHaveLength(1);
    expect(done).toBe(false);
    server.send(Kind.Response, { rid: leaves[0]?.rid as number, ok: true });
    await expect(leaving).resolves.toBeUndefined();
    await client.close();
  });
});
