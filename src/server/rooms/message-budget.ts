import { StallCreditedBucket } from '../connection/stall-credited-bucket.js';
import type { RoomClock } from './room-clock.js';

/** What a MessageBudget reads of a room's clock: the time, and the server's stalls so far. */
export type BudgetClock = Pick<RoomClock, 'now' | 'stalledMs'>;

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
  readonly #clock: BudgetClock | undefined;
  #sweptAt = Number.NEGATIVE_INFINITY;
  /**
   * What a member's budget is made as of when it has none (forgotten at a sweep, or never made): a time
   * and the server's stalls (`stalledMs`) so far at it, before any stall whose backlog may be read now.
   * NaN until known: a budget made with no clock, before its first message.
   */
  #baseAt = Number.NaN;
  #baseStalledMs = Number.NaN;
  /** When the last message was admitted, and the server's stalls so far then (NaN: none yet). */
  #seenAt = Number.NaN;
  #seenStalledMs = Number.NaN;

  /**
   * `clock`: the room's (`this.clock`, from `onCreate` on), for `admitNow`; a member first heard right
   * after a stall of the server is then credited for it even when it is the budget's first message.
   */
  constructor(limits: MessageBudgetLimits, clock?: BudgetClock) {
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
    this.#clock = clock;
    if (clock !== undefined) {
      this.#seenAt = this.#baseAt = clock.now();
      this.#seenStalledMs = this.#baseStalledMs = clock.stalledMs();
    }
  }

  /**
   * `admit` at the clock's time with its stalls (`admit(playerId, clock.now(), bytes, clock.stalledMs())`),
   * for a budget made with the room's clock. Throws a TypeError on one made without: a room's own bug.
   */
  admitNow(playerId: string, bytes = 0): BudgetVerdict {
    const clock = this.#clock;
    if (clock === undefined) {
      throw new TypeError(
        "MessageBudget.admitNow: this budget was made without a clock: make it with the room's " +
          '(new MessageBudget(limits, this.clock), in onCreate), or call admit(playerId, now, bytes, stalledMs)',
      );
    }
    return this.admit(playerId, clock.now(), bytes, clock.stalledMs());
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
    this.#sweep(now, stalledMs, playerId);
    // A stall since the last message: what the base was before this one is what a budget made for it is
    // made as of (see #sweep), for the rest of the backlog read now too.
    this.#seenAt = now;
    this.#seenStalledMs = stalledMs;
    let budget = this.#members.get(playerId);
    if (!budget) {
      // Made full as of the base: credited for the stalls since, as the budget kept would have been. Made
      // as of now, a member who says a line a second (its budget full, forgotten at each sweep) had the
      // lines it sent through a stall judged as a burst all the same; so had a member first heard right
      // after one. With no base (no clock, the first message of all): as of now.
      const known = !Number.isNaN(this.#baseAt);
      const since = known ? this.#baseAt : now;
      const stalledSince = known ? this.#baseStalledMs : stalledMs;
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
   *
   * Moves the base a budget is made as of to now, a time every forgotten budget was full at; but when the
   * server stalled since the last message (this one is the first read after it), to that last message:
   * the backlog read now may be any member's, and a budget made as of now would take it for a burst.
   */
  #sweep(now: number, stalledMs: number, sender: string): void {
    if (now - this.#sweptAt < this.#keepMs) return;
    this.#sweptAt = now;
    const stalledSinceSeen = !Number.isNaN(this.#seenAt) && stalledMs !== this.#seenStalledMs;
    this.#baseAt = stalledSinceSeen ? this.#seenAt : now;
    this.#baseStalledMs = stalledSinceSeen ? this.#seenStalledMs : stalledMs;
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
