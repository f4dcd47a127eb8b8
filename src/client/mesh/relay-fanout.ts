import type { Clock } from '../../common/index.js';
import { MAX_PEER_DATA_BYTES } from '../../protocol/index.js';
import { NewestSampleGate, RELAY_PHYS_INTERVAL_MS, type RelayLink } from '../../transport/index.js';

/** The one key of the mesh's gate: a broadcast is one sample stream, whoever it goes to. */
const BROADCAST = '*';

/**
 * A mesh's `phys` broadcast to its relayed peers as one message (DataToPeers) rather than one per peer:
 * the same bytes went up N-1 times, and at 20 Hz to 15 peers that was three times the session's rate, so
 * each peer got a sample only a few times a second. What each relay link would have done is kept at the
 * mesh: one newest-only gate at the links' interval (a newer broadcast replaces one still waiting), and
 * each link counts the sample in its counters when offered and in its quality monitor when it leaves, as
 * its own gate does, so its stats and loss stay honest.
 */
export class RelayFanout {
  readonly #gate: NewestSampleGate;
  readonly #send: (to: string[], bytes: Uint8Array) => void;
  /** The links of the sample waiting at the gate (the newest offer's). */
  #pending: readonly RelayLink[] = [];

  /** `send`: one message of `bytes` for the players `to` (two or more), through the server. */
  constructor(clock: Clock, send: (to: string[], bytes: Uint8Array) => void) {
    this.#send = send;
    this.#gate = new NewestSampleGate(clock, RELAY_PHYS_INTERVAL_MS, (bytes) => this.#write(bytes));
  }

  /**
   * A sample for these links (each open and free of a conditioner: `RelayLink.fansOut`). False, and
   * nothing counted, for one over MAX_PEER_DATA_BYTES (the server relays none larger), as a link refuses it.
   */
  offer(links: readonly RelayLink[], bytes: Uint8Array): boolean {
    if (bytes.length > MAX_PEER_DATA_BYTES) return false;
    // The sample still waiting (the write empties the list) is replaced by this one, for its links.
    this.#countReplaced();
    for (const link of links) link.countFannedOut(bytes.length);
    this.#pending = links;
    this.#gate.offer(BROADCAST, bytes);
    return true;
  }

  /**
   * Drops the sample still waiting, replaced by a newer one that goes another way (one relayed peer, each
   * on its own link, or direct paths): this older one would reach them after the newer.
   */
  cancel(): void {
    this.#countReplaced();
    this.clear();
  }

  /** Drops the sample still waiting, the mesh closing. */
  clear(): void {
    if (this.#pending.length === 0) return;
    this.#pending = [];
    this.#gate.forget(BROADCAST);
  }

  #countReplaced(): void {
    for (const link of this.#pending) link.countFannedOutReplaced();
  }

  #write(bytes: Uint8Array): void {
    const to: string[] = [];
    for (const link of this.#pending) {
      // Closed since (the peer left): not sent to, so not counted as sent.
      if (link.state === 'closed') continue;
      link.countFannedOutSent(bytes.length);
      to.push(link.peerId);
    }
    this.#pending = [];
    if (to.length > 0) this.#send(to, bytes);
  }
}
