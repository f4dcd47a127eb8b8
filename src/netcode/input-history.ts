import { positiveInteger, tickNumber } from './checks.js';
import { type InputPacket, MAX_INPUTS_PER_PACKET } from './input-packet.js';

/** Tuning of an {@link InputHistory}. */
export interface InputHistoryOptions {
  /**
   * Unacked inputs repeated in each packet (default 8): survives 7 lost packets in a row. At most
   * `MAX_INPUTS_PER_PACKET` (64), what `encodeInputPacket` takes.
   */
  redundancy?: number;
  /**
   * Most unacked inputs kept (default 120, 2 s at 60 Hz). Older ones go: past that the server has long
   * consumed (or given up on) their ticks.
   */
  capacity?: number;
}

/**
 * The client's record of inputs the server has not acknowledged yet. `record` each tick's input, send
 * `packet()` (the newest few unacked inputs) each tick, and `ack` the server's last consumed tick.
 */
export class InputHistory<I> {
  readonly #redundancy: number;
  readonly #capacity: number;
  #firstTick = 0;
  #inputs: I[] = [];

  constructor(options: InputHistoryOptions = {}) {
    this.#redundancy = positiveInteger('redundancy', options.redundancy ?? 8);
    if (this.#redundancy > MAX_INPUTS_PER_PACKET) {
      throw new TypeError(`redundancy must be at most ${MAX_INPUTS_PER_PACKET}`);
    }
    this.#capacity = positiveInteger('capacity', options.capacity ?? 120);
  }

  /**
   * Records the input for `tick`. Ticks must increase; a gap (the client re-based its tick after a resync)
   * starts a new run and forgets the older unacked inputs, since a packet carries consecutive ticks only.
   */
  record(tick: number, input: I): void {
    tickNumber('tick', tick);
    const next = this.#firstTick + this.#inputs.length;
    if (this.#inputs.length > 0 && tick < next) {
      throw new RangeError(`input for tick ${tick} recorded after tick ${next - 1}`);
    }
    if (this.#inputs.length === 0 || tick > next) {
      this.#firstTick = tick;
      this.#inputs = [];
    }
    this.#inputs.push(input);
    if (this.#inputs.length > this.#capacity) {
      this.#inputs.shift();
      this.#firstTick++;
    }
  }

  /** The newest `redundancy` unacked inputs, or undefined when everything is acked. */
  packet(): InputPacket<I> | undefined {
    const count = Math.min(this.#redundancy, this.#inputs.length);
    if (count === 0) return undefined;
    const skip = this.#inputs.length - count;
    return { firstTick: this.#firstTick + skip, inputs: this.#inputs.slice(skip) };
  }

  /**
   * The server consumed every tick up to and including `tick`: those inputs need not be sent again. A
   * `tick` that is not a non-negative integer throws a RangeError.
   */
  ack(tick: number): void {
    tickNumber('tick', tick);
    const drop = Math.min(this.#inputs.length, tick - this.#firstTick + 1);
    if (!(drop > 0)) return;
    this.#inputs.splice(0, drop);
    this.#firstTick += drop;
  }

  /** Inputs recorded and not acked yet. */
  get unacked(): number {
    return this.#inputs.length;
  }

  /** Forgets everything (after a reconnect: input ticks restart). */
  clear(): void {
    this.#inputs = [];
    this.#firstTick = 0;
  }
}
