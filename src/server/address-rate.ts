import { TokenBucket } from '../common/index.js';

/** A rate one address may act at: so many at once, then so many a second. */
export interface AddressRateLimits {
  /** Actions one address may take at once. */
  burst: number;
  /** Actions per second one address may go on taking. */
  perSecond: number;
}

/**
 * Addresses remembered at once. A bucket is only worth keeping until it has refilled (20 s for room
 * creation with the defaults, 4 s for connections), so this is far more than the addresses that act
 * within that time on a busy node; about 200 bytes each, 3 MiB in all.
 */
export const MAX_TRACKED_ADDRESSES = 16_384;

/**
 * A token bucket per address (an address block, see `addressBlock`): how often one address may create
 * rooms, or open connections. Memory is bounded: a full bucket is forgotten by `sweep` (a new one would
 * be the same), and past `maxTracked` addresses the one that acted least recently is forgotten to make
 * room. That address then starts again with a full burst: only a sender with more addresses than the cap
 * gains by it, and such a sender had as much from its addresses anyway. No one is refused for the cap.
 */
export class AddressRate {
  readonly #limits: AddressRateLimits;
  readonly #maxTracked: number;
  /** By address, the least recently used first (a use moves an address to the end). */
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(limits: AddressRateLimits, maxTracked = MAX_TRACKED_ADDRESSES) {
    this.#limits = limits;
    this.#maxTracked = maxTracked;
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one action for `address`: 0 when it may act, else (taking nothing) ms until it may. */
  take(address: string, now: number): number {
    let bucket = this.#buckets.get(address);
    if (bucket) this.#buckets.delete(address);
    else {
      bucket = new TokenBucket(this.#limits.burst, this.#limits.perSecond, now);
      if (this.#buckets.size >= this.#maxTracked) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    }
    this.#buckets.set(address, bucket);
    return bucket.take(now) ? 0 : bucket.msUntilToken(now);
  }

  /**
   * Gives back the action `take` took for `address`, when what it was taken for turned out not to count
   * (a lookup that found the room). A bucket forgotten meanwhile is full again: nothing to give back.
   */
  refund(address: string, now: number): void {
    this.#buckets.get(address)?.refund(now);
  }

  /** Ms until `address` may act (0: now), taking nothing. */
  waitMs(address: string, now: number): number {
    const bucket = this.#buckets.get(address);
    return bucket === undefined || bucket.has(now) ? 0 : bucket.msUntilToken(now);
  }

  /** Forgets the addresses whose buckets have refilled. */
  sweep(now: number): void {
    for (const [address, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(address);
  }
}
