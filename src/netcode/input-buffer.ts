import { nonNegative, positiveInteger, tickNumber } from './checks.js';
import type { InputPacket } from './input-packet.js';

/** Tuning of an {@link InputBuffer}. */
export interface InputBufferOptions {
  /** Inputs more than this many ticks ahead of the server's current tick are refused (default 30). */
  maxLeadTicks?: number;
  /**
   * New inputs a client may send beyond one per server tick (default 8): room for a burst after a late
   * packet, and for a client that briefly runs fast to rebuild its margin. More is a client running faster
   * than the server, which is refused as `rate`.
   */
  rateAllowance?: number;
  /** The reported margin is the minimum over this many consumed ticks (default 60, 1 s at 60 Hz). */
  marginWindowTicks?: number;
  /**
   * Ticks of unused input credit kept (default 60, a second at 60 Hz): a client whose packets were held up
   * (its network, or this server's own stall) delivers a second of honest inputs at once.
   */
  burstTicks?: number;
  /**
   * Ticks in a row a missing input is repeated for (default 15, a quarter second at 60 Hz): enough to
   * bridge a burst of lost packets, which is what repetition is for. Past it `take` returns undefined
   * (the caller's idle input) until an input comes again: a client that went quiet (a hidden tab, a
   * frozen page) does not keep driving with whatever it last held.
   */
  maxRepeatTicks?: number;
}

/** Why inputs were refused, each counted. */
export interface InputRejections {
  /**
   * Arrived after its tick was consumed (the server repeated the previous input instead); before the
   * first `take`, arrived after the server's timeline had passed its tick and was not taken.
   */
  stale: number;
  /** More than `maxLeadTicks` ahead of the server. */
  future: number;
  /** More new inputs than ticks elapsed plus the allowance. */
  rate: number;
}

/** Ticks whose late arrival is still told apart from a duplicate. */
const MISSED_MEMORY_TICKS = 256;

/**
 * Ticks of the server's timeline a client's packets may all stay older than the newest tick received
 * before the margin counts from theirs: the client moved its tick back. A packet that newer ones
 * overtook on the way is older too, but the newer ones keep coming meanwhile.
 */
const MOVED_BACK_AFTER_TICKS = 8;

/**
 * Ticks of the server's timeline after a run of missed ticks during which arriving inputs still count as
 * late by that run: the packets a stalled client sends when it resumes come in one burst, which the
 * server's loop may cut with a tick or two.
 */
const LATE_RUN_KEPT_TICKS = 4;

/**
 * The server's buffer of one client's inputs. Packets repeat inputs, so each tick's input is stored once;
 * the simulation `take`s one per tick. A missing input repeats the last known one for at most
 * `maxRepeatTicks` ticks in a row (every tick taken without its input is counted as `missed`).
 * `margin` tells the client how early its inputs arrive, so its TickRateController can steer it to 1-2
 * ticks; `lastConsumedTick` is the ack the server sends back.
 */
export class InputBuffer<I> {
  readonly #maxLeadTicks: number;
  readonly #rateAllowance: number;
  readonly #burstTicks: number;
  readonly #marginWindow: number;
  readonly #maxRepeatTicks: number;
  readonly #pending = new Map<number, I>();
  /** Consumed ticks that had no input: a copy arriving later was late (stale), not a duplicate. */
  readonly #missedTicks = new Set<number>();
  /**
   * Before the first `take`: pending ticks the server's timeline had passed when they arrived. Nothing
   * was consumed yet to judge them by; the first take finds which it did not reach, and those were late.
   */
  readonly #passedOnArrival = new Set<number>();
  readonly #margins: number[] = [];
  #lastConsumed: number | undefined;
  /** The newest tick whose credit was earned (consumed, or passed on the server's timeline). */
  #creditedTo: number | undefined;
  #lastInput: I | undefined;
  /** The newest tick the client's inputs reached: what the margin counts from. */
  #newestReceived: number | undefined;
  /** The server's timeline tick when a packet last reached `#newestReceived`. */
  #newestReceivedAt = 0;
  #credit = 0;
  #missed = 0;
  /** Ticks missed since the last one that had its input. */
  #missedInARow = 0;
  /** The newest run of ticks missed in a row after an input had arrived: its last tick and length. */
  #lateRunEnd = -1;
  #lateRunTicks = 0;
  /** Pending inputs that came right after such a run, with its length. */
  readonly #lateBy = new Map<number, number>();
  #takenLateTicks = 0;
  #duplicates = 0;
  readonly #rejected: InputRejections = { stale: 0, future: 0, rate: 0 };

