import type { Clock } from '../../common/index.js';
import type { MetricsSink } from '../metrics.js';

export interface SubscriptionsDownOptions {
  /** Named in the log lines. */
  nodeId: string;
  /** For how long an outage lasted. */
  clock: Clock;
}

/** Subscriptions lost with the registry's connection, from the first loss until every one is back. */
interface Outage {
  readonly since: number;
  /** Lost and not back yet. */
  readonly lost: Set<object>;
  /** Every one lost during it (and not forgotten), for the count the line that ends it gives. */
  readonly all: Set<object>;
  /** Its warning was logged: its end is logged too. */
  said: boolean;
}

/**
 * The subscriptions of a node's channels (its channel for room calls, its topics') that it wants and does
 * not have now, as the gauge `node_subscriptions_down`: failed attempts are counted, but an operator must
 * also see that a node is deaf right now (Redis down as it started, or the connection lost since).
 *
 * Subscriptions in place that the registry loses (the connection to Redis cut) are also said in the log:
 * one warning as the first goes, one info line once the last is back, with how many and for how long.
 * All of a node's subscriptions share one connection, so they go and come back together: a line per
 * channel, or per reconnect attempt, would bury the news in a long outage.
 */
export class SubscriptionsDown {
  readonly #metrics: MetricsSink;
  readonly #nodeId: string;
  readonly #clock: Clock;
  readonly #down = new Set<object>();
  #outage: Outage | undefined;

  constructor(metrics: MetricsSink, options: SubscriptionsDownOptions) {
    this.#metrics = metrics;
    this.#nodeId = options.nodeId;
    this.#clock = options.clock;
    // Shown as 0 from the start, not missing until the first subscription.
    this.#report();
  }

  /**
   * `subscription` is wanted and not in place yet (being made, or tried again after a failure): counted,
   * not logged here (the subscription logs its own failures and slow attempts).
   */
  waiting(subscription: object): void {
    this.#set(subscription, true);
  }

  /** `subscription` was in place, and the registry lost it (its connection dropped). */
  lost(subscription: object): void {
    this.#set(subscription, true);
    if (this.#outage === undefined) {
      const outage: Outage = { since: this.#clock.now(), lost: new Set(), all: new Set(), said: false };
      this.#outage = outage;
      // Said once the registry has told every subscription of the loss, which it does in one go.
      queueMicrotask(() => this.#sayLost(outage));
    }
    this.#outage.lost.add(subscription);
    this.#outage.all.add(subscription);
  }

  /** `subscription` is in place: first, or again after it was lost. */
  inPlace(subscription: object): void {
    this.#set(subscription, false);
    this.#outage?.lost.delete(subscription);
    this.#endOutageIfOver();
  }

  /** `subscription` is no longer wanted (its topic's last subscriber left, the node closes). */
  forget(subscription: object): void {
    this.#set(subscription, false);
    this.#outage?.lost.delete(subscription);
    this.#outage?.all.delete(subscription);
    this.#endOutageIfOver();
  }

  #set(subscription: object, down: boolean): void {
    const had = this.#down.has(subscription);
    if (down === had) return;
    if (down) this.#down.add(subscription);
    else this.#down.delete(subscription);
    this.#report();
  }

  #sayLost(outage: Outage): void {
    // Back, or forgotten, before the line was due: a blip with nothing to say.
    if (this.#outage !== outage) return;
    outage.said = true;
    console.warn(
      `vehikill-net: node ${this.#nodeId}: ${subscriptions(outage.lost.size)} of the registry's channels lost ` +
        '(the connection to Redis is down): messages between nodes do not reach this node until they are back',
    );
  }

  #endOutageIfOver(): void {
    const outage = this.#outage;
    if (outage === undefined || outage.lost.size > 0) return;
    this.#outage = undefined;
    // None left that was lost (the node closing during the outage, say): nothing came back to tell of.
    if (!outage.said || outage.all.size === 0) return;
    const seconds = ((this.#clock.now() - outage.since) / 1000).toFixed(1);
    console.info(
      `vehikill-net: node ${this.#nodeId}: ${subscriptions(outage.all.size)} of the registry's channels back ` +
        `after ${seconds} s down (what was published meanwhile was missed; topics' onGap is called)`,
    );
  }

  #report(): void {
    this.#metrics.gauge?.('node_subscriptions_down', this.#down.size);
  }
}

function subscriptions(count: number): string {
  return count === 1 ? '1 subscription' : `${count} subscriptions`;
}
