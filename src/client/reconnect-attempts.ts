import type { Clock } from '../common/index.js';
import { backoffDelay } from './backoff.js';
import type { ClientOptions } from './client-options.js';
import type { EntryPoints } from './entry-points.js';

type AttemptOptions = Pick<
  ClientOptions,
  'maxReconnectAttempts' | 'failoverAfterAttempts' | 'backoff' | 'random'
>;

/** What to do after a failed attempt: give up, move to another entry point, or try again after a wait. */
export type NextAttempt =
  | { readonly kind: 'give-up'; readonly attempts: number }
  | { readonly kind: 'fail-over'; readonly url: string; readonly message: string }
  | { readonly kind: 'retry'; readonly delayMs: number };

/**
 * Counts the attempts to connect, and says what comes after each one that failed: a retry after a backoff,
 * a move to the next entry point once the server now has not answered `failoverAfterAttempts` times, or
 * giving up after `maxReconnectAttempts` in a row.
 */
export class ReconnectAttempts {
  readonly #options: AttemptOptions;
  readonly #entries: EntryPoints;
  readonly #clock: Clock;
  readonly #random: () => number;
  /** Attempts at the server now (restarting at a move to another): what failover and backoff go by. */
  #attempts = 0;
  /**
   * Attempts since the last welcome, across failovers: what `maxReconnectAttempts` counts. Counted per
   * server, a client with fallbacks moved between dead entry points for ever and never gave up.
   */
  #inARow = 0;

  constructor(options: AttemptOptions, entries: EntryPoints, clock: Clock) {
    this.#options = options;
    this.#entries = entries;
    this.#clock = clock;
    this.#random = options.random ?? Math.random;
  }

  /** Connecting anew (`start`): no attempt made yet. */
  restart(): void {
    this.#attempts = 0;
    this.#inARow = 0;
  }

  /** Moved to another server: its attempts count from none (those in a row go on). */
  moved(): void {
    this.#attempts = 0;
  }

  /**
   * The server answered a resume that it no longer holds the session: it is up, so the fresh session is
   * asked of it at once, its backoff and failover counted from none again (those in a row go on, as
   * only a welcome ends them). Counted on, a refused resume after an outage waited out the outage's grown
   * backoff, or failed over to another node, as if this one had not answered.
   */
  answered(): void {
    this.#attempts = 0;
  }

  /** A welcome came: the attempts at this server it took, counted from none again. */
  welcomed(): number {
    const attempts = this.#attempts;
    this.#attempts = 0;
    this.#inARow = 0;
    return attempts;
  }

  /** An attempt failed: what comes next (a retry or a fail-over counts as one more attempt in a row). */
  next(): NextAttempt {
    // Before failing over: the next entry point would be one more attempt past the limit.
    const limit = this.#options.maxReconnectAttempts ?? Number.POSITIVE_INFINITY;
    if (this.#inARow >= limit) return { kind: 'give-up', attempts: this.#inARow };
    this.#inARow++;
    if (this.#attempts >= (this.#options.failoverAfterAttempts ?? 5)) {
      const now = this.#clock.now();
      this.#entries.unreachable(this.#entries.current, now);
      const url = this.#entries.next(now);
      if (url !== undefined) {
        const message = `no answer from ${this.#entries.current} after ${this.#attempts} attempts`;
        return { kind: 'fail-over', url, message };
      }
    }
    const delayMs = backoffDelay(this.#attempts, this.#options.backoff, this.#random);
    this.#attempts++;
    return { kind: 'retry', delayMs };
  }
}
