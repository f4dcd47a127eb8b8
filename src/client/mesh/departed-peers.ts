import type { TokenBucket } from '../../common/index.js';
import type { FloodWatch } from './flood-watch.js';

/** What the mesh holds against a peer, carried from a closed link to the one that replaces it. */
export interface KeptPeerState {
  bucket: TokenBucket | undefined;
  flood: FloodWatch | undefined;
  refuseDirectForMs: number;
  /** How many of the peer's offers it acts on: a fresh burst per goodbye would undo its pace. */
  peerOffers: TokenBucket;
  /** How many more links the mesh makes to the peer (see peer-link-budget.ts). */
  links: TokenBucket;
}

/**
 * What the mesh held against a player who left, kept for its next seating until it holds nothing a fresh
 * start would not: `refusedUntil` is when a flood penalty ends, `until` when the record goes (the link
 * budget refilled, PEER_LINK_REFILL_MS after the leave, the longest of the rest; or the penalty's end).
 */
interface DepartedPeer {
  kept: KeptPeerState;
  refusedUntil: number;
  until: number;
}

/** Departed players' records kept at most; past that the oldest goes (a room seats 16 at most). */
const MAX_DEPARTED = 64;

/**
 * What the mesh held against players who left, each kept for the player's next seating until it holds
 * nothing a fresh start would not (see `PeerMesh`, where a leave hands it over).
 */
export class DepartedPeers {
  readonly #departed = new Map<string, DepartedPeer>();

  /**
   * Keeps `kept` for the player's next seating: its flood penalty runs until `refusedUntil`, and the record
   * goes at `until` (or sooner, for a newer one, past MAX_DEPARTED).
   */
  remember(peerId: string, kept: KeptPeerState, refusedUntil: number, until: number, now: number): void {
    for (const [id, departed] of this.#departed) if (departed.until <= now) this.#departed.delete(id);
    this.#departed.delete(peerId);
    this.#departed.set(peerId, { kept, refusedUntil, until });
    if (this.#departed.size > MAX_DEPARTED) {
      const oldest = this.#departed.keys().next().value;
      if (oldest !== undefined) this.#departed.delete(oldest);
    }
  }

  /** What was kept of a player who left, once, for the link to its next seating: what is left of it now. */
  take(peerId: string, now: number): KeptPeerState | undefined {
    const departed = this.#departed.get(peerId);
    if (departed === undefined) return undefined;
    this.#departed.delete(peerId);
    if (departed.until <= now) return undefined;
    return { ...departed.kept, refuseDirectForMs: Math.max(0, departed.refusedUntil - now) };
  }
}
