import type { Cancel, Clock } from '../../common/index.js';

/**
 * The player's room requests whose handler has not answered yet, each holding its place (one of
 * MAX_ROOM_REQUESTS_WAITING) until it answers or its deadline comes, whichever is first. A handler that
 * never settles would otherwise hold its place for the session's life, after the client had long given
 * up: 64 of them locked the player out of requests.
 */
export class RequestSlots {
  readonly #clock: Clock;
  /** By request id: what ends the wait for its deadline. */
  readonly #taken = new Map<number, Cancel>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get size(): number {
    return this.#taken.size;
  }

  has(q: number): boolean {
    return this.#taken.has(q);
  }

  /**
   * Takes the place of request `q` for at most `deadlineMs`; `onDeadline` runs if it is still taken then
   * (and the place is free from then on). Returns what frees it as the handler answers: true if the place
   * was still this request's, false if its deadline came first (the answer is too late to send).
   */
  take(q: number, deadlineMs: number, onDeadline: () => void): () => boolean {
    const cancel = this.#clock.setTimeout(() => {
      if (this.#taken.get(q) !== cancel) return;
      this.#taken.delete(q);
      onDeadline();
    }, deadlineMs);
    this.#taken.set(q, cancel);
    return () => {
      if (this.#taken.get(q) !== cancel) return false;
      this.#taken.delete(q);
      cancel();
      return true;
    };
  }

  /**
   * The session ended, or was taken over by a new client: no deadline is left running, and no answer will
   * be sent (each handler's `free` finds its place gone).
   */
  clear(): void {
    for (const cancel of this.#taken.values()) cancel();
    this.#taken.clear();
  }
}
