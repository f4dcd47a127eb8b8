import { type LeaveReason, Room, type RoomClient } from 'vehikill-net/server';

/**
 * A room whose `onJoin`, for a join with `{ gated: true }`, waits for a gate the test opens (`open`), as one
 * awaiting a slow service or its next round would. It keeps the client it is deciding on (`deciding`), as a
 * room that gives a joiner a deadline does, and what it heard of joins and leaves. Static: call `reset()`
 * before each test.
 */
export class GatedJoinRoom extends Room {
  static rooms: GatedJoinRoom[] = [];
  static deciding: RoomClient | undefined;
  static heard: string[] = [];
  static open: () => void = () => {};
  static #gate: Promise<void> = Promise.resolve();

  static reset(): void {
    GatedJoinRoom.rooms = [];
    GatedJoinRoom.deciding = undefined;
    GatedJoinRoom.heard = [];
    GatedJoinRoom.#gate = new Promise<void>((resolve) => {
      GatedJoinRoom.open = resolve;
    });
  }

  override onCreate(): void {
    GatedJoinRoom.rooms.push(this);
  }

  override async onJoin(client: RoomClient, options: unknown): Promise<void> {
    if ((options as { gated?: boolean } | undefined)?.gated) {
      GatedJoinRoom.deciding = client;
      await GatedJoinRoom.#gate;
    }
    GatedJoinRoom.heard.push(`join:${client.playerId}`);
  }

  override onLeave(client: RoomClient, reason: LeaveReason): void {
    GatedJoinRoom.heard.push(`leave:${client.playerId}:${reason}`);
  }
}
