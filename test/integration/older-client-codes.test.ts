import { ErrorCode, Kind } from 'vehikill-net/protocol';
import { Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

/** Holds a dropped player's seat 150 ms (the server: 30 s), then lets them go with RECONNECTION_EXPIRED. */
class ShortWindow extends Room {
  override onCreate(): void {
    this.setReconnectionMs(150);
  }
}

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * A client that lists no features in its hello, as clients did before they read codes they do not list,
 * refuses a frame naming a newer code: such a client is told the older code that stands in for it. Played
 * by a bare client that says hello as those clients did.
 */
async function olderClient(server: TestServer, joinRoomId: string) {
  const token = server.server.issueGuestToken('old');
  const raw = new RawClient(server.wsUrl, token);
  await raw.opened;
  raw.hello();
  await eventually(() => raw.received(Kind.Welcome).length === 1, 'welcome');
  raw.send(Kind.JoinRoom, { rid: 1, roomId: joinRoomId });
  await eventually(() => raw.received(Kind.Response).length === 1, 'joined');
  const { playerId, resumeToken } = raw.received(Kind.Welcome)[0]!;
  return { raw, token, playerId, resumeToken };
}

/** A room of ShortWindow created by a client of now, and the leave reasons that client hears. */
async function watchedRoom() {
  const server = await startServer({ short: ShortWindow });
  t = server;
  const watcher = server.client();
  await watcher.connect();
  const watched = await watcher.create('short');
  const newerHeard: string[] = [];
  watched.on('member-leave', ({ reason }) => newerHeard.push(reason));
  return { server, watched, newerHeard };
}

describe("a room's reconnection window, told to clients that list no features", () => {
  it('others hear SESSION_EXPIRED for the player who did not come back; clients of now, RECONNECTION_EXPIRED', async () => {
    const { server, watched, newerHeard } = await watchedRoom();
    const old = await olderClient(server, watched.roomId);
    const leaver = await olderClient(server, watched.roomId);

    leaver.raw.close(); // dropped without a goodbye: away, and the room's window runs out
    await eventually(() => newerHeard.length === 1, 'the leave heard by the newer client');
    expect(newerHeard).toEqual([ErrorCode.RECONNECTION_EXPIRED]);
    await eventually(
      () => old.raw.received(Kind.MemberLeft).length === 1,
      'the leave heard by the older one',
    );
    expect(old.raw.received(Kind.MemberLeft)[0]).toMatchObject({
      playerId: leaver.playerId,
      reason: ErrorCode.SESSION_EXPIRED,
    });
  });

  it('the player back after the window reads KICKED: out of the room, the session kept', async () => {
    const { server, watched, newerHeard } = await watchedRoom();
    const leaver = await olderClient(server, watched.roomId);
    leaver.raw.close();
    await eventually(() => newerHeard.length === 1, 'the window ran out');

    const back = new RawClient(server.wsUrl, leaver.token);
    await back.opened;
    back.hello({ playerId: leaver.playerId, token: leaver.resumeToken, ack: 0 });
    await eventually(
      () => back.received(Kind.RoomLeft).length === 1,
      "the room's leave, replayed at the resume",
    );
    expect(back.received(Kind.Welcome)[0]).toMatchObject({ resumed: true });
    expect(back.received(Kind.RoomLeft)[0]).toMatchObject({
      roomId: watched.roomId,
      reason: ErrorCode.KICKED,
    });
    back.close();
  });
});
