import { TokenBucket } from '../../common/index.js';

/**
 * How many links the mesh makes to one peer: a few at once, then one every ten seconds. A link is made when
 * the peer joins, and in the place of one that closed while the peer stays (its goodbye, or an offer from a
 * later link of its own: see PeerMesh). Each one can cost this side a WebRTC attempt (a connection, and an
 * offer and candidates that the server counts against this side's signal budget towards the peer), and each
 * tells the app of a link closed and made again. An honest peer turns its mesh off and on, or leaves and
 * comes back, now and then; a hostile one doing it in a loop (or naming ever newer links of its own in its
 * offers) would otherwise have this side make link after link, offering on each when it is the side that
 * starts attempts. Past it, a link made holds off the direct path until the budget has a link again, and a
 * goodbye or an offer from a later link is ignored (the link stays, and takes the peer's next stream or offer
 * itself) unless this side had sent on the link: the peer's next link retired that stream, and kept, the link
 * would lose what it sent (PeerMesh `#mayReplace`). Kept across the peer's leave and rejoin, as its offer
 * budget is. The link a peer's goodbye put in a closed one's place is given back when the peer leaves before
 * any link of its met it: that goodbye was its leave's (PeerMesh `#refundUnusedReplacement`), and a leave and
 * rejoin costs one link, its next seating's.
 */
export const PEER_LINK_BURST = 4;
export const PEER_LINKS_PER_SECOND = 0.1;
/** How long a link budget spent to nothing takes to be whole again (ms): 40 s. */
export const PEER_LINK_REFILL_MS = (1_000 * PEER_LINK_BURST) / PEER_LINKS_PER_SECOND;

export function peerLinkBudget(now: number): TokenBucket {
  return new TokenBucket(PEER_LINK_BURST, PEER_LINKS_PER_SECOND, now);
}
