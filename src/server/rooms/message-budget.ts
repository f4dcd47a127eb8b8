import { StallCreditedBucket } from '../connection/stall-credited-bucket.js';

/** How much of one kind of room message each member may send (see MessageBudget). */
export interface MessageBudgetLimits {
  /** Messages one member may send at once. */
  burst: number;
  /** Messages per second one member may go on sending after the burst. */
  perSecond: number;
  /**
   * Bytes (as the room counts them: a chat line's UTF-8, say) one member may send at once; no budget of
   * bytes without it. A message larger than this never passes: keep it at least the largest message the
   * type's schema lets through.
   */
  bytesBurst?: number;
  /** Bytes per second one member may go on sending; given with `bytesBurst`. */
  bytesPerSecond?: number;
  /** A member over the budget is told at most this often (ms; default 1,000): see `admit`. */
  tellEveryMs?: number;
}

/**
 * What `admit` says of one message: 'pass' within the budget; over it the message must not go on, and
 * 'tell' says to tell its sender so (at most once per `tellEveryMs`), 'drop' not to.
 */
export type BudgetVerdict = 'pass' | 'tell' | 'drop';

interface MemberBudget {
  readonly count: StallCreditedBucket;
  readonly bytes: StallCreditedBucket | undefined;
  /** When the member was last told of a refusal (-Infinity: never). */
  toldAt: number;
}

/**
 * A room's budget for one kind of its members' messages, per member: a count and, optionally, a byte
 * token bucket, such as a chat room needs. The connection's own rate lets a member send 120 messages a
 * second, and whatever a room broadcasts for each goes reliably into every other member's queue: one
 * member's chat lines of a kilobyte at 108 a second, each broadcast, starved a member on a 64 KB/s link of
 * its snapshots until it was kicked. Over the budget the room passes nothing on and tells the sender.
 *
 * Kept by player id, not by seat: a leave and rejoin does not refill it. A member's buckets are forgotten
 * once they have refilled (then they hold nothing a new one would not), swept at most once per refill time
 * as messages come, so memory follows the members who sent lately, with no timer and no `onLeave` to call.
 */
export class MessageBudget {
  readonly #limits: Required<Omit<MessageBudgetLimits, 'bytesBurst' | 'bytesPerSecond'>> &
    Pick<MessageBudgetLimits, 'bytesBurst' | 'bytesPerSecond'>;
  readonly #members = new Map<string, MemberBudget>();
  /** How long a member's buckets take to refill from empty, and the sender to be told again. */
  readonly #keepMs: number;
  #sweptAt = Number.NEGATIVE_INFINITY;
  /** The server's stalls so far (`stalledMs`) as of the last sweep. */
  #sweptStalledMs = 0;

  constructor(limits: MessageBudgetLimits) {
    const { burst, perSecond, bytesBurst, bytesPerSecond, tellEveryMs = 1_000 } = limits;
    const positive = (name: string, value: number | undefined) => {
      if (!(typeof value === 'number' && value > 0 && Number.isFinite(value)))
        throw new RangeError(`MessageBudget: ${name} must be a finite number above 0, got ${String(value)}`);
    };
    positive('burst', burst);
    positive('perSecond', perSecond);
    if (bytesBurst !== undefined || bytesPerSecond !== undefined) {
      positive('bytesBurst', bytesBurst);
      positive('bytesPerSecond', bytesPerSecond);
    }
    if (!(tellEveryMs >= 0))
      throw new RangeError(`MessageBudget: tellEveryMs must be ≥ 0, got ${tellEveryMs}`);
    this.#limits = { burst, perSecond, bytesBurst, bytesPerSecond, tellEveryMs };
    const bytesRefillMs =
      bytesBurst !== undefined && bytesPerSecond !== undefined ? (1_000 * bytesBurst) / bytesPerSecond : 0;
    this.#keepMs = Math.max((1_000 * burst) / perSecond, bytesRefillMs, tellEveryMs);
  }

  /**
   * Takes one message of `bytes` from `playerId`'s budget at `now` (ms). A message refused for its bytes
   * still spends its count: a flood of large messages earns nothing back. `stalledMs`: how long the
   * server's loop has stood still so far (the room's `clock.stalledMs()`): what the member sent meanwhile
   * is read all at once after, and the budget takes it as sent, at the stall's worth of its rate on top
   * of the burst (never more than it refilled since the member's last message, at most 10 s of it).
   */
  admit(playerId: string, now: number, bytes = 0, stalledMs = 0): BudgetVerdict {
    // A NaN would make the member's byte bucket NaN for good, and NaN passes every later check: refused
    // loudly, as the room's own bug it is, rather than silently lifting that member's budget.
    if (!(bytes >= 0 && Number.isFinite(bytes)))
      throw new RangeError(`MessageBudget.admit: bytes must be a finite number ≥ 0, got ${String(bytes)}`);
    // A budget made now is made full as of the last sweep before this message, which forgot the member's
    // budget (full then) or found it had none: credited for the stalls since, as the budget kept would have
    // been. Made as of now, a member who says a line a second (its budget full, forgotten at each sweep)
    // had the lines it sent through a stall judged as a burst all the same. Before any sweep: as of now.
    const swept = Number.isFinite(this.#sweptAt);
    const since = swept ? this.#sweptAt : now;
    const stalledSince = swept ? this.#sweptStalledMs : stalledMs;
    this.#sweep(now, stalledMs, playerId);
    let budget = this.#members.get(playerId);
    if (!budget) {
      const { burst, perSecond, bytesBurst, bytesPerSecond } = this.#limits;
      budget = {
        count: new StallCreditedBucket(burst, perSecond, since, stalledSince),
        bytes:
          bytesBurst !== undefined && bytesPerSecond !== undefined
            ? new StallCreditedBucket(bytesBurst, bytesPerSecond, since, stalledSince)
            : undefined,
        toldAt: Number.NEGATIVE_INFINITY,
      };
      this.#members.set(playerId, budget);
    }
    if (
      budget.count.take(now, stalledMs) &&
      (budget.bytes === undefined || budget.bytes.take(now, stalledMs, bytes))
    )
      return 'pass';
    if (now - budget.toldAt < this.#limits.tellEveryMs) return 'drop';
    budget.toldAt = now;
    return 'tell';
  }

  /** Members with a budget kept now (for tests and diagnostics). */
  get size(): number {
    return this.#members.size;
  }

  /**
   * Forgets the budgets that have refilled and whose members may be told again, at most once per `keepMs`,
   * but the sender's (`sender`). Not one that has a stall to be credited for: see `StallCreditedBucket.full`.
   */
  #sweep(now: number, stalledMs: number, sender: string): void {
    if (now - this.#sweptAt < this.#keepMs) return;
    this.#sweptAt = now;
    this.#sweptStalledMs = stalledMs;
    for (const [playerId, budget] of this.#members) {
      if (
        // Kept for the message being admitted: made again, it would be made as of the sweep before.
        playerId !== sender &&
        budget.count.full(now, stalledMs) &&
        (budget.bytes === undefined || budget.bytes.full(now, stalledMs)) &&
        now - budget.toldAt >= this.#limits.tellEveryMs
      ) {
        this.#members.delete(playerId);
      }
    }
  }
}
