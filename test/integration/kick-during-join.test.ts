import { ErrorCode } from 'vehikill-net/protocol';
import { type LeaveReason, MemoryRegistry, Room, type RoomClient } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, sleep, startServer, type TestServer } from '../support/server.js';

let t: TestServer | undefined;
let registry: MemoryRegistry | undefined;
afterEach(async () => {
  await t?.close();
  await registry?.close();
  t = undefined;
  registry = undefined;
});

/**
 * A room whose `onJoin` waits for a gate the test opens (`open`), as one awaiting a slow service would;
 * it keeps the client it is deciding on, as a room that gives a joiner a deadline does.
 */
class PatientRoom extends Room {
  static room: PatientRoom | undefined;
  static deciding: RoomClient | undefined;
  static heard: string[] = [];
  static open: () => void = () => {};
  static #gate: Promise<void> = Promise.resolve();

  static reset(): void {
    PatientRoom.room = undefined;
    PatientRoom.deciding = undefined;
    PatientRoom.heard = [];
    PatientRoom.#gate = new Promise<void>((resolve) => {
      PatientRoom.open = resolve;
    });
  }

  override onCreate(): void {
    PatientRoom.room = this;
  }

  override async onJoin(client: RoomClient, options: unknown): Promise<void> {
    if ((options as { gated?: boolean } | undefined)?.gated) {
      PatientRoom.deciding = client;
      await PatientRoom.#gate;
    }
    PatientRoom.heard.push(`join:${client.playerId}`);
  }

  override onLeave(client: RoomClient, reason: LeaveReason): void {
    PatientRoom.heard.push(`leave:${client.playerId}:${reason}`);
  }
}

describe('a kick while an async onJoin is deciding', () => {
  it('refuses the join and gives its seat back at once; the room hears the leave once onJoin returns', async () => {
    PatientRoom.reset();
    registry = new MemoryRegistry();
    t = await startServer({ patient: PatientRoom }, { registry });
    const [host, player] = [t.client(), t.client()];
    await Promise.all([host.connect(), player.connect()]);
    const room = await host.create('patient');
    const joining = player.join(room.roomId, { gated: true }).then(
      () => 'seated',
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
    await eventually(() => PatientRoom.deciding !== undefined, 'the room to be deciding on the player');
    // The room's deadline for a joiner ran out: its own way to let go of a join its onJoin cannot finish.
    PatientRoom.room?.kick(PatientRoom.deciding!, 'took too long to join');
    const outcome = await Promise.race([joining, sleep(2_000).then(() => 'unanswered')]);
    expect(outcome).toBe(`${ErrorCode.JOIN_REJECTED}: took too long to join`);
    expect((await registry.getRoom(room.roomId))?.clients).toBe(1);
    expect(PatientRoom.heard).toEqual([`join:${host.playerId}`]);
    PatientRoom.open();
    await eventually(() => PatientRoom.heard.length === 3, 'the room to hear the leave');
    expect(PatientRoom.heard.slice(1)).toEqual([
      `join:${player.playerId}`,
      `leave:${player.playerId}:${ErrorCode.KICKED}`,
    ]);
    await sleep(50);
    expect(room.members.map((member) => member.playerId)).toEqual([host.playerId]);
  });
});
