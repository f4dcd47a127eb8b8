import { TokenBucket } from '../common/index.js';
import { addressNetwork } from './remote-address.js';

/** A rate one address may act at: so many at once, then so many a second. */
export interface AddressRateLimits {
  /** Actions one address may take at once. */
  burst: number;
  /** Actions per second one address may go on taking. */
  perSecond: number;
  /**
   * The IPv6 networks around an address that are bounded too, all of their /64s together (see
   * `NetworkLimit`). None by default: each block is bounded on its own, however many one sender holds.
   */
  networks?: readonly NetworkLimit[];
}

/**
 * A bound on all the blocks of one IPv6 network together: `times` the allowance of one block (burst and
 * rate alike) for each network of `prefixLength` bits. A holder of a /48 has 65,536 /64s, so without it
 * 65,536 times one block's allowance; with `{ prefixLength: 48, times: 4 }`, four times. The price: a
 * network is shared (a site's /64s, the customers of one provider), and once its allowance is spent every
 * block in it waits until it refills, so a sender can hold back its neighbours in the network, never
 * anyone outside it. A wider network is given more than the narrower ones within it (as `GUESS_NETWORKS`
 * does), so that one of them alone cannot spend it.
 */
export interface NetworkLimit {
  /** The network's leading bits: 1 to 63 (a block is a /64). */
  prefixLength: number;
  /** Its allowance, in blocks' allowances: 1 or more. */
  times: number;
}

/**
 * The networks a bound on guessing a secret counts beside the address: its /48 (a site's, or a rented
 * server's: 65,536 /64s) four times one address's allowance, and its /32 (a provider's: 65,536 /48s)
 * sixteen times. One /48 alone never spends its /32's allowance: another /48 is held back only while
 * four or more /48s of its /32 spend theirs. IPv4 is unchanged: an IPv4 address is a block on its own.
 */
export const GUESS_NETWORKS: readonly NetworkLimit[] = [
  { prefixLength: 48, times: 4 },
  { prefixLength: 32, times: 16 },
];

/** Whether a check counts the address's networks (see `AddressRateLimits.networks`); by default it does. */
export interface NetworkScope {
  networks?: boolean;
}

/**
 * Why an action must wait: how long, and whose allowance is spent, the address's own or one of its
 * networks' (`network` as `addressNetwork` spells it: `2001:db8:aa::/48`). Of several spent, the one with
 * the longest wait, which is the wait told; the address first on a tie.
 */
export interface RateRefusal {
  waitMs: number;
  spent: 'address' | { network: string; prefixLength: number };
}

/**
 * Whom a refusal's message names as sending too much: "your address", or "your address's /48
 * (2001:db8:aa::/48, all its /64s together)" when a network's allowance is spent. Saying only "your
 * address" then told a player who had sent next to nothing that they had.
 */
export function refusedSender(refusal: RateRefusal): string {
  const { spent } = refusal;
  if (spent === 'address') return 'your address';
  return `your address's /${spent.prefixLength} (${spent.network}, all its /64s together)`;
}

/**
 * Addresses remembered at once. A bucket is only worth keeping until it has refilled (20 s for room
 * creation with the defaults, 4 s for connections), so this is far more than the addresses that act
 * within that time on a busy node; about 200 bytes each, 3 MiB in all. Each of `networks` keeps as
 * many networks again, at most.
 */
export const MAX_TRACKED_ADDRESSES = 16_384;

/**
 * A token bucket per address (an address block, see `addressBlock`): how often one address may create
 * rooms, or open connections. Memory is bounded: a full bucket is forgotten by `sweep` (a new one would
 * be the same), and past `maxTracked` addresses the one that acted least recently is forgotten to make
 * room. That address then starts again with a full burst: only a sender with more addresses than the cap
 * gains by it, and such a sender had as much from its addresses anyway. No one is refused for the cap.
 * With `networks`, an IPv6 block acts only when its networks may too (each its own bucket per network,
 * bounded the same way), and a refusal, by any of them, takes from none.
 */
export class AddressRate {
  readonly #limits: AddressRateLimits;
  readonly #maxTracked: number;
  /** By address, the least recently used first (a use moves an address to the end). */
  readonly #buckets = new Map<string, TokenBucket>();
  /** A rate per network of `limits.networks`, keyed by the network (see `addressNetwork`). */
  readonly #networks: { prefixLength: number; rate: AddressRate }[];

