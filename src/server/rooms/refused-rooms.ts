/**
 * The most node heartbeats a refused room waits between two writes. With the default node TTL (6 s, a
 * heartbeat every 2 s) a room is listed again at most 16 s after what refused it is gone.
 */
export const MAX_REFUSED_WAIT_BEATS = 8;

/**
 * Rooms running here whose re-registration the registry refused: their private code is another room's (a
 * Redis back from an older snapshot still lists a room that has ended since, and whose code this room
 * drew again). Only these are written again, not the node's whole listing, and each after a wait that
 * doubles at every refusal (1, 2, 4 ... heartbeats, at most `MAX_REFUSED_WAIT_BEATS`): the other room
 * goes when its node heartbeats or is swept, which may take a while, and until then each write is refused
 * again. Counted in heartbeats, not time: the writes go with the node's heartbeats.
 */
export class RefusedRooms {
  /** By room id: heartbeats still to wait before the next write, and the wait after a refusal. */
  readonly #rooms = new Map<string, { left: number; wait: number }>();

  get size(): number {
    return this.#rooms.size;
  }

  /** The registry refused to write `roomId`: it is written again after a wait twice the last one. */
  refused(roomId: string): void {
    const wait = Math.min((this.#rooms.get(roomId)?.wait ?? 0) * 2 || 1, MAX_REFUSED_WAIT_BEATS);
    this.#rooms.set(roomId, { left: wait, wait });
  }

  /** The room was written, or is gone: nothing more to retry. */
  forget(roomId: string): void {
    this.#rooms.delete(roomId);
  }

  /** One heartbeat has passed: the rooms whose wait is over, to write again now. */
  due(): string[] {
    const due: string[] = [];
    for (const [roomId, retry] of this.#rooms) {
      retry.left--;
      if (retry.left <= 0) due.push(roomId);
    }
    return due;
  }
}