  constructor(options: InputBufferOptions = {}) {
    this.#maxLeadTicks = positiveInteger('maxLeadTicks', options.maxLeadTicks ?? 30);
    this.#rateAllowance = nonNegative('rateAllowance', options.rateAllowance ?? 8);
    this.#burstTicks = nonNegative('burstTicks', options.burstTicks ?? 60);
    this.#marginWindow = positiveInteger('marginWindowTicks', options.marginWindowTicks ?? 60);
    this.#maxRepeatTicks = nonNegative('maxRepeatTicks', options.maxRepeatTicks ?? 15);
    // The first packet may carry a whole redundant window of new inputs.
    this.#credit = this.#rateAllowance + this.#maxLeadTicks;
  }

  /**
   * Stores the packet's inputs not seen before. `serverTick` is the tick the server's timeline is at: the
   * next tick it will simulate, or later when it owes ticks after a stall (their credit is earned at once,
   * so the inputs players sent meanwhile are not refused as too many). Returns how many were stored. A
   * packet whose ticks are not non-negative safe integers (`decodeInputPacket` never makes one) throws a
   * RangeError and changes nothing: a NaN or fractional tick would be stored under a tick no `take`
   * asks for, spend the client's credit, and a fractional one be repeated for the tick after it.
   */
  receive(packet: InputPacket<I>, serverTick: number): number {
    tickNumber('serverTick', serverTick);
    tickNumber('packet.firstTick', packet.firstTick);
    tickNumber('packet tick', packet.firstTick + Math.max(0, packet.inputs.length - 1));
    if (this.#creditedTo !== undefined) this.#earn(serverTick - 1);
    let stored = 0;
    const lateTicks =
      this.#lastConsumed !== undefined && this.#lastConsumed - this.#lateRunEnd <= LATE_RUN_KEPT_TICKS
        ? this.#lateRunTicks
        : 0;
    // The packet's newest input not refused for its rate: late, repeated and too early ones count too (a
    // late one tells how late, and the client speeds up; one refused as too far ahead tells how far, and it
    // slows down; after the client moved its tick back, all of its inputs are repeats).
    let newest = -1;
    // A loop, not `forEach`: the closure put `stored` and `packet` in a context made per packet.
    const inputs = packet.inputs;
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index] as I;
      const tick = packet.firstTick + index;
      if (this.#lastConsumed !== undefined && tick <= this.#lastConsumed) {
        if (this.#missedTicks.delete(tick)) this.#rejected.stale++;
        else this.#duplicates++;
        newest = tick;
      } else if (this.#pending.has(tick)) {
        this.#duplicates++;
        newest = tick;
      } else if (tick > serverTick + this.#maxLeadTicks) {
        this.#rejected.future++;
        newest = tick;
      } else if (this.#credit < 1) {
        this.#rejected.rate++;
      } else {
        this.#credit--;
        this.#pending.set(tick, input);
        if (this.#lastConsumed === undefined && tick < serverTick) this.#passedOnArrival.add(tick);
        if (lateTicks > 0) this.#lateBy.set(tick, lateTicks);
        newest = tick;
        stored++;
      }
    }
    if (newest >= 0) this.#reached(newest, serverTick);
    return stored;
  }

  /**
   * A packet's newest input (not refused) was for `tick`, the server's timeline at `serverTick`. One
   * older than the newest received was overtaken on the way by newer ones, which keep coming; or the
   * client moved its tick back, and its packets stay older. After MOVED_BACK_AFTER_TICKS ticks of that
   * the margin counts from them: counted from a tick the client no longer sends for, it would tell the
   * client it is further ahead than it is, even while its inputs arrive late.
   */
  #reached(tick: number, serverTick: number): void {
    const newest = this.#newestReceived;
    if (
      newest !== undefined &&
      tick < newest &&
      serverTick - this.#newestReceivedAt <= MOVED_BACK_AFTER_TICKS
    ) {
      return;
    }
    this.#newestReceived = tick;
    this.#newestReceivedAt = serverTick;
  }

