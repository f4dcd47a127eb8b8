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

describe('a kick while an async onJoin is deciding', () => {
  it('refuses the join and gives its seat back at once; the room hears the leave once onJoin returns', async () => {
    GatedJoinRoom.reset();
    registry = new MemoryRegistry();
    t = await startServer({ patient: GatedJoinRoom }, { registry });
    const [host, player] = [t.client(), t.client()];
    await Promise.all([host.connect(), player.connect()]);
    const room = await host.create('patient');
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
