/** Blocks remembered at once: the places the operators and their scrapers work from, not more. */
const MAX_PROVEN_BLOCKS = 64;
/** How long a right token vouches for its block: a day, past the night a scraper or a dashboard idles. */
const PROVEN_FOR_MS = 24 * 60 * 60 * 1000;

/**
 * The address blocks (see `addressBlock`) that presented a right admin or metrics token lately: their
 * guesses are bounded per block only, not by the /48 and /32 the block shares with others (see
 * TokenGuesses), so a scraper or an operator that has signed in before is not held back by someone else
 * guessing from its network. Only a right token puts a block here, so a guesser never gains by it, and
 * no answer tells whether a block is here. Bounded: the least recently proven is forgotten first.
 */
export class ProvenBlocks {
  /** When each block last presented a right token, the least recent first. */
  readonly #provenAt = new Map<string, number>();

  /** Notes that `block` presented a right token at `now`. */
  note(block: string, now: number): void {
    this.#provenAt.delete(block);
    if (this.#provenAt.size >= MAX_PROVEN_BLOCKS) {
      const oldest = this.#provenAt.keys().next().value;
      if (oldest !== undefined) this.#provenAt.delete(oldest);
    }
    this.#provenAt.set(block, now);
  }

  /** Whether `block` presented a right token within the last day. */
  has(block: string, now: number): boolean {
    const at = this.#provenAt.get(block);
    return at !== undefined && now - at < PROVEN_FOR_MS;
  }

  /** Forgets the blocks whose day has passed. */
  sweep(now: number): void {
    for (const [block, at] of this.#provenAt) if (now - at >= PROVEN_FOR_MS) this.#provenAt.delete(block);
  }
}
