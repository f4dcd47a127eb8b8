/** Most kicks a match remembers (the oldest go first): each needs a join, which the server paces. */
const MAX_KEPT = 256;

/**
 * Who the room kicked during the current match, by identity (the authenticator's user id) and by address
 * block (`addressBlock`: an IPv6 address's /64). Let back in at once, a kicked player would play on in the
 * match it was put out of with a fresh scoreboard line (no deaths), and the next kick is one violation
 * spree away. A guest's page gets a new identity with every load, so the address counts too: others
 * behind the same NAT (a household) wait for the next match as well; those already playing stay.
 * `clear()` when the next match starts, where every line starts afresh anyway.
 */
export class MatchBans {
  readonly #users = new Set<string>();
  readonly #addresses = new Set<string>();

  add(userId: string, address: string): void {
    remember(this.#users, userId);
    remember(this.#addresses, address);
  }

  /** Why a player of `userId` from `address` may not join this match (undefined: they may). */
  refusal(userId: string, address: string): string | undefined {
    if (this.#users.has(userId)) {
      return 'you were kicked from this match: join it again once the next match starts, or play in another room';
    }
    if (this.#addresses.has(address)) {
      return (
        'a player from your address was kicked from this match: players from it may join once the next ' +
        'match starts; play in another room meanwhile'
      );
    }
    return undefined;
  }

  clear(): void {
    this.#users.clear();
    this.#addresses.clear();
  }
}

function remember(set: Set<string>, value: string): void {
  set.delete(value);
  set.add(value);
  if (set.size > MAX_KEPT) set.delete(set.values().next().value as string);
}
