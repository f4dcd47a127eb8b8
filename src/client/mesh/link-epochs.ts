/** Peers whose next epoch is kept at most; past that the longest unmet is forgotten (and starts at 0 again). */
const MAX_PEERS = 4_096;

/**
 * The epochs of this client's dispatch streams to each peer (see StreamFollower in the transport): every
 * link made to a peer takes the next one, 0, 1, 2, ... wrapping at 256, across meshes closed and made
 * again and across rooms, so a peer tells a new link's stream from the one before, and a goodbye that
 * names an older link's stream (replayed late, after this player left and rejoined) from one that names
 * the current link's. One per client, handed to each room it joins. A peer's record of a stream of ours
 * (see PeerMesh) is its seating's, while this counts on across rooms: no link made in another room passes
 * that record unseen, since a client sits in one room at a time (joining another leaves the first) and
 * the peer's next seating starts with none.
 */
export class LinkEpochs {
  readonly #next = new Map<string, number>();

  /** The epoch of a new link to `peerId`. */
  next(peerId: string): number {
    const epoch = this.#next.get(peerId) ?? 0;
    // Moved to the end: the peers met longest ago are the first to go.
    this.#next.delete(peerId);
    this.#next.set(peerId, (epoch + 1) & 0xff);
    if (this.#next.size > MAX_PEERS) {
      const oldest = this.#next.keys().next().value;
      if (oldest !== undefined) this.#next.delete(oldest);
    }
    return epoch;
  }
}