  constructor(limits: AddressRateLimits, maxTracked = MAX_TRACKED_ADDRESSES) {
    this.#limits = limits;
    this.#maxTracked = maxTracked;
    this.#networks = (limits.networks ?? []).map(({ prefixLength, times }) => {
      if (!Number.isInteger(prefixLength) || prefixLength < 1 || prefixLength > 63)
        throw new TypeError(
          `a network's prefixLength must be a whole number from 1 to 63, not ${prefixLength}`,
        );
      if (!(times >= 1)) throw new TypeError(`a network's times must be 1 or more, not ${times}`);
      const networkLimits = { burst: limits.burst * times, perSecond: limits.perSecond * times };
      return { prefixLength, rate: new AddressRate(networkLimits, maxTracked) };
    });
  }

  /** Buckets held now: addresses, and the networks of `networks`. */
  get size(): number {
    return this.#networks.reduce((size, { rate }) => size + rate.size, this.#buckets.size);
  }

  /**
   * Takes one action for `address`: 0 when it and its networks may act, else (taking nothing) ms until
   * they may. `networks: false` counts the address alone (one the caller knows is no guesser).
   */
  take(address: string, now: number, scope: NetworkScope = {}): number {
    return this.attempt(address, now, scope)?.waitMs ?? 0;
  }

  /** As `take`, saying whose allowance refused it (see `RateRefusal`); undefined when it was taken. */
  attempt(
    address: string,
    now: number,
    { networks: counted = true }: NetworkScope = {},
  ): RateRefusal | undefined {
    const networks = counted ? this.#networksOf(address) : [];
    const networkRefusal = this.#networkRefusal(networks, now);
    if (networkRefusal) return longest(this.#ownRefusal(address, now), networkRefusal);
    const wait = this.#takeOwn(address, now);
    if (wait > 0) return { waitMs: wait, spent: 'address' };
    for (const { rate, network } of networks) rate.take(network, now);
    return undefined;
  }

  /**
   * Gives back the action `take` took for `address`, when what it was taken for turned out not to count
   * (a lookup that found the room), to its networks too unless `networks: false` (as the take had). A
   * bucket forgotten meanwhile is full again: nothing to give back.
   */
  refund(address: string, now: number, { networks: counted = true }: NetworkScope = {}): void {
    this.#buckets.get(address)?.refund(now);
    if (counted) for (const { rate, network } of this.#networksOf(address)) rate.refund(network, now);
  }

  /** Ms until `address` and its networks (unless `networks: false`) may act (0: now), taking nothing. */
  waitMs(address: string, now: number, scope: NetworkScope = {}): number {
    return this.refusal(address, now, scope)?.waitMs ?? 0;
  }

  /** As `waitMs`, saying whose allowance holds it back (see `RateRefusal`); undefined when none does. */
  refusal(
    address: string,
    now: number,
    { networks: counted = true }: NetworkScope = {},
  ): RateRefusal | undefined {
    const networks = counted ? this.#networksOf(address) : [];
    return longest(this.#ownRefusal(address, now), this.#networkRefusal(networks, now));
  }

  /** Forgets the addresses, and networks, whose buckets have refilled. */
  sweep(now: number): void {
    for (const [address, bucket] of this.#buckets) if (bucket.full(now)) this.#buckets.delete(address);
    for (const { rate } of this.#networks) rate.sweep(now);
  }

  #takeOwn(address: string, now: number): number {
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

  #ownRefusal(address: string, now: number): RateRefusal | undefined {
    const bucket = this.#buckets.get(address);
    if (bucket === undefined || bucket.has(now)) return undefined;
    return { waitMs: bucket.msUntilToken(now), spent: 'address' };
  }

  /** The refusal of the network of `networks` that must wait longest, if any must. */
  #networkRefusal(networks: readonly NetworkOf[], now: number): RateRefusal | undefined {
    let found: RateRefusal | undefined;
    for (const { rate, network, prefixLength } of networks) {
      const waitMs = rate.waitMs(network, now);
      if (waitMs > 0) found = longest(found, { waitMs, spent: { network, prefixLength } });
    }
    return found;
  }

  /** The rates of `address`'s networks, each with the network it counts: none for IPv4. */
  #networksOf(address: string): NetworkOf[] {
    const found: NetworkOf[] = [];
    for (const { prefixLength, rate } of this.#networks) {
      const network = addressNetwork(address, prefixLength);
      if (network !== undefined) found.push({ rate, network, prefixLength });
    }
    return found;
  }
}

/** One network an address lies in, and the rate that counts it. */
interface NetworkOf {
  rate: AddressRate;
  network: string;
  prefixLength: number;
}

/** The refusal with the longer wait; the first on a tie (the narrower scope, as callers pass them). */
function longest(a: RateRefusal | undefined, b: RateRefusal | undefined): RateRefusal | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return b.waitMs > a.waitMs ? b : a;
}
