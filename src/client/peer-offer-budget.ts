import { TokenBucket } from '../common/index.js';

/**
 * How many of a peer's offers this side acts on (opens a connection for and answers, or declines): a few
 * at once, then one every two seconds. Each one acted on costs this side a new connection and signals of
 * its own (an answer and its candidates), which the server counts against this side's signal budget
 * towards the peer (40 at once, 20 a second by default): a peer sending offer after offer within its own
 * budget would otherwise push this side over its own, and the server would cut this honest side off for
 * it. An honest peer's offers come far slower (retries after 0.5 s or 1 s, doubling; a collision; the
 * network coming back). Offers over it are ignored and counted: the peer's attempt times out, and it
 * tries again later. The same budget covers what costs this side alike: a further offer for an attempt
 * already under way (the mesh), and a request for an offer (voice's `offerMe`, which has the offering
 * side send its offer and candidates again, or start a new attempt).
 */
export const PEER_OFFER_BURST = 4;
export const PEER_OFFERS_PER_SECOND = 0.5;
/** How long an offer budget spent to nothing takes to be whole again (ms): 8 s. */
export const PEER_OFFER_REFILL_MS = (1_000 * PEER_OFFER_BURST) / PEER_OFFERS_PER_SECOND;

export function peerOfferBudget(now: number): TokenBucket {
  return new TokenBucket(PEER_OFFER_BURST, PEER_OFFERS_PER_SECOND, now);
}
