import type { SentSnapshot } from './client-tracking.js';

/**
 * Acks older than this many snapshots are ignored: their records are long superseded (an entity sent in
 * every snapshot already counts as unknown after 64 unacked ones), and each snapshot kept holds the
 * records it carried, so a client that never acks pins this many snapshots' worth of states.
 */
export const PENDING_SNAPSHOTS = 128;
/** Slots a client starts with: enough for the usual round trip; doubled as needed, up to the above. */
const FIRST_SLOTS = 32;

/**
 * One client's sent and not yet acked snapshots by count (`at`), each kept until deleted or until the
 * snapshot `PENDING_SNAPSHOTS` after it is sent. Counts are sent one after another, so a ring indexed by
 * `at` modulo its size holds them: every lookup, insertion and deletion is one array access, where a Map
 * hashed the count on each of the several a client costs per snapshot and per ack.
 *
 * The ring starts small and doubles when the slot of a new count still holds a snapshot fewer than
 * `PENDING_SNAPSHOTS` older (one a Map would still hold); at that size, the slot holds exactly the one it
 * must drop.
 */
export class PendingSnapshots {
  #slots: (SentSnapshot | undefined)[] = new Array(FIRST_SLOTS).fill(undefined);
  /** Slots minus one (the size is a power of two). */
  #mask = FIRST_SLOTS - 1;

  get(at: number): SentSnapshot | undefined {
    // `>>> 0` is `at` modulo 2^32, which the slot count divides: right for any count up to 2^53.
    const sent = this.#slots[(at >>> 0) & this.#mask];
    return sent !== undefined && sent.at === at ? sent : undefined;
  }

  /** Keeps `sent`, dropping the snapshot `PENDING_SNAPSHOTS` before it. Counts go in ascending. */
  add(sent: SentSnapshot): void {
    const at = sent.at;
    let slot = (at >>> 0) & this.#mask;
    let held = this.#slots[slot];
    while (held !== undefined && held.at > at - PENDING_SNAPSHOTS) {
      this.#grow();
      slot = (at >>> 0) & this.#mask;
      held = this.#slots[slot];
    }
    this.#slots[slot] = sent;
  }

  delete(at: number): void {
    const slot = (at >>> 0) & this.#mask;
    if (this.#slots[slot]?.at === at) this.#slots[slot] = undefined;
  }

  clear(): void {
    this.#slots.fill(undefined);
  }

  #grow(): void {
    const slots: (SentSnapshot | undefined)[] = new Array(this.#slots.length * 2).fill(undefined);
    const mask = slots.length - 1;
    for (const sent of this.#slots) {
      if (sent !== undefined) slots[(sent.at >>> 0) & mask] = sent;
    }
    this.#slots = slots;
    this.#mask = mask;
  }
}
