import type { WorldFrame } from './entity-table.js';
import type { SharedBody } from './shared-body.js';

/**
 * A shared snapshot as first sent to one client: enough to send the same bytes again (`SharedBody.message`
 * with these values) and to know what the client needs to hold to read them.
 */
export interface SentBody {
  readonly at: number;
  readonly body: SharedBody;
  readonly frame: WorldFrame;
  readonly frameIndex: number;
  /** The snapshot count of its acked (base) snapshot; undefined: against an empty base, none named. */
  readonly baseAt: number | undefined;
  /** The snapshot count of its predictor snapshot, when the body has one. */
  readonly predictorAt: number | undefined;
}

/**
 * How far back a client's shared snapshots are kept to be sent again: as far as its decoder takes a late
 * fill (the ack's field of earlier snapshots reaches 32 back).
 */
export const RESEND_WINDOW = 32;
/** A count's slot in the ring: a mask, as RESEND_WINDOW is a power of two (V8 divides for a `%`). */
const SLOT_MASK = RESEND_WINDOW - 1;

/**
 * One client's last RESEND_WINDOW shared snapshots by count, kept whether or not a newer ack superseded
 * them: a ring indexed by count, as `PendingSnapshots` is.
 */
export class SentBodies {
  readonly #slots: (SentBody | undefined)[] = new Array(RESEND_WINDOW).fill(undefined);
  /**
   * Each slot's count (-1: empty), beside the slots: `forgetBefore` and `get` test a count per slot, and
   * reading it from a body sent up to 32 snapshots ago missed the cache about as often as not (sampled:
   * `forgetBefore` ran at over twice the nanoseconds per instruction of the encode around it).
   */
  readonly #ats = new Float64Array(RESEND_WINDOW).fill(-1);
  /** Counts below this were let go (`forgetBefore`). */
  #forgotten = 0;

  get(at: number): SentBody | undefined {
    const slot = at & SLOT_MASK;
    return this.#ats[slot] === at ? this.#slots[slot] : undefined;
  }

  /** Keeps `sent`, dropping the one RESEND_WINDOW counts before it. */
  add(sent: SentBody): void {
    const slot = sent.at & SLOT_MASK;
    this.#slots[slot] = sent;
    this.#ats[slot] = sent.at;
  }

  /**
   * Lets go of the snapshots sent before `at` (counts only grow, so each slot is looked at once): the
   * encoder's oldest step, before which none can be sent again (its base would not be a step). What they
   * hold (a body, its frame and every record of it) would otherwise live through 32 snapshots, long
   * enough to be copied by the collector's young-generation passes and promoted.
   */
  forgetBefore(at: number): void {
    let from = Math.max(this.#forgotten, at - RESEND_WINDOW);
    for (; from < at; from++) {
      const slot = from & SLOT_MASK;
      if (this.#ats[slot] !== from) continue;
      this.#slots[slot] = undefined;
      this.#ats[slot] = -1;
    }
    this.#forgotten = Math.max(this.#forgotten, at);
  }

  clear(): void {
    this.#slots.fill(undefined);
    this.#ats.fill(-1);
  }

  /** The newest kept snapshot of `frame` sent at `from` or later, or undefined. */
  ofFrame(frame: WorldFrame, from: number, newest: number): SentBody | undefined {
    for (let at = newest; at >= from && newest - at < RESEND_WINDOW; at--) {
      const sent = this.get(at);
      if (sent?.frame === frame) return sent;
    }
    return undefined;
  }
}
