import { malformed } from '../fields/codes.js';
import { SEQ_BITS } from './seq.js';

/**
 * Every snapshot names the stream it belongs to, in the 16 bits after its seq: the encoder that wrote it,
 * as far as a client can tell encoders apart. Two encoders' seqs are unrelated (each starts where it
 * likes), so a decoder that took another encoder's snapshots for its own would drop them as stale or
 * read them against the wrong baselines. The low 8 bits are the membership, the number the server gives
 * the player's seating in a room (the join answer's `membership`, docs/protocol.md): a room switch, or
 * leaving and joining again, is a new one. The high 8 bits are the epoch: each new `RoomSync` of a room
 * counts it on by one (a new round with new sync options), for the same membership. Both wrap at 256
 * and compare like seqs: the later of two is the one less than half the space ahead.
 */
export const STREAM_BITS = 16;

const BYTE = 256;

/** The stream of a membership (0..255) and an epoch (0..255). */
export function streamOf(membership: number, epoch: number): number {
  for (const [name, value] of [
    ['membership', membership],
    ['epoch', epoch],
  ] as const) {
    if (!Number.isInteger(value) || value < 0 || value >= BYTE) {
      throw new RangeError(`a stream's ${name} must be an integer in 0..255, got ${value}`);
    }
  }
  return membership + epoch * BYTE;
}

/** The membership a stream names (its low 8 bits). */
export function membershipOf(stream: number): number {
  return stream & 0xff;
}

/** The epoch a stream names (its high 8 bits). */
export function epochOf(stream: number): number {
  return (stream >>> 8) & 0xff;
}

/** True when `a` is after `b`: 1..127 ahead, mod 256. */
function byteNewer(a: number, b: number): boolean {
  const distance = (a - b + BYTE) % BYTE;
  return distance > 0 && distance < BYTE / 2;
}

/**
 * True when stream `a` began after stream `b`: a later membership, or the same membership and a later
 * epoch. Used where nothing better is known; a client that knows its membership (`SyncedState` on a
 * client's server link) goes by that.
 */
export function streamNewer(a: number, b: number): boolean {
  const membership = membershipOf(a);
  if (membership !== membershipOf(b)) return byteNewer(membership, membershipOf(b));
  return byteNewer(epochOf(a), epochOf(b));
}

/** The stream a snapshot names, read without decoding the rest. BAD_FRAME when the bytes stop before it. */
export function snapshotStream(bytes: Uint8Array): number {
  const end = (SEQ_BITS + STREAM_BITS) / 8;
  if (bytes.length < end) {
    throw malformed('snapshot stream', `needs ${end} bytes from the start, the snapshot has ${bytes.length}`);
  }
  // After the 16-bit seq, two whole bytes, least significant first (BitWriter order).
  return (bytes[2] as number) + (bytes[3] as number) * BYTE;
}
