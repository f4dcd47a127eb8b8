import { AddressRate, GUESS_NETWORKS, type RateRefusal } from '../address-rate.js';
import { ProvenBlocks } from './proven-blocks.js';

/** Wrong tokens one address may send at once: room for an operator's typos. */
const GUESS_BURST = 10;
/** Then one every 6 s: 14,400 a day, against the thousands a second a loop of requests could try. */
const GUESSES_PER_SECOND = 1 / 6;

/**
 * What checking a presented token came to: it matched, it did not (counted), or a wait (unchecked): how
 * long, and whether the address's own wrong tokens or its /48's or /32's are spent.
 */
export type TokenVerdict = 'right' | 'wrong' | RateRefusal;

/**
 * Bounds how fast one address (an address block, see `addressBlock`) may guess the admin or metrics
 * token: comparing in constant time hides nothing if a guesser may try without end, and operators pick
 * tokens from words. Only wrong tokens count: a right one spends nothing, so signing in does not. An
 * address past its wrong tokens is refused before its token is compared: letting a right one in would
 * tell it from a wrong one, which is all a guesser needs. An IPv6 address's /48 and /32 are bounded too
 * (`GUESS_NETWORKS`: 4 and 16 times one address): a rented /48 is 65,536 /64s, each a block of its own.
 * A block that presented a right token within the last day is bounded on its own only (ProvenBlocks): a
 * scraper or an operator is then not held back by a guesser that shares its /48. Memory is bounded as
 * AddressRate's is.
 */
export class TokenGuesses {
  readonly #wrong = new AddressRate({
    burst: GUESS_BURST,
    perSecond: GUESSES_PER_SECOND,
    networks: GUESS_NETWORKS,
  });

  /** Blocks that presented a right token lately: bounded on their own, not with their networks. */
  readonly #proven = new ProvenBlocks();

  /** Checks a token `source` presents with `matches`, unless it has guessed wrong too often of late. */
  check(source: string, now: number, matches: () => boolean): TokenVerdict {
    const scope = { networks: !this.#proven.has(source, now) };
    const refusal = this.#wrong.refusal(source, now, scope);
    if (refusal) return refusal;
    if (matches()) {
      this.#proven.note(source, now);
      return 'right';
    }
    this.#wrong.take(source, now, scope);
    return 'wrong';
  }

  /** Forgets the addresses whose count has run down, and the blocks no longer proven. */
  sweep(now: number): void {
    this.#wrong.sweep(now);
    this.#proven.sweep(now);
  }
}
