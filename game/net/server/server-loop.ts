import { FixedStepLoop } from 'vehikill-net/netcode';
import { TICK_RATE } from '../../sim/index.js';
import { TICK_MS } from '../protocol/timeline.js';

export interface ServerLoopOptions {
  /** The next tick the authority will simulate (`authority.world.tick`). */
  tick(): number;
  /** Moves the timeline on without simulating (`authority.skip`), for ticks past the catch-up limit. */
  skip(ticks: number): void;
  /** Most ticks run at once after a stall (default 60, a second); the rest are skipped. */
  maxCatchUpTicks?: number;
  /** More ticks than this due at once is a stall of the server's, not a late timer (default 6, 100 ms). */
  stallTicks?: number;
  /**
   * The loop caught up at `nowMs` (local ms) after a stall of the server's that left `ticks` ticks due at
   * once (those run now and those skipped): what the stall may explain of its players' refusals.
   */
  onStall?(ticks: number, nowMs: number): void;
}

/**
 * The server's side of the tick timeline: tick k is simulated at server time k * 1000 / TICK_RATE, and
 * every player's clock and tick follow that. A stall must not move it: the ticks it left due are caught up
 * (up to a second of them) or skipped (`skip`: the world stands still for them), never dropped from the
 * count; and while they are owed, the time told to players and the tick their inputs are judged against
 * are the real ones (`serverTime`, `dueTick`), not the ones the stalled world shows.
 */
export class ServerLoop {
  readonly #loop: FixedStepLoop;
  readonly #options: ServerLoopOptions;
  readonly #stallTicks: number;

  constructor(options: ServerLoopOptions) {
    this.#options = options;
    this.#loop = new FixedStepLoop({
      tickRate: TICK_RATE,
      maxCatchUpTicks: options.maxCatchUpTicks ?? TICK_RATE,
    });
    this.#stallTicks = options.stallTicks ?? 6;
  }

  /** Starts the count at `nowMs` (local ms); the authority's current tick is simulated one tick later. */
  start(nowMs: number): void {
    this.#loop.advance(nowMs);
  }

  /** How many ticks to simulate now; ticks past the catch-up limit have been skipped already. */
  advance(nowMs: number): number {
    const droppedBefore = this.#loop.droppedTicks;
    const due = this.#loop.advance(nowMs);
    const dropped = this.#loop.droppedTicks - droppedBefore;
    // The oldest ticks go: the newest inputs, for the ticks about to run, are the ones worth using.
    if (dropped > 0) this.#options.skip(dropped);
    if (dropped > 0 || due > this.#stallTicks) this.#options.onStall?.(due + dropped, nowMs);
    return due;
  }

  /**
   * Server time (ms) on the tick timeline at local time `nowMs`, ticks owed included: the time clock
   * replies tell. After a stall they must say the time it is, not the time the stalled world shows, or
   * players' clocks would follow the stall back (by more than a second, a jump) and then run ahead.
   */
  serverTime(nowMs: number): number {
    return (this.#options.tick() + this.#loop.owed(nowMs)) * TICK_MS;
  }

  /** The tick the timeline is at: the next one to simulate plus those owed since a stall. */
  dueTick(nowMs: number): number {
    return this.#options.tick() + Math.floor(this.#loop.owed(nowMs));
  }

  /** Fraction of the way to the next tick (1 while ticks are owed): when to wake up next. */
  alpha(nowMs: number): number {
    return this.#loop.alpha(nowMs);
  }

  /** Ticks skipped so far because a stall outlasted the catch-up limit. */
  get skippedTicks(): number {
    return this.#loop.droppedTicks;
  }
}
