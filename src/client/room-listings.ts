import { ErrorCode, Kind, ProtocolError, type RoomInfo, readRooms } from '../protocol/index.js';
import type { ConnectionState } from './client-events.js';
import { type RoomQuery, RoomWatch } from './room-watch.js';
import type { ServerRequests } from './server-requests.js';

/**
 * The client's room listings: one listing asked for, and the live listing it follows, if any (one at a
 * time, as the server keeps one), which it watches again on each new session.
 */
export class RoomListings {
  readonly #requests: ServerRequests;
  readonly #state: () => ConnectionState;
  /** Tells the app (the client's `error` event) of rooms left out of a listing it cannot read. */
  readonly #reportError: (error: ProtocolError) => void;
  /** The live room listing this client follows, if any (one at a time, as the server keeps one). */
  #watch: RoomWatch | undefined;

  constructor(
    requests: ServerRequests,
    state: () => ConnectionState,
    reportError: (error: ProtocolError) => void,
  ) {
    this.#requests = requests;
    this.#state = state;
    this.#reportError = reportError;
  }

  async list(query: RoomQuery): Promise<RoomInfo[]> {
    return this.#readListing(await this.#requests.send(Kind.ListRooms, { ...query }));
  }

  /** As `Client.watchRooms`: the new watch ends the one before. */
  async watch(query: RoomQuery, onChange?: (rooms: readonly RoomInfo[]) => void): Promise<RoomWatch> {
    // Lists for the new query may come before its answer (which is at least as new): none reach the old watch.
    const previous = this.#watch;
    this.#watch = undefined;
    previous?.end();
    const rooms = await this.#watchRequest(query);
    const watch = new RoomWatch(query, rooms, (stopped) => this.#unwatch(stopped));
    if (onChange) watch.on('change', onChange);
    // Closed since the answer came (in the same task: a Node socket reads a chunk's frames in one go),
    // the close ended every watch but this one: kept, it was watched again by the next session.
    if (this.#state() === 'closed') {
      watch.end();
      return watch;
    }
    // Another watchRooms answered first (TypeScript cannot know the await let it run).
    (this.#watch as RoomWatch | undefined)?.end();
    this.#watch = watch;
    return watch;
  }

  async #watchRequest(query: RoomQuery): Promise<RoomInfo[]> {
    return this.#readListing(await this.#requests.send(Kind.WatchRooms, { ...query }));
  }

  /**
   * The rooms of a listing from the server (an answer or a RoomList). Each entry is read on its own: one
   * this client cannot read is left out, told as an `error` event, so one bad room never takes the whole
   * lobby with it. A listing that is no list at all is an INVALID_MESSAGE error.
   */
  #readListing(result: unknown): RoomInfo[] {
    const read = readRooms((result as { rooms?: unknown } | null | undefined)?.rooms);
    if (read === undefined) {
      throw new ProtocolError(
        ErrorCode.INVALID_MESSAGE,
        'the server answered a listing without a list of rooms',
      );
    }
    if (read.skipped > 0) {
      this.#reportError(
        new ProtocolError(
          ErrorCode.INVALID_MESSAGE,
          `left out ${read.skipped} room${read.skipped === 1 ? '' : 's'} of a listing that this client cannot read (${read.problem})`,
        ),
      );
    }
    return read.rooms;
  }

  async #unwatch(watch: RoomWatch): Promise<void> {
    if (this.#watch !== watch) return;
    this.#watch = undefined;
    const state = this.#state();
    if (state === 'open' || state === 'reconnecting') await this.#requests.send(Kind.UnwatchRooms, {});
  }

  /** A RoomList from the server: the watch's new list. */
  receiveList(body: unknown): void {
    if (this.#watch) this.#watch.receive(this.#readListing(body));
  }

  /** The client closed for good: the watch ends with it. */
  endWatch(): void {
    const watch = this.#watch;
    this.#watch = undefined;
    watch?.end();
  }

  /** A new session: the watch, if any, is asked for again (`#rewatch`). */
  rewatch(): void {
    if (this.#watch !== undefined) void this.#rewatch(this.#watch);
  }

  /**
   * A new session (the old one expired, or this client moved node) has no watch: ask for it again. If
   * that fails (the server refuses it, say RATE_LIMITED), the watch says so, with the code: its list is
   * not kept up to date until the app watches again (or the next new session succeeds).
   */
  async #rewatch(watch: RoomWatch): Promise<void> {
    try {
      const rooms = await this.#watchRequest(watch.query);
      if (this.#watch === watch) watch.receive(rooms);
    } catch (error) {
      if (this.#watch !== watch) return;
      const code = error instanceof ProtocolError ? error.code : ErrorCode.INTERNAL_ERROR;
      const why = error instanceof Error ? error.message : String(error);
      watch.fail(
        new ProtocolError(
          code,
          `the rooms could not be watched again on a new session, so this list is no longer kept up to date (call watchRooms to follow it again): ${why}`,
          { cause: error },
        ),
      );
    }
  }
}
