import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { GatedJoinRoom } from './gated-join-room.js';

let t: TestServer | undefined;
let registry: MemoryRegistry | undefined;
afterEach(async () => {
  await t?.close();
  await registry?.close();
  t = undefined;
  registry = undefined;
});

/** A host in a GatedJoinRoom it made, on a server with a registry the test reads, and a second player. */
async function hostAndPlayer() {
  GatedJoinRoom.reset();
  registry = new MemoryRegistry();
  t = await startServer({ gated: GatedJoinRoom }, { registry });
  const [host, player] = [t.client(), t.client()];
  await Promise.all([host.connect(), player.connect()]);
  const room = await host.create('gated');
  return { server: t, registry, host, player, room };
}

describe('a kick while an async onJoin is deciding', () => {
  it('refuses the join and gives its seat back at once; the room hears the leave once onJoin returns', async () => {
    const { registry, host, player, room } = await hostAndPlayer();
    const joining = player.join(room.roomId, { gated: true }).then(
      () => 'seated',
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
    await eventually(() => GatedJoinRoom.deciding !== undefined, 'the room to be deciding on the player');
    // The room's deadline for a joiner ran out: its own way to let go of a join its onJoin cannot finish.
    GatedJoinRoom.rooms[0]?.kick(GatedJoinRoom.deciding!, 'took too long to join');
    const outcome = await Promise.race([joining, sleep(2_000).then(() => 'unanswered')]);
    expect(outcome).toBe(`${ErrorCode.JOIN_REJECTED}: took too long to join`);
    expect((await registry.getRoom(room.roomId))?.clients).toBe(1);
    expect(GatedJoinRoom.heard).toEqual([`join:${host.playerId}`]);
    GatedJoinRoom.open();
    await eventually(() => GatedJoinRoom.heard.length === 3, 'the room to hear the leave');
    expect(GatedJoinRoom.heard.slice(1)).toEqual([
      `join:${player.playerId}`,
      `leave:${player.playerId}:${ErrorCode.KICKED}`,
    ]);
    await sleep(50);
    expect(room.members.map((member) => member.playerId)).toEqual([host.playerId]);
  });
});

describe('a session that ends while an async onJoin is deciding', () => {
  it('gives its seat back at once; the room hears the leave once onJoin has returned', async () => {
    const { server, registry, host, player, room } = await hostAndPlayer();
    const playerId = player.playerId;
    void player.join(room.roomId, { gated: true }).catch(() => {});
    await eventually(() => server.server.rooms.requestsUnderWay === 1, 'the join to be under way');
    expect((await registry.getRoom(room.roomId))?.clients).toBe(2);
    // A clean close: the session ends at once. An onJoin that never returned (a service that hangs) held the
    // seat for good, kept the room from ever being empty, and a drain waited on the join.
    player.close();
    await eventually(
      () => server.server.rooms.requestsUnderWay === 0,
      'the join to end with the session',
      2_000,
    );
    expect((await registry.getRoom(room.roomId))?.clients).toBe(1);
    await sleep(50);
    // Not before onJoin returns: the room would be told of a leave for a player it is still deciding on.
    expect(GatedJoinRoom.heard).toEqual([`join:${host.playerId}`]);
    GatedJoinRoom.open();
    await eventually(() => GatedJoinRoom.heard.length === 3, 'the room to hear the leave');
    expect(GatedJoinRoom.heard.slice(1)).toEqual([`join:${playerId}`, `leave:${playerId}:left`]);
    expect(room.members.map((member) => member.playerId)).toEqual([host.playerId]);
  });
});

describe('a session the server ends while an async onJoin is deciding', () => {
  it('refuses the join, gives its seat back at once, and the room hears SESSION_ENDED once onJoin returns', async () => {
    const { server, registry, host, player, room } = await hostAndPlayer();
    const playerId = player.playerId ?? '';
    const joining = player.join(room.roomId, { gated: true }).then(
      () => 'seated',
      (error: { code?: string }) => error.code,
    );
    await eventually(() => GatedJoinRoom.deciding !== undefined, 'the room to be deciding on the player');
    // Not seated yet: in no room as far as the server's lookups go.
    expect(server.server.localRoomOf(playerId)).toBeUndefined();

    expect(server.server.endSession(playerId, 'banned')).toBe(true);

    // The client's join ends with its session.
    expect(await joining).toBe(ErrorCode.SESSION_ENDED);
    await eventually(() => server.server.rooms.requestsUnderWay === 0, 'the join to end with the session');
    expect((await registry.getRoom(room.roomId))?.clients).toBe(1);
    expect(GatedJoinRoom.heard).toEqual([`join:${host.playerId}`]);
    GatedJoinRoom.open();
    await eventually(() => GatedJoinRoom.heard.length === 3, 'the room to hear the leave');
    expect(GatedJoinRoom.heard.slice(1)).toEqual([
      `join:${playerId}`,
      `leave:${playerId}:${ErrorCode.SESSION_ENDED}`,
    ]);
    expect(room.members.map((member) => member.playerId)).toEqual([host.playerId]);
  });
});
