import { type Disposer, Emitter } from '../common/index.js';
import type { ProtocolError, RoomInfo, Scalar } from '../protocol/index.js';

/** Which rooms a lobby lists: as `Client.listRooms`. */
export interface RoomQuery {
  type?: string;
  filter?: Record<string, Scalar>;
  includeFull?: boolean;
  /** At most this many rooms, the oldest that match (the server answers at most its `maxRoomsListed`). */
  limit?: number;
}

export interface RoomWatchEvents {
  /** The listing changed: the whole new list. */
  change: readonly RoomInfo[];
  /**
   * Watching again after a new session failed, `code` saying why (RATE_LIMITED: the server's or the
   * address's limit, as the message says): `rooms` is no longer kept up to date, until the app calls
   * `watchRooms` again or a later new session watches again by itself.
   */
  error: ProtocolError;
  /** The watch ended: `stop()`, another `watchRooms`, or the client closed. */
  end: undefined;
}

/**
 * A room listing kept up to date by the server (`Client.watchRooms`): `rooms` is always the newest list,
 * and `change` fires with each new one. It lasts across dropped sockets; after a new session (the old
 * one expired, or the client moved to another node) the client watches again by itself.
 */
export class RoomWatch {
  readonly query: RoomQuery;
  readonly #events = new Emitter<RoomWatchEvents>();
  readonly #stop: (watch: RoomWatch) => Promise<void>;
  #rooms: readonly RoomInfo[];
  #ended = false;

  /** Made by `Client.watchRooms`. */
  constructor(query: RoomQuery, rooms: readonly RoomInfo[], stop: (watch: RoomWatch) => Promise<void>) {
    this.query = query;
    this.#rooms = rooms;
    this.#stop = stop;
  }

  get rooms(): readonly RoomInfo[] {
    return this.#rooms;
  }

  get ended(): boolean {
    return this.#ended;
  }

  on<E extends keyof RoomWatchEvents>(event: E, listener: (payload: RoomWatchEvents[E]) => void): Disposer {
    return this.#events.on(event, listener);
  }

  /** Stops the watch: the server sends no more lists. */
  stop(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    this.end();
    return this.#stop(this);
  }

  /** For the client: a new list for this watch. */
  receive(rooms: readonly RoomInfo[]): void {
    if (this.#ended) return;
    this.#rooms = rooms;
    this.#events.emit('change', rooms);
  }

  /** For the client: watching again failed. */
  fail(error: ProtocolError): void {
    if (!this.#ended) this.#events.emit('error', error);
  }

  /** For the client: the watch is over (replaced, stopped, or the client closed). */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#events.emit('end', undefined);
  }
}
