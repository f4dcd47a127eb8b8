/** A car a bot could go after, as its brain sees it. */
export interface Quarry {
  readonly x: number;
  readonly y: number;
  /**
   * Its player has left the controls (parked, a hidden tab, a dropped connection): a kill there is a
   * free one, which the bot leaves alone. Unknown (undefined) counts as playing.
   */
  readonly idle?: boolean;
}

/**
 * The car a bot hunts and shoots at: the nearest one whose player is playing. Parked cars are no quarry,
 * however near: bots that farmed them piled free kills on players who had stepped away, and topped the
 * scoreboard without a fight. Undefined when no one is playing (the bot wanders).
 */
export function pickTarget<Q extends Quarry>(
  own: { readonly x: number; readonly y: number },
  others: readonly Q[],
): { readonly target: Q; readonly distance: number } | undefined {
  let target: Q | undefined;
  let best = Number.POSITIVE_INFINITY;
  for (const other of others) {
    if (other.idle === true) continue;
    const squared = (other.x - own.x) ** 2 + (other.y - own.y) ** 2;
    if (squared < best) {
      best = squared;
      target = other;
    }
  }
  return target === undefined ? undefined : { target, distance: Math.sqrt(best) };
}
