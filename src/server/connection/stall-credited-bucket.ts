import { TokenBucket } from '../../common/index.js';

/**
 * The longest stall credited at once (ms): what a player flooding through a stall gets on top of its
 * burst is at most this long's rate. A stall past it is an outage: the players' heartbeats time out
 * (15 s by default) and their sessions are resumed or expire.
 */
const MAX_CREDIT_MS = 10_000;

/**
 * A player's budget of messages (a TokenBucket) that its server's own stalls do not spend (its message
 * rate, its fault budget, what a room lets it signal, relay or say): what the player
 * sent while the server's loop stood still (see `LoopStalls`) waited in its socket and is read all at once
 * after, a burst it never made. Judged as read, an honest player sending 100 a second under a limit of
 * 240 at once and 120 a second was over it after a stall of 2.4 s.
 *
 * So when it next takes a token after a stall, the bucket may refill past its capacity by the stall's
 * worth of its rate (`TokenBucket.overfill`): never more than it refilled since the player's last message,
 * so a player flooding through the stall gets its sustained rate over the stall and no more, and one that
 * sent nothing gets its burst plus the stall's rate, as if it had sent that while the server stood still.
 */
export class StallCreditedBucket {
  readonly #bucket: TokenBucket;
  /** The server's `LoopStalls.stalledMs` as of this bucket's last take: what it was credited for. */
  #stalledSeen = 0;

  /** `stalledMs`: the server's stalls so far (`LoopStalls.stalledMs(now)`), none of them this bucket's. */
  constructor(capacity: number, refillPerSecond: number, now: number, stalledMs: number) {
    this.#bucket = new TokenBucket(capacity, refillPerSecond, now);
    this.#stalledSeen = stalledMs;
  }

  /**
   * Takes `cost` tokens for what was read at `now`, the server's stalls so far being `stalledMs`; false
   * (taking nothing) when they are not there: it is over the rate. Two comparisons when there was no
   * stall since the last.
   */
  take(now: number, stalledMs: number, cost = 1): boolean {
    if (stalledMs !== this.#stalledSeen) {
      this.#bucket.overfill(now, Math.min(MAX_CREDIT_MS, stalledMs - this.#stalledSeen));
      this.#stalledSeen = stalledMs;
    }
    return this.#bucket.take(now, cost);
  }

  /**
   * True when the bucket holds nothing a new one would not: refilled to its capacity, and no stall since
   * its last take (a new one would not be credited for it: see the constructor).
   */
  full(now: number, stalledMs: number): boolean {
    return stalledMs === this.#stalledSeen && this.#bucket.full(now);
  }
}
