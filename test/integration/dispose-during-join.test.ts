import { ErrorCode } from 'vehikill-net/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';
import { GatedJoinRoom } from './gated-join-room.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('a room disposed while an async onJoin is deciding', () => {
  it('answers the join ROOM_NOT_FOUND at once, not once onJoin returns', async () => {
    GatedJoinRoom.reset();
    t = await startServer({ round: GatedJoinRoom });
    const [host, player] = [t.client(), t.client()];
    await Promise.all([host.connect(), player.connect()]);
    const room = await host.create('round');
    const joining = player.join(room.roomId, { gated: true }).then(
      () => 'seated',
      (error: { code?: string }) => error.code,
    );
    await sleep(100);
    GatedJoinRoom.rooms[0]?.dispose();
    // The round (the gate) never starts: the join was left unanswered for good, and with it every later request of
    // the player (requests run one at a time), the drain's wait for requests under way too.
    const outcome = await Promise.race([joining, sleep(2_000).then(() => 'unanswered')]);
    expect(outcome).toBe(ErrorCode.ROOM_NOT_FOUND);
    // The player's requests go on: the next one is answered.
    const next = await player.create('round');
    expect(next.roomId).not.toBe(room.roomId);
    // onJoin returning later seats no one and tells the room nothing: it never accepted the player.
    GatedJoinRoom.open();
    await eventually(() => GatedJoinRoom.heard.length >= 2, 'the late onJoin to return');
    await sleep(50);
    expect(GatedJoinRoom.heard).not.toContain(`leave:${player.playerId}:${ErrorCode.ROOM_DISPOSED}`);
    expect(player.room?.roomId).toBe(next.roomId);
    expect(t.server.rooms.roomCount).toBe(1);
  });
});
