import { backoffDelay, type Cancel, type Clock, type Disposer } from '../../common/index.js';
import type { Registry } from '../registry/registry.js';
import type { ThrottledFailures } from '../throttled-failures.js';
import type { SubscriptionsDown } from './subscriptions-down.js';

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
  /** Where the node's subscriptions not in place now are kept, for its gauge. */
  down?: SubscriptionsDown;
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
  readonly #placed: Deferred;
  /**
   * Until the subscription is in place now: `#placed` until it first is; after it, one for each time the
   * registry says it is down (the connection lost), resolved as it says it is back (its gap).
   */
  #inPlace: Deferred;
  #up = false;
  #closeReason: unknown;

  constructor(options: LastingSubscriptionOptions) {
    this.#options = options;
    this.#placed = deferred();
    this.#inPlace = this.#placed;
    // Wanted from now on, and not had yet.
    options.down?.waiting(this);
  }

  /** Resolves once the subscription is first in place, however many attempts that takes. */
  get placed(): Promise<void> {
    return this.#placed.promise;
  }

  /**
   * Resolves once the subscription is in place now: at once while it is, else when it (first, or again
   * after the registry lost it) is. Rejects when closed before then.
   */
  get inPlace(): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closeReason);
    return this.#inPlace.promise;
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
    this.#closeReason = reason;
    this.#placed.reject(reason);
    this.#inPlace.reject(reason);
    this.#options.down?.forget(this);
  }

  async #subscribe(): Promise<void> {
    this.#cancelRetry?.();
    this.#cancelRetry = undefined;
    const { subscribeChannel, clock, channel, listener, onGap } = this.#options;
    const slow = clock.setTimeout(() => this.#sayWaiting(), SLOW_SUBSCRIPTION_MS);
    this.#cancelSlow = slow;
    try {
      // Told of gaps and losses always (the owner's onGap too): they say whether it is in place now.
      const dispose = await subscribeChannel(
        channel,
        listener,
        () => this.#back(onGap),
        () => this.#lost(),
      );
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
      this.#setInPlace();
    } catch (error) {
      if (!this.#closed) this.#failed(error);
      throw error;
    } finally {
      slow();
      if (this.#cancelSlow === slow) this.#cancelSlow = undefined;
      this.#attempt = undefined;
    }
  }

  /** The registry lost the subscription (the connection to Redis): down until its gap says it is back. */
  #lost(): void {
    if (this.#closed || !this.#up) return;
    this.#inPlace = deferred();
    this.#up = false;
    this.#options.down?.lost(this);
  }

  /** Back after it was down: in place now, then the owner is told of the gap. */
  #back(onGap: (() => void) | undefined): void {
    if (this.#closed) return;
    this.#setInPlace();
    onGap?.();
  }

  #setInPlace(): void {
    this.#up = true;
    this.#options.down?.inPlace(this);
    this.#inPlace.resolve();
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

interface Deferred {
  readonly promise: Promise<void>;
  resolve(): void;
  reject(reason: unknown): void;
}

/** A promise settled from outside; awaited by some owners only, so a rejection is never unhandled. */
function deferred(): Deferred {
  let resolve: () => void = () => {};
  let reject: (reason: unknown) => void = () => {};
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
