import { backoffDelay, type Cancel, type Clock, type Disposer } from '../../common/index.js';
import type { Registry } from '../registry/registry.js';
import type { ThrottledFailures } from '../throttled-failures.js';

/**
 * Between failed attempts: full jitter up to 250 ms, doubling up to 10 s, so that a node retries soon
 * after a blip, and a cluster of nodes that all failed at once do not come back in step.
 */
export const RESUBSCRIBE_BACKOFF = { baseMs: 250, maxMs: 10_000 } as const;
/** Never sooner (full jitter can draw 0): a registry that refuses at once is not hammered. */
const MIN_RETRY_MS = 100;
/**
 * An attempt still waiting after this long is said in the log once: Redis's SUBSCRIBE waits out an outage
 * rather than fail, and until it is answered nothing reaches the channel.
 */
export const SLOW_SUBSCRIPTION_MS = 10_000;

export interface LastingSubscriptionOptions {
  subscribeChannel: NonNullable<Registry['subscribeChannel']>;
  clock: Clock;
  channel: string;
  /** What the channel carries, for the log ("this node's channel for room calls", "topic 'bans'"). */
  what: string;
  /** Where failed attempts are counted and logged, with `labels`. */
  failures: ThrottledFailures;
  labels: Readonly<Record<string, string>>;
  listener: (message: string) => void;
  /** See `Registry.subscribeChannel`. */
  onGap?: () => void;
}

/**
 * One subscription of a registry's channel that does not give up: an attempt that fails (Redis down or
 * hanging as the node starts, a refusal) is counted, logged (throttled) and made again after a backoff,
 * until one holds or `close` is called. Once in place, keeping it there is the registry's part (ioredis
 * subscribes again after a reconnect, and `onGap` tells of what was missed meanwhile).
 */
export class LastingSubscription {
  readonly #options: LastingSubscriptionOptions;
  #attempt: Promise<void> | undefined;
  #dispose: Disposer | undefined;
  /** Failed attempts since it was last in place, for the backoff and the line that says it is back. */
  #failures = 0;
  /** The log said it was still waiting: it says so when it is in place too. */
  #saidWaiting = false;
  #cancelRetry: Cancel | undefined;
  /** The attempt's "still waiting" line, due SLOW_SUBSCRIPTION_MS after it began. */
  #cancelSlow: Cancel | undefined;
  #closed = false;
  readonly #placed: Promise<void>;
  #resolvePlaced: () => void = () => {};
  #rejectPlaced: (error: unknown) => void = () => {};

  constructor(options: LastingSubscriptionOptions) {
    this.#options = options;
    this.#placed = new Promise<void>((resolve, reject) => {
      this.#resolvePlaced = resolve;
      this.#rejectPlaced = reject;
    });
    // Awaited by some owners only: a close before it is in place must not be an unhandled rejection.
    this.#placed.catch(() => {});
  }

  /** Resolves once the subscription is first in place, however many attempts that takes. */
  get placed(): Promise<void> {
    return this.#placed;
  }

  /**
   * Subscribes now, unless it is in place or an attempt is on its way (a retry waiting its backoff is made
   * at once instead); resolves once in place. Rejects with the failure of the attempt it waited for, after
   * which the next one is scheduled all the same.
   */
  start(): Promise<void> {
    if (this.#dispose !== undefined || this.#closed) return Promise.resolve();
    this.#attempt ??= this.#subscribe();
    return this.#attempt;
  }

  /** Ends the subscription for good, or the attempts; `placed` rejects with `reason` if it was not yet. */
  close(reason: unknown): void {
    this.#closed = true;
    this.#cancelRetry?.();
    // An attempt Redis holds through an outage settles only when Redis is back: its timer must not keep
    // a part of the closed node running until then.
    this.#cancelSlow?.();
    this.#cancelSlow = undefined;
    this.#dispose?.();
    this.#dispose = undefined;
    this.#rejectPlaced(reason);
  }

  async #subscribe(): Promise<void> {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    const { subscribeChannel, clock, channel, listener, onGap } = this.#options;
    const slow = clock.setTimeout(() => this.#sayWaiting(), SLOW_SUBSCRIPTION_MS);
    this.#cancelSlow = slow;
    try {
      const dispose = await subscribeChannel(channel, listener, onGap);
      if (this.#closed) {
        dispose();
        return;
      }
      this.#dispose = dispose;
      if (this.#failures > 0 || this.#saidWaiting) {
        const after = this.#failures > 0 ? `, after ${this.#failures} failed attempts` : '';
        console.warn(`vehikill-net: ${this.#options.what} is subscribed now${after}`);
      }
      this.#failures = 0;
      this.#saidWaiting = false;
      this.#resolvePlaced();
    } catch (error) {
      if (!this.#closed) this.#failed(error);
      throw error;
    } finally {
      slow();
      if (this.#cancelSlow === slow) this.#cancelSlow = undefined;
      this.#attempt = undefined;
    }
  }

  #failed(error: unknown): void {
    const { failures, clock, labels, what } = this.#options;
    this.#failures++;
    const delay = Math.max(MIN_RETRY_MS, backoffDelay(this.#failures - 1, RESUBSCRIBE_BACKOFF));
    failures.report(
      clock.now(),
      () => ({ what: `${what} could not be subscribed (tried again within 10 s)`, error }),
      labels,
    );
    this.#cancelRetry = clock.setTimeout(() => {
      this.#cancelRetry = undefined;
      this.start().catch(() => {});
    }, delay);
  }

  #sayWaiting(): void {
    if (this.#closed || this.#dispose !== undefined) return;
    this.#saidWaiting = true;
    console.warn(
      `vehikill-net: ${this.#options.what} is not subscribed yet after ${SLOW_SUBSCRIPTION_MS / 1000} s ` +
        '(is the registry reachable?): nothing published there reaches this node until it is',
    );
  }
}
