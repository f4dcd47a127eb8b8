/**
 * A light CCU bot's side of state sync: it acknowledges every snapshot exactly as a decoding client
 * (`SyncedState`) would, from the snapshot's header, without decoding the entities. The server cannot
 * tell the difference: the same acks ride on the same inputs, so its baselines, shared bodies and
 * per-client deltas are what they are for full clients. Only the bot's core is spared the decoding.
 */

import { inflateSync } from 'fflate';
import { BitReader } from 'vehikill-net/protocol';
import { decodeSyncFrame, type SnapshotAck } from 'vehikill-net/sync';

/** A snapshot starts with its 16-bit sequence number (docs/sync.md, "Snapshot wire format"). */
const SEQ_BITS = 16;
const SEQ_MODULO = 2 ** SEQ_BITS;
/** The ack's bit field: the 32 snapshots before the newest. */
const PREVIOUS_BITS = 32;

export class HeaderAcker {
  #newest: number | undefined;
  #previous = 0;

  /** Takes a `phys` message from the server; true when it was a snapshot (now acked). */
  receive(bytes: Uint8Array): boolean {
    const frame = decodeSyncFrame(bytes);
    if (frame.kind !== 'snapshot') return false;
    // Only a large full snapshot is ever deflated: the first one, when at all.
    const snapshot = frame.deflated ? inflateSync(frame.payload) : frame.payload;
    const seq = new BitReader(snapshot).readBits(SEQ_BITS);
    if (this.#newest === undefined) {
      this.#newest = seq;
      return true;
    }
    const shift = (seq - this.#newest + SEQ_MODULO) % SEQ_MODULO;
    // Not newer (half the sequence space back counts as older, as for the decoder): a stale copy.
    if (shift === 0 || shift >= SEQ_MODULO / 2) return true;
    // The old newest becomes bit `shift - 1` of the field; bits past 32 fall off.
    this.#previous =
      shift > PREVIOUS_BITS
        ? 0
        : ((this.#previous % 2 ** (PREVIOUS_BITS - shift)) * 2 ** shift + 2 ** (shift - 1)) >>> 0;
    this.#newest = seq;
    return true;
  }

  get ack(): SnapshotAck {
    return { newest: this.#newest, previous: this.#previous, resync: false };
  }
}
