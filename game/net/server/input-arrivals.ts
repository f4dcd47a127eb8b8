/**
 * How early each of a player's inputs first reached the server, in ticks of the server's timeline. A client
 * sends each tick's input ahead of the server by half its round trip plus the margin its rate controller
 * keeps: 1-2 ticks at the least over each second, so on a jittery link or a busy machine its inputs arrive
 * far earlier most of the time. The frame it drew when it fired lies that much further back than its
 * round trip explains, and an honest shot reaches back that much further. Measured here, never taken from
 * the player; sending inputs early on purpose to reach further delays the sender's own controls as long.
 */
export class InputArrivals {
  /** The timeline tick each input not yet taken first arrived at, by its tick. */
  readonly #arrivedAt = new Map<number, number>();
  readonly #maxLeadTicks: number;
  #takenTo = Number.NEGATIVE_INFINITY;

  /** `maxLeadTicks`: inputs further ahead than this are refused by the input buffer, and not kept here. */
  constructor(maxLeadTicks: number) {
    this.#maxLeadTicks = maxLeadTicks;
  }

  /**
   * Notes a packet's inputs for ticks `firstTick` .. `firstTick + count - 1`, received with the server's
   * timeline at `dueTick`. Copies of an input (packets repeat the ones not acked yet) keep its first arrival.
   */
  note(firstTick: number, count: number, dueTick: number): void {
    // An input for a tick the timeline has reached came late: not early at all, and not kept.
    const from = Math.max(firstTick, dueTick, this.#takenTo + 1);
    const to = Math.min(firstTick + count - 1, dueTick + this.#maxLeadTicks);
    for (let tick = from; tick <= to; tick++) {
      if (!this.#arrivedAt.has(tick)) this.#arrivedAt.set(tick, dueTick);
    }
  }

  /**
   * How many ticks early the input for `tick` first arrived (0 if it came late or never); forgets it and
   * every tick before it (ticks a stalled server skipped are never taken).
   */
  take(tick: number): number {
    const arrivedAt = this.#arrivedAt.get(tick);
    for (const noted of this.#arrivedAt.keys()) if (noted <= tick) this.#arrivedAt.delete(noted);
    this.#takenTo = Math.max(this.#takenTo, tick);
    return arrivedAt === undefined ? 0 : Math.max(0, tick - arrivedAt);
  }
}