  /**
   * The input to simulate `tick` with (ticks increase; skipped ones are dropped). When it never arrived
   * the last known input is repeated; undefined before any input arrived, and once `maxRepeatTicks`
   * ticks in a row were missed (the caller simulates its idle input then). Each is counted as `missed`.
   */
  take(tick: number): I | undefined {
    tickNumber('tick', tick);
    if (this.#lastConsumed !== undefined && tick <= this.#lastConsumed) {
      throw new RangeError(`tick ${tick} taken after tick ${this.#lastConsumed}`);
    }
    this.#earn(tick);
    if (this.#lastConsumed === undefined) this.#firstTake(tick);
    // The map is in arrival order, not tick order: the newest skipped tick's input is the one to repeat.
    let newestSkipped = -1;
    for (const [pendingTick, input] of this.#pending) {
      if (pendingTick >= tick) continue;
      if (pendingTick > newestSkipped) {
        newestSkipped = pendingTick;
        this.#lastInput = input;
      }
      this.#pending.delete(pendingTick);
      this.#lateBy.delete(pendingTick);
      // Never simulated (the server skipped its tick): the credit it took is given back, or a client would
      // be short of credit for good after its inputs for a long stall of the server's.
      this.#credit = Math.min(this.#creditCap, this.#credit + 1);
    }
    const input = this.#pending.get(tick);
    this.#takenLateTicks = this.#lateBy.get(tick) ?? 0;
    this.#lateBy.delete(tick);
    if (input === undefined) {
      this.#missed++;
      this.#missedInARow++;
      // A stream not begun yet is not late: only a gap after an input counts.
      if (this.#lastInput !== undefined) {
        this.#lateRunEnd = tick;
        this.#lateRunTicks = this.#missedInARow;
      }
      this.#missedTicks.add(tick);
      for (const old of this.#missedTicks) {
        if (old > tick - MISSED_MEMORY_TICKS) break;
        this.#missedTicks.delete(old);
      }
    } else {
      this.#pending.delete(tick);
      this.#lastInput = input;
      this.#missedInARow = 0;
    }
    this.#lastConsumed = tick;
    if (this.#newestReceived !== undefined) {
      this.#margins.push(this.#newestReceived - tick);
      if (this.#margins.length > this.#marginWindow) this.#margins.shift();
    }
    return this.#missedInARow > this.#maxRepeatTicks ? undefined : this.#lastInput;
  }

  /**
   * The first take, at `tick`: the inputs for earlier ticks that came after the timeline had passed them
   * are late, as they would be after any take (counted stale, dropped, never repeated: a client whose
   * clock is far behind would otherwise drive with an input from long ago). Those that came in time for
   * ticks the server then skipped are repeated as after any skip (below). Earlier ticks never received
   * are remembered as missed: a copy arriving later was late too, not a duplicate.
   */
  #firstTake(tick: number): void {
    // Ascending, as `take` adds them: it forgets the oldest first.
    for (let old = Math.max(0, tick - MISSED_MEMORY_TICKS + 1); old < tick; old++) {
      if (!this.#pending.has(old)) this.#missedTicks.add(old);
    }
    for (const passed of this.#passedOnArrival) {
      if (passed >= tick) continue;
      this.#pending.delete(passed);
      this.#rejected.stale++;
      this.#credit = Math.min(this.#creditCap, this.#credit + 1);
    }
    this.#passedOnArrival.clear();
  }

  /**
   * One input of credit per tick of the server's timeline up to `tick`, each tick once. Unused credit is
   * kept for a burst after a hold-up; a client running faster than the server still runs out: over time
   * it cannot send more than one input a tick plus the allowance.
   */
  #earn(tick: number): void {
    const from = this.#creditedTo ?? tick - 1;
    if (tick <= from) return;
    this.#credit = Math.min(this.#creditCap, this.#credit + (tick - from));
    this.#creditedTo = tick;
  }

  get #creditCap(): number {
    return this.#rateAllowance + this.#burstTicks + 1;
  }

  /**
   * Ticks of input the client had buffered ahead of consumption: newest received tick minus the tick
   * consumed, the minimum over the last `marginWindowTicks` ticks. Negative when inputs arrive late. A
   * packet that newer ones overtook on the way does not lower it; a client that moved its tick back is
   * measured by its new ticks once its packets have stayed older for 8 ticks of the server's timeline.
   * Inputs refused as too far ahead count: a client past `maxLeadTicks` is shown as far ahead as it is.
   * undefined until an input has arrived and a tick has been consumed.
   */
  get margin(): number | undefined {
    if (this.#margins.length === 0) return undefined;
    let min = Number.POSITIVE_INFINITY;
    for (const margin of this.#margins) min = Math.min(min, margin);
    return min;
  }

  /** The last tick consumed: the ack to send back (the client stops resending up to it). */
  get lastConsumedTick(): number | undefined {
    return this.#lastConsumed;
  }

  /**
   * Ticks taken without their own input: those the last input was repeated for, those past
   * `maxRepeatTicks` (given none), and those taken before any input arrived (a client that syncs its
   * clock before it sends its first input counts about 30 here at 60 Hz on a clean link). Not only
   * repeats: a rise means this tick had no input of the client's.
   */
  get missed(): number {
    return this.#missed;
  }

  /**
   * How late (ticks) the client's inputs demonstrably were when the input just taken arrived: the length
   * of the run of ticks the server had to simulate without its inputs (after some had come) that ended
   * at most a few ticks before that input's packet came, else 0. A client whose process or network
   * stalled sends its next inputs that late, and with them shots aimed at the frame it showed meanwhile;
   * the lateness cannot be forged without going that long without control. 0 after a missed tick.
   */
  get lateTicks(): number {
    return this.#takenLateTicks;
  }

  /** Inputs received again (normal: packets repeat unacked inputs). */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Refused inputs by reason (a copy; counters only grow). */
  get rejected(): Readonly<InputRejections> {
    return { ...this.#rejected };
  }

  /** Inputs stored and not consumed yet. */
  get buffered(): number {
    return this.#pending.size;
  }
}
