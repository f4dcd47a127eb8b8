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
}

/** Why inputs were refused, each counted. */
export interface InputRejections {
  /** Arrived after its tick was consumed (the server repeated the previous input instead). */
  stale: number;
  /** More than `maxLeadTicks` ahead of the server. */
  future: number;
  /** More new inputs than ticks elapsed plus the allowance. */
  rate: number;
}

/** Ticks whose late arrival is still told apart from a duplicate. */
const MISSED_MEMORY_TICKS = 256;

/**
 * The server's buffer of one client's inputs. Packets repeat inputs, so each tick's input is stored once;
 * the simulation `take`s one per tick. A missing input repeats the last known one (counted as `missed`).
 * `margin` tells the client how early its inputs arrive, so its TickRateController can steer it to 1-2
 * ticks; `lastConsumedTick` is the ack the server sends back.
 */
export class InputBuffer<I> {
  readonly #maxLeadTicks: number;
  readonly #rateAllowance: number;
  readonly #burstTicks: number;
  readonly #marginWindow: number;
  readonly #pending = new Map<number, I>();
  /** Consumed ticks that had no input: a copy arriving later was late (stale), not a duplicate. */
  readonly #missedTicks = new Set<number>();
  readonly #margins: number[] = [];
  #lastConsumed: number | undefined;
  #lastInput: I | undefined;
  #newestReceived: number | undefined;
  #credit: number;
  #missed = 0;
  #duplicates = 0;
  readonly #rejected: InputRejections = { stale: 0, future: 0, rate: 0 };

  constructor(options: InputBufferOptions = {}) {
    this.#maxLeadTicks = positiveInteger('maxLeadTicks', options.maxLeadTicks ?? 30);
    this.#rateAllowance = nonNegative('rateAllowance', options.rateAllowance ?? 8);
    this.#burstTicks = nonNegative('burstTicks', options.burstTicks ?? 60);
    this.#marginWindow = positiveInteger('marginWindowTicks', options.marginWindowTicks ?? 60);
    // The first packet may carry a whole redundant window of new inputs.
    this.#credit = this.#rateAllowance + this.#maxLeadTicks;
  }

  /**
   * Stores the packet's inputs not seen before. `serverTick` is the next tick the server will simulate
   * (every tick before it has been consumed). Returns how many new inputs were stored.
   */
  receive(packet: InputPacket<I>, serverTick: number): number {
    tickNumber('serverTick', serverTick);
    let stored = 0;
    // A loop, not `forEach`: the closure put `stored` and `packet` in a context made per packet.
    const inputs = packet.inputs;
    for (let index = 0; index < inputs.length; index++) {
      const input = inputs[index] as I;
      const tick = packet.firstTick + index;
      if (this.#lastConsumed !== undefined && tick <= this.#lastConsumed) {
        if (this.#missedTicks.delete(tick)) {
          this.#rejected.stale++;
          // A late input still tells how late: the margin goes negative and the client speeds up.
          this.#newestReceived = Math.max(this.#newestReceived ?? tick, tick);
        } else {
          this.#duplicates++;
        }
      } else if (this.#pending.has(tick)) {
        this.#duplicates++;
      } else if (tick > serverTick + this.#maxLeadTicks) {
        this.#rejected.future++;
      } else if (this.#credit < 1) {
        this.#rejected.rate++;
      } else {
        this.#credit--;
        this.#pending.set(tick, input);
        this.#newestReceived = Math.max(this.#newestReceived ?? tick, tick);
        stored++;
      }
    }
    return stored;
  }

  /**
   * The input to simulate `tick` with (ticks increase; skipped ones are dropped). When it never arrived
   * the last known input is repeated and counted as `missed`; undefined only before any input arrived.
   */
  take(tick: number): I | undefined {
    tickNumber('tick', tick);
    if (this.#lastConsumed !== undefined && tick <= this.#lastConsumed) {
      throw new RangeError(`tick ${tick} taken after tick ${this.#lastConsumed}`);
    }
    const elapsed = this.#lastConsumed === undefined ? 1 : tick - this.#lastConsumed;
    // Unused credit is kept for a burst after a hold-up; a client running faster than the server still
    // runs out: over time it cannot send more than one input a tick plus the allowance.
    this.#credit = Math.min(this.#rateAllowance + this.#burstTicks + 1, this.#credit + elapsed);
    for (const [pendingTick, input] of this.#pending) {
      if (pendingTick >= tick) continue;
      this.#lastInput = input;
      this.#pending.delete(pendingTick);
    }
    const input = this.#pending.get(tick);
    if (input === undefined) {
      this.#missed++;
      this.#missedTicks.add(tick);
      for (const old of this.#missedTicks) {
        if (old > tick - MISSED_MEMORY_TICKS) break;
        this.#missedTicks.delete(old);
      }
    } else {
      this.#pending.delete(tick);
      this.#lastInput = input;
    }
    this.#lastConsumed = tick;
    if (this.#newestReceived !== undefined) {
      this.#margins.push(this.#newestReceived - tick);
      if (this.#margins.length > this.#marginWindow) this.#margins.shift();
    }
    return this.#lastInput;
  }

  /**
   * Ticks of input the client had buffered ahead of consumption: newest received tick minus the tick
   * consumed, the minimum over the last `marginWindowTicks` ticks. Negative when inputs arrive late.
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

  /** Ticks simulated with a repeated input because theirs had not arrived. */
  get missed(): number {
    return this.#missed;
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
