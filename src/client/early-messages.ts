import type { Body, Kind, Message } from '../protocol/index.js';

/** Room messages (and signals) kept for a join whose answer has not been read through yet. */
const MAX_EARLY = 64;

/**
 * What came while a join was waiting for a room not (yet) ours: maybe the joined room's, which the join
 * hands to it once it has made it ours. Kept only while a join waits, and at most MAX_EARLY of each.
 */
export class EarlyMessages {
  /**
   * What came for a room not (yet) ours while a join was waiting (its messages, members joining, leaving,
   * away and back, its state): maybe the joined room's, in the order it came.
   */
  readonly #messages: Message[] = [];
  /** Likewise peer signals stamped with a seating not (yet) ours: maybe the joining room's. */
  readonly #signals: Array<Body<typeof Kind.SignalFromPeer>> = [];

  keepMessage(message: Message): void {
    if (this.#messages.length < MAX_EARLY) this.#messages.push(message);
  }

  keepSignal(signal: Body<typeof Kind.SignalFromPeer>): void {
    if (this.#signals.length < MAX_EARLY) this.#signals.push(signal);
  }

  /** The messages kept, in the order they came, no longer kept. */
  takeMessages(): Message[] {
    return this.#messages.splice(0);
  }

  /** The signals kept, in the order they came, no longer kept. */
  takeSignals(): Array<Body<typeof Kind.SignalFromPeer>> {
    return this.#signals.splice(0);
  }

  /** No join waits any more: what was kept for one is no room's. */
  clear(): void {
    this.#messages.length = 0;
    this.#signals.length = 0;
  }
}
