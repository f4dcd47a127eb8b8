import type { Client, RoomInfo, RoomWatch } from 'vehikill-net/client';
import { ROOM_TYPE } from '../../protocol/index.js';

/**
 * The lobby's live list of public matches (`client.watchRooms`), without the page: `refresh()` lists them
 * now and follows them (again: a new watch replaces the old), `stop()` stops following while the player
 * is in a match. Every list goes to `render`. Answers can come after the lobby has moved on (a newer
 * refresh, or a stop): only the newest is followed.
 */
export class LobbyWatch {
  readonly #client: () => Client | undefined;
  readonly #limit: number;
  readonly #render: (rooms: readonly RoomInfo[]) => void;
  #watch: RoomWatch | undefined;
  /** Counts watches asked for and stops: an answer that comes after a newer one of either is dropped. */
  #watches = 0;
  /** `#watches` as the newest `stop()` left it. */
  #stoppedAt = 0;

  constructor(client: () => Client | undefined, limit: number, render: (rooms: readonly RoomInfo[]) => void) {
    this.#client = client;
    this.#limit = limit;
    this.#render = render;
  }

  /**
   * Lists the public matches now and follows them live; false when there is no open client to ask.
   * Rejects with the client's error when the server refuses.
   */
  async refresh(): Promise<boolean> {
    const client = this.#client();
    if (client?.state !== 'open') return false;
    const asked = ++this.#watches;
    const watch = await client.watchRooms({ type: ROOM_TYPE, limit: this.#limit }, (rooms) =>
      this.#render(rooms),
    );
    if (asked !== this.#watches) {
      // The lobby was left (a match began) while the answer was on its way, and not shown again since:
      // no watching during the match.
      if (this.#stoppedAt === this.#watches) {
        void watch.stop().catch(() => {});
        return true;
      }
      // A newer refresh is on its way. Stopping this watch would end that one on the server (an unwatch
      // names no watch): the list would stand still while looking live. Its answer ends this one by itself
      // (one watch per client); until then, and should it be refused, this one is the list.
      if (watch.ended) return true;
    }
    this.#watch = watch;
    this.#render(watch.rooms);
    return true;
  }

  /** The lobby is hidden (in a match): the server need not keep sending it the listing. */
  stop(): void {
    this.#stoppedAt = ++this.#watches;
    const watch = this.#watch;
    this.#watch = undefined;
    void watch?.stop().catch(() => {});
  }
}
