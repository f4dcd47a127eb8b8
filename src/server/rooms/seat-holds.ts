import type { Cancel, Clock } from '../../common/index.js';
import type { HostedClient } from './hosted-client.js';

/**
 * How long a room holds its away members' seats, where it chose its own window (`Room.setReconnectionMs`,
 * `Room.holdSeat`) over the server's grace period. A window shorter than the grace period lets the player
 * go from the room when it runs out (`letGo`), while their session lives on for the rest of its grace
 * period; a longer one holds the session too (`Session.holdAwayFor`), whose expiry then takes the player
 * out of the room as it always does.
 */
export class SeatHolds {
  readonly #clock: Clock;
  readonly #graceMs: number;
  readonly #letGo: (client: HostedClient) => void;
  /** The timers of the windows shorter than the grace period, by member. */
  readonly #timers = new Map<HostedClient, Cancel>();
  /** Members whose session is held past its grace period for this room. */
  readonly #extended = new Set<HostedClient>();

  constructor(clock: Clock, graceMs: number, letGo: (client: HostedClient) => void) {
    this.#clock = clock;
    this.#graceMs = graceMs;
    this.#letGo = letGo;
  }

  /**
   * Holds the seat of `client`, away, `ms` from their drop (`undefined`: the server's grace period), in
   * place of any hold set before for this absence. A window already over lets them go at once, though
   * from a timer: never from within the room's own call.
   */
  hold(client: HostedClient, ms: number | undefined): void {
    const since = client.session.awaySince;
    if (since === undefined) return;
    this.#cancelTimer(client);
    if (ms !== undefined && ms > this.#graceMs) {
      this.#extended.add(client);
      client.session.holdAwayFor(ms);
      return;
    }
    if (ms === undefined || ms === this.#graceMs) {
      this.#endExtension(client);
      return;
    }
    // A session held longer for this room until now stays held until the room lets the player go: its
    // leave gives the session its grace period back (`release`), and the room's code is what they hear.
    const leftMs = Math.max(0, since + ms - this.#clock.now());
    const cancel = this.#clock.setTimeout(() => {
      this.#timers.delete(client);
      // Back since (a resume releases the hold first), the timer is only late news.
      if (client.away) this.#letGo(client);
    }, leftMs);
    this.#timers.set(client, cancel);
  }

  /**
   * `client` is back, or out of the room: nothing is held for them here any more, and a session held past
   * its grace period for this room has its grace period back (counted from the drop).
   */
  release(client: HostedClient): void {
    this.#cancelTimer(client);
    this.#endExtension(client);
  }

  #cancelTimer(client: HostedClient): void {
    this.#timers.get(client)?.();
    this.#timers.delete(client);
  }

  #endExtension(client: HostedClient): void {
    if (this.#extended.delete(client)) client.session.holdAwayFor(undefined);
  }
}
