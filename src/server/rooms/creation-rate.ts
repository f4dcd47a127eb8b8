import { TokenBucket } from '../../common/index.js';

/** How fast one address may create rooms (see GameServerOptions). */
export interface CreationRateLimits {
  /** Rooms one address may create at once. */
  roomCreateBurst: number;
  /** Rooms per second one address may go on creating. */
  roomCreatesPerSecond: number;
}

/**
 * Addresses whose creations are remembered at once. A bucket is only worth keeping until it has refilled
 * (20 s with the defaults), so this is far more than the addresses that create rooms within that time on
 * a busy node; about 200 bytes each, 3 MiB in all.
 */
export const MAX_TRACKED_ADDRESSES = 16_384;

/**
 * A token bucket per address for room creation. Memory is bounded: a full bucket is forgotten by `sweep`
 * (a new one would be the same), and past `maxTracked` addresses the one that created least recently is
 * forgotten to make room. That address then starts again with a full burst: only a sender with more
 * addresses than the cap gains by it, and such a sender had as much from its addresses anyway. No one
 * is refused for the cap.
 */
export class CreationRate {
  readonly #limits: CreationRateLimits;
  readonly #maxTracked: number;
  /** By address, the least recently used first (a use moves an address to the end). */
  readonly #buckets = new Map<string, TokenBucket>();

  constructor(limits: CreationRateLimits, maxTracked = MAX_TRACKED_ADDRESSES) {
    this.#limits = limits;
    this.#maxTracked = maxTracked;
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one creation for `address`: 0 when it may create, else (taking nothing) ms until it may. */
  take(address: string, now: number): number {
    let bucket = this.#buckets.get(address);
    if (bucket) this.#buckets.delete(address);
    else {
      bucket = new TokenBucket(this.#limits.roomCreateBurst, this.#limits.roomCreatesPerSecond, now);
      if (this.#buckets.size >= this.#maxTracked) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
      }
    }
    this.#buckets.set(address, bucket);
    return bucket.take(now) ? 0 : bucket.msUntilToken(now);
  }

  /** Forgets the addresses whose buckets have refilled. */
  sweep(now: number): void {
    for (const [address, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(address);
  }
}
