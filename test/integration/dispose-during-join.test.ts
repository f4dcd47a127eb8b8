import { ErrorCode } from 'vehikill-net/protocol';
import { type LeaveReason, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/**
 * A room whose `onJoin` waits for its round to start (a gate the test opens with `startRound`, or never):
 * a room may end, its round never started, while a player waits there.
 */
class RoundRoom extends Room {
  static rooms: RoundRoom[] = [];
  static startRound: () => void = () => {};
  static heard: string[] = [];
  static #round: Promise<void> = Promise.resolve();

  static reset(): void {
    RoundRoom.rooms = [];
    RoundRoom.heard = [];
    RoundRoom.#round = new Promise<void>((resolve) => {
      RoundRoom.startRound = resolve;
    });
  }

  override onCreate(): void {
    RoundRoom.rooms.push(this);
  }

  override async onJoin(client: RoomClient, options: unknown): Promise<void> {
    if ((options as { waitForRound?: boolean } | undefined)?.waitForRound) await RoundRoom.#round;
    RoundRoom.heard.push(`join:${client.playerId}`);
  }

  override onLeave(client: RoomClient, reason: LeaveReason): void {
    RoundRoom.heard.push(`leave:${client.playerId}:${reason}`);
  }
}

describe('a room disposed while an async onJoin is deciding', () => {
  it('answers the join ROOM_NOT_FOUND at once, not once onJoin returns', async () => {
    RoundRoom.reset();
    t = await startServer({ round: RoundRoom });
    const [host, player] = [t.client(), t.client()];
    await Promise.all([host.connect(), player.connect()]);
    const room = await host.create('round');
    const joining = player.join(room.roomId, { waitForRound: true }).then(
      () => 'seated',
      (error: { code?: string }) => error.code,
    );
    await sleep(100);
    RoundRoom.rooms[0]?.dispose();
    // The round never starts: the join was left unanswered for good, and with it every later request of
    // the player (requests run one at a time), the drain's wait for requests under way too.
    const outcome = await Promise.race([joining, sleep(2_000).then(() => 'unanswered')]);
    expect(outcome).toBe(ErrorCode.ROOM_NOT_FOUND);
    // The player's requests go on: the next one is answered.
    const next = await player.create('round');
    expect(next.roomId).not.toBe(room.roomId);
    // onJoin returning later seats no one and tells the room nothing: it never accepted the player.
    RoundRoom.startRound();
    await eventually(() => RoundRoom.heard.length >= 2, 'the late onJoin to return');
    await sleep(50);
    expect(RoundRoom.heard).not.toContain(`leave:${player.playerId}:${ErrorCode.ROOM_DISPOSED}`);
    expect(player.room?.roomId).toBe(next.roomId);
    expect(t.server.rooms.roomCount).toBe(1);
  });
});
