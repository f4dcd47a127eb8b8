/** The span over which a peer's refused messages are summed (ms), in slices of FLOOD_SLICE_MS. */
export const FLOOD_WINDOW_MS = 2_000;
const FLOOD_SLICE_MS = 250;
const SLICES = FLOOD_WINDOW_MS / FLOOD_SLICE_MS;

/**
 * A peer floods when the messages refused from it on the direct path within FLOOD_WINDOW_MS reach this
 * many times what its rate admits in that time (1,920 at the default 240 a second): five times its rate
 * for two seconds, or that many at once. A mesh's own `dispatch` resends go 64 at a time, paced by acks,
 * and samples go at a game's tick rate, so only a broken or hostile sender comes near it.
 */
export const FLOOD_FACTOR = 4;

/**
 * Counts one peer's refused messages in a sliding window of 250 ms slices, and says when they amount to a
 * flood. Refusing a flood message by message still costs the receiver an event, a lookup and a check for
 * every one (tens of thousands a second from one peer); the owner stops taking that peer's direct path
 * instead, so the server's own limits stand between them.
 */
export class FloodWatch {
  readonly #threshold: number;
  readonly #slices = new Float64Array(SLICES);
  #sum = 0;
  /** The slice `#slices[#at]` counts: the number of FLOOD_SLICE_MS since the clock's zero. */
  #slice = Number.NEGATIVE_INFINITY;
  #at = 0;

  /** `messagesPerSecond`: what the peer's rate admits. */
  constructor(messagesPerSecond: number) {
    this.#threshold = FLOOD_FACTOR * messagesPerSecond * (FLOOD_WINDOW_MS / 1_000);
  }

  /** Counts one refused message at `now` (ms); true when the window's refusals make a flood. */
  refused(now: number): boolean {
    this.#advance(Math.floor(now / FLOOD_SLICE_MS));
    this.#slices[this.#at] = (this.#slices[this.#at] as number) + 1;
    this.#sum++;
    return this.#sum >= this.#threshold;
  }

  /** Starts counting afresh (after the owner acted on a flood). */
  reset(): void {
    this.#slices.fill(0);
    this.#sum = 0;
  }

  /** Moves the window on to `slice`, emptying the slices it leaves behind. */
  #advance(slice: number): void {
    if (slice <= this.#slice) return;
    const steps = slice - this.#slice;
    if (steps >= SLICES) {
      this.reset();
      this.#at = 0;
    } else {
      for (let step = 0; step < steps; step++) {
        this.#at = (this.#at + 1) % SLICES;
        this.#sum -= this.#slices[this.#at] as number;
        this.#slices[this.#at] = 0;
      }
    }
    this.#slice = slice;
  }
}
