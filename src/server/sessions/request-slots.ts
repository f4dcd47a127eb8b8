import type { Cancel, Clock } from '../../common/index.js';
import { MAX_ROOM_REQUESTS_WAITING } from '../../protocol/index.js';

/**
 * The shortest deadline the server gives a room request's handler, whatever wait (`w`) the request states:
 * a place freed at a client's 1 ms deadline would let it start 64 more handlers every millisecond. A second
 * is longer than an honest handler takes, so what such a client asks runs within its places, not past them.
 */
export const MIN_REQUEST_DEADLINE_MS = 1_000;

/**
 * Handlers of a player's room requests of one type that may still run past their deadlines (answered
 * REQUEST_TIMEOUT, their places freed) before the player's next request of that type is refused
 * REQUESTS_OVERDUE: freed places alone bounded only the handlers within their deadlines, and a client
 * could start handlers without end, each outliving the wait it stated. Per type, so that a handler that
 * hangs holds the player off its own type only, whose requests would only time out.
 */
export const MAX_ROOM_REQUESTS_OVERDUE_OF_A_TYPE = 16;

/**
 * Those of every type, likewise (REQUESTS_OVERDUE for a request of any type). More than one type's can
 * reach (15 + 64 taken within their places while the 16th was not yet overdue), so that handlers of one
 * type that hang never hold the player's other requests off.
 */
export const MAX_ROOM_REQUESTS_OVERDUE = 2 * MAX_ROOM_REQUESTS_WAITING;

/**
 * How long past its deadline a handler counts among the overdue: one still running then is taken for hung
 * (it may never settle) and counts no more, so that handlers that hang hold the player off for a minute,
 * never for the session's life.
 */
export const OVERDUE_WRITE_OFF_MS = 60_000;

/** One request whose handler runs, and the timer of the stage it is in (deadline, then write-off). */
interface Running {
  readonly type: string;
  /** Told if the handler still runs OVERDUE_WRITE_OFF_MS past its deadline (see `take`). */
  readonly onWrittenOff: (() => void) | undefined;
  stage: 'waiting' | 'overdue' | 'over';
  cancelTimer: Cancel;
}

/**
 * The player's room requests whose handler has not answered yet. Each holds its place (one of
 * MAX_ROOM_REQUESTS_WAITING) until it answers or its deadline comes, whichever is first: a handler that
 * never settles would otherwise hold its place for the session's life, after the client had long given up
 * (64 of them locked the player out of requests). Past its deadline it is overdue, counted for the
 * connection to bound (MAX_ROOM_REQUESTS_OVERDUE...), until it settles or is written off.
 */
export class RequestSlots {
  readonly #clock: Clock;
  /** By request id: those within their deadlines. */
  readonly #taken = new Map<number, Running>();
  /** Those past their deadlines, still running and not written off. */
  readonly #overdue = new Set<Running>();
  /** How many of those are of each type (types with none are not kept). */
  readonly #overdueByType = new Map<string, number>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Requests within their deadlines. */
  get size(): number {
    return this.#taken.size;
  }

  /** Handlers still running past their deadlines (and not written off). */
  get overdue(): number {
    return this.#overdue.size;
  }

  /** Those of requests of `type`. */
  overdueOf(type: string): number {
    return this.#overdueByType.get(type) ?? 0;
  }

  has(q: number): boolean {
    return this.#taken.has(q);
  }

  /**
   * Takes the place of request `q` of `type` for at most `deadlineMs`; `onDeadline` runs if it is still
   * taken then (and the place is free from then on, the handler overdue), and `onWrittenOff` if the handler
   * still runs OVERDUE_WRITE_OFF_MS later. Returns what frees it as the handler answers: true if the place
   * was still this request's, false if its deadline came first (the answer is too late to send).
   */
  take(
    q: number,
    type: string,
    deadlineMs: number,
    onDeadline: () => void,
    onWrittenOff?: () => void,
  ): () => boolean {
    const running: Running = { type, onWrittenOff, stage: 'waiting', cancelTimer: () => {} };
    running.cancelTimer = this.#clock.setTimeout(() => {
      this.#taken.delete(q);
      this.#makeOverdue(running);
      onDeadline();
    }, deadlineMs);
    this.#taken.set(q, running);
    return () => {
      const { stage } = running;
      this.#end(running);
      if (stage !== 'waiting') return false;
      this.#taken.delete(q);
      return true;
    };
  }

  /**
   * A new client took the session over: the old one's requests are answered to no one, and their ids are
   * free for the new one, but their handlers still run: they count as overdue, so a client cannot start
   * more by taking its own session over.
   */
  abandon(): void {
    for (const running of this.#taken.values()) {
      running.cancelTimer();
      this.#makeOverdue(running);
    }
    this.#taken.clear();
  }

  /** The session ended: no timer is left running, and no answer will be sent (each `free` finds it over). */
  clear(): void {
    for (const running of [...this.#taken.values(), ...this.#overdue]) this.#end(running);
    this.#taken.clear();
  }

  #makeOverdue(running: Running): void {
    running.stage = 'overdue';
    this.#overdue.add(running);
    this.#overdueByType.set(running.type, this.overdueOf(running.type) + 1);
    running.cancelTimer = this.#clock.setTimeout(() => {
      this.#end(running);
      running.onWrittenOff?.();
    }, OVERDUE_WRITE_OFF_MS);
  }

  #end(running: Running): void {
    if (running.stage === 'overdue') {
      const left = this.overdueOf(running.type) - 1;
      if (left > 0) this.#overdueByType.set(running.type, left);
      else this.#overdueByType.delete(running.type);
    }
    running.stage = 'over';
    running.cancelTimer();
    this.#overdue.delete(running);
  }
}
