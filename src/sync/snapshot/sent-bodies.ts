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

/**
 * One client's last RESEND_WINDOW shared snapshots by count, kept whether or not a newer ack superseded
 * them: a ring indexed by count, as `PendingSnapshots` is.
 */
export class SentBodies {
  readonly #slots: (SentBody | undefined)[] = new Array(RESEND_WINDOW).fill(undefined);

  get(at: number): SentBody | undefined {
    const sent = this.#slots[(at >>> 0) % RESEND_WINDOW];
    return sent !== undefined && sent.at === at ? sent : undefined;
  }

  /** Keeps `sent`, dropping the one RESEND_WINDOW counts before it. */
  add(sent: SentBody): void {
    this.#slots[(sent.at >>> 0) % RESEND_WINDOW] = sent;
  }

  clear(): void {
    this.#slots.fill(undefined);
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
