import type { MetricsSink } from '../metrics.js';

/**
 * The subscriptions of a node's channels (its channel for room calls, its topics') that it wants and does
 * not have now, as the gauge `node_subscriptions_down`: failed attempts are counted, but an operator must
 * also see that a node is deaf right now (Redis down as it started, or the connection lost since).
 */
export class SubscriptionsDown {
  readonly #metrics: MetricsSink;
  readonly #down = new Set<object>();

  constructor(metrics: MetricsSink) {
    this.#metrics = metrics;
    // Shown as 0 from the start, not missing until the first subscription.
    this.#report();
  }

  /** `subscription` is wanted, and is in place (`down` false) or not. */
  set(subscription: object, down: boolean): void {
    const had = this.#down.has(subscription);
    if (down === had) return;
    if (down) this.#down.add(subscription);
    else this.#down.delete(subscription);
    this.#report();
  }

  /** `subscription` is no longer wanted (its topic's last subscriber left, the node closes). */
  forget(subscription: object): void {
    this.set(subscription, false);
  }

  #report(): void {
    this.#metrics.gauge?.('node_subscriptions_down', this.#down.size);
  }
}
