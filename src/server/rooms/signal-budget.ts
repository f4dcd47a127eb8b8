import { StallCreditedBucket } from '../connection/stall-credited-bucket.js';
import { ByPair } from './by-pair.js';

/** How much signaling one member may push at another (see GameServerOptions). */
export interface SignalLimits {
  /** Signals one member may send another in a burst. */
  signalBurst: number;
  /** Signals per second one member may sustain towards another. */
  signalsPerSecond: number;
  /** Bytes of signals (as relayed) one member may send another in a burst. */
  signalBytesBurst: number;
  /** Bytes of signals per second one member may sustain towards another. */
  signalBytesPerSecond: number;
}

/**
 * The signaling budget of one member towards one other member: a count and a byte token bucket.
 * Signals are relayed as reliable messages into the target's queue, and the connection's own rate limit
 * lets a member send 240 of up to 16 KiB each at once: through the relay alone, that filled a target's
 * 1 MiB send queue and cut its socket off. Per pair rather than per sender: a player joining a full
 * mesh signals every other member at once (an offer or answer and a handful of candidates per
 * connection, data and voice), several hundred signals in all, which a budget shared by all targets
 * would refuse; what must be bounded is what one member can push at one target.
 */
export class SignalBudget {
  readonly #count: StallCreditedBucket;
  readonly #bytes: StallCreditedBucket;

  /** `stalledMs`: the server's loop stalls so far (`LoopStalls.stalledMs(now)`). */
  constructor(limits: SignalLimits, now: number, stalledMs: number) {
    this.#count = new StallCreditedBucket(limits.signalBurst, limits.signalsPerSecond, now, stalledMs);
    this.#bytes = new StallCreditedBucket(
      limits.signalBytesBurst,
      limits.signalBytesPerSecond,
      now,
      stalledMs,
    );
  }

  /**
   * Takes one signal of `bytes` from the budget; false when over it (the signal must not go). One
   * refused for its bytes still spends its count token: a flood of large signals earns nothing back.
   * `stalledMs`: the server's loop stalls so far, which the budget does not hold against the sender (see
   * `StallCreditedBucket`).
   */
  admit(now: number, bytes: number, stalledMs: number): boolean {
    return this.#count.take(now, stalledMs) && this.#bytes.take(now, stalledMs, bytes);
  }
}

/**
 * The budgets of a room's members, by sender then target; a member's are kept after they leave until they
 * have refilled, so that a leave and rejoin does not start them afresh (see ByPair).
 */
export class SignalBudgets extends ByPair<SignalBudget> {
  readonly #limits: SignalLimits;

  constructor(limits: SignalLimits) {
    const countRefillMs = (1_000 * limits.signalBurst) / limits.signalsPerSecond;
    const bytesRefillMs = (1_000 * limits.signalBytesBurst) / limits.signalBytesPerSecond;
    super(Math.max(countRefillMs, bytesRefillMs));
    this.#limits = limits;
  }

  /** See `SignalBudget.admit`. */
  admit(from: string, to: string, now: number, bytes: number, stalledMs: number): boolean {
    const budget = this.get(from, to, () => new SignalBudget(this.#limits, now, stalledMs));
    return budget.admit(now, bytes, stalledMs);
  }
}
