import { encodeMessage, Kind } from '../../protocol/index.js';

/**
 * A peer's `phys` sample on its way to a player through the relay, as it waits at the player's phys gate:
 * what its DataFromPeer is made of, made only if it leaves the gate. A sender may offer many more samples
 * than the gate passes (20 a second per sender); encoded as offered, each was a frame built for nothing,
 * and one DataToPeers offers a sample to every member of a room at once.
 */
export interface RelayedSample {
  readonly payload: Uint8Array;
  /** The receiver's membership when the sample was relayed (see DataFromPeer's `m`): kept from the offer. */
  readonly membership: number;
}

/** The DataFromPeer of a sample from `from` leaving the gate, stamped with the time it is forwarded. */
export function encodeRelayedSample(from: string, sample: RelayedSample, now: number): Uint8Array {
  return encodeMessage(Kind.DataFromPeer, { from, c: 0, p: sample.payload, t: now, m: sample.membership });
}
