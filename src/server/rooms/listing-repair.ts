import type { Registry } from '../registry/registry.js';
import { RefusedRooms } from './refused-rooms.js';
import type { RoomHost } from './room-host.js';

/**
 * Keeps the registry's listing of this node's rooms true to what runs here: registry writes that failed
 * (a release, an update, a removal while the registry was unreachable) mark the listing stale, and the
 * next node heartbeat writes every room again (`reconcile`); rooms whose re-registration was refused are
 * written again alone, each after its wait (RefusedRooms).
 */
export class ListingRepair {
  readonly #registry: Registry;
  readonly #rooms: ReadonlyMap<string, RoomHost>;
  /**
   * A registry write about this node's rooms failed (a release, an update or a removal while the registry
   * was unreachable, however briefly): the listing may be wrong until `reconcile` runs.
   */
  #stale = false;
  /** Rooms disposed here whose removal from the registry failed: removed again by `reconcile`. */
  readonly #unremoved = new Set<string>();
  /** Rooms whose re-registration the registry refused, written again on their own (see RefusedRooms). */
  readonly #refused = new RefusedRooms();

  /** `rooms`: the rooms hosted here, by id. */
  constructor(registry: Registry, rooms: ReadonlyMap<string, RoomHost>) {
    this.#registry = registry;
    this.#rooms = rooms;
  }

  /** True when a registry write about this node's rooms failed since the last `reconcile`. */
  get stale(): boolean {
    return this.#stale;
  }

  /** The listing may be wrong (the registry refused a seat in a room running here with seats free). */
  markStale(): void {
    this.#stale = true;
  }

  /** A registry write failed; `removedRoom`: it was that room's removal, to be tried again. */
  failed(removedRoom?: string): void {
    this.#stale = true;
    if (removedRoom !== undefined) this.#unremoved.add(removedRoom);
  }

  /**
   * The registry has no listing of a room (an update found none): one hosted here is written again at
   * the next heartbeat. A room still being created is listed once its creation is done; a gone one not.
   */
  unlisted(roomId: string): void {
    if (this.#rooms.has(roomId)) this.#stale = true;
  }

  /** Takes a room not hosted here out of the registry; a removal that fails is tried again at reconcile. */
  unlist(roomId: string): void {
    void this.#registry.removeRoom(roomId).catch(() => this.failed(roomId));
  }

  /** The room is gone: no write of it is retried. */
  forget(roomId: string): void {
    this.#refused.forget(roomId);
  }

  /**
   * Makes the registry say what runs here: every room written again with its seats exactly its players
   * (in one atomic step per room, so no one takes a seat in between), and rooms disposed while the
   * registry was unreachable removed. After an outage other nodes may have swept this node's rooms away
   * as a dead node's, and writes made during it (a seat released, a lock, a removal) were lost. The writes
   * go several at a time (`RECONCILE_WRITES_AT_ONCE`), so that putting many rooms back takes less than a TTL.
   */
  async reconcile(): Promise<void> {
    this.#stale = false;
    try {
      await eachAtOnce([...this.#unremoved], async (roomId) => {
        await this.#registry.removeRoom(roomId);
        this.#unremoved.delete(roomId);
      });
      await eachAtOnce([...this.#rooms.values()], (host) => this.#reregister(host));
    } catch (error) {
      this.#stale = true;
      throw error;
    }
  }

  /**
   * Writes again, alone, the rooms whose re-registration was refused and whose wait is over (see
   * RefusedRooms). Called at each node heartbeat that needs no whole `reconcile`.
   */
  async retryRefused(): Promise<void> {
    if (this.#refused.size === 0) return;
    try {
      await eachAtOnce(this.#refused.due(), async (roomId) => {
        const host = this.#rooms.get(roomId);
        if (host === undefined) this.#refused.forget(roomId);
        else await this.#reregister(host);
      });
    } catch (error) {
      this.#stale = true;
      throw error;
    }
  }

  /**
   * Writes a hosted room again with its seats (and those of reservations still out, so that none taken just
   * before is wiped). Refused: its private code is another room's, one an older dataset still lists (Redis
   * back from a snapshot, holding a room that has ended since and whose code this room drew again), or one
   * made while this node was swept as dead. The code stays the room's (its players have shared it): the
   * room alone is written again until that other room is gone, not left unlisted for good, and not the
   * node's whole listing with it at every heartbeat.
   */
  async #reregister(host: RoomHost): Promise<void> {
    if (host.disposed || (await host.reregister())) this.#refused.forget(host.roomId);
    else this.#refused.refused(host.roomId);
  }
}

/**
 * Registry writes a reconcile keeps under way at once. One after another, a node's rooms took a round trip
 * each (10,000 rooms at 0.5 ms: 5 s), and the node heartbeats only once it is done: longer than its TTL,
 * and the other nodes swept it as dead while it wrote, so that it found itself forgotten again at its next
 * heartbeat and its rooms never came back. Bounded, so that a node with many rooms does not queue every
 * write at once (each past the command timeout would fail).
 */
const RECONCILE_WRITES_AT_ONCE = 64;

/**
 * Runs `write` for each item, `RECONCILE_WRITES_AT_ONCE` at a time; rejects with the first failure, once
 * the writes under way have settled, starting no more after it.
 */
async function eachAtOnce<T>(items: readonly T[], write: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await write(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(RECONCILE_WRITES_AT_ONCE, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
