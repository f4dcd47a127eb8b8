import { type BitReader, BitWriter } from '../../protocol/index.js';
import { malformed, readBitsOf } from '../fields/codes.js';
import { SEQ_BITS } from './seq.js';

/** The bytes of an ack that names a snapshot (1 + 16 + 32 + 1 bits, padded), and of one that does not. */
export const ACK_BYTES = 7;
const EMPTY_ACK_BYTES = 1;

/**
 * What a client tells the server about snapshots: the newest it applied and, in `previous`, which of
 * the 32 before it it applied too (bit i: newest - 1 - i), so one lost ack costs nothing. `resync` asks
 * the server to forget baselines and send full states. Sent on its own ("ack-only") when no input
 * message is going out to carry it.
 */
export interface SnapshotAck {
  /** undefined until a snapshot has been applied. */
  readonly newest: number | undefined;
  /** 32-bit field, bit i set when snapshot newest - 1 - i was applied. */
  readonly previous: number;
  readonly resync: boolean;
}

/** 1 + 16 + 32 + 1 bits: 7 bytes; 1 byte before the first snapshot. */
export function encodeAck(ack: SnapshotAck): Uint8Array {
  const writer = new BitWriter(8);
  writeAck(writer, ack);
  return writer.finish();
}

/**
 * `encodeAck`'s bytes written by hand at `offset` of `out` (1 or ACK_BYTES of room needed); returns the
 * length. A client writes one into every input it sends, so without a writer or a copy.
 */
export function writeAckBytes(out: Uint8Array, offset: number, ack: SnapshotAck): number {
  const resync = ack.resync ? 1 : 0;
  if (ack.newest === undefined) {
    out[offset] = resync << 1;
    return EMPTY_ACK_BYTES;
  }
  // Bits 0: has newest; 1-16: newest; 17-48: previous; 49: resync (as writeAck puts them).
  const newest = ack.newest & 0xffff;
  const previous = ack.previous >>> 0;
  out[offset] = 1 | ((newest << 1) & 0xff);
  out[offset + 1] = (newest >>> 7) & 0xff;
  out[offset + 2] = (newest >>> 15) | ((previous << 1) & 0xff);
  out[offset + 3] = (previous >>> 7) & 0xff;
  out[offset + 4] = (previous >>> 15) & 0xff;
  out[offset + 5] = (previous >>> 23) & 0xff;
  out[offset + 6] = (previous >>> 31) | (resync << 1);
  return ACK_BYTES;
}

/** The length `writeAckBytes` gives `ack`. */
export function ackByteLength(ack: SnapshotAck): number {
  return ack.newest === undefined ? EMPTY_ACK_BYTES : ACK_BYTES;
}

export function writeAck(writer: BitWriter, ack: SnapshotAck): void {
  if (ack.newest === undefined) {
    writer.writeBits(0, 1);
  } else {
    writer.writeBits(1, 1);
    writer.writeBits(ack.newest, SEQ_BITS);
    writer.writeBits(ack.previous, 32);
  }
  writer.writeBits(ack.resync ? 1 : 0, 1);
}

export function readAck(reader: BitReader): SnapshotAck {
  const has = readBitsOf(reader, 1, 'snapshot ack') === 1;
  const newest = has ? readBitsOf(reader, SEQ_BITS, 'snapshot ack seq') : undefined;
  const previous = has ? readBitsOf(reader, 32, 'snapshot ack field') : 0;
  const resync = readBitsOf(reader, 1, 'snapshot ack resync') === 1;
  return { newest, previous, resync };
}

/** Throws a ProtocolError `BAD_FRAME` on a truncated message, extra bytes or non-zero padding. */
export function decodeAck(bytes: Uint8Array): SnapshotAck {
  return decodeAckIn(bytes, 0, bytes.length);
}

/**
 * `decodeAck` of `bytes[start, end)`, read in place: a server takes one from most inputs its players
 * send, and a view and a reader for each were most of what that cost. The layout is `writeAck`'s, bits
 * taken from the low end of each byte first (as `BitReader` reads them).
 */
export function decodeAckIn(bytes: Uint8Array, start: number, end: number): SnapshotAck {
  const length = end - start;
  if (length < EMPTY_ACK_BYTES) throw malformed('snapshot ack', 'needs 1 bits, the input has 0 left');
  const first = bytes[start] as number;
  if ((first & 1) === 0) {
    requireLength(length, EMPTY_ACK_BYTES, 2);
    if (first >>> 2 !== 0) throw malformed('snapshot ack', 'padding bits are not zero');
    return { newest: undefined, previous: 0, resync: (first & 2) !== 0 };
  }
  requireLength(length, ACK_BYTES, 1 + SEQ_BITS + 32 + 1);
  const b1 = bytes[start + 1] as number;
  const b2 = bytes[start + 2] as number;
  const b3 = bytes[start + 3] as number;
  const b4 = bytes[start + 4] as number;
  const b5 = bytes[start + 5] as number;
  const b6 = bytes[start + 6] as number;
  // Bits 1-16: newest; 17-48: previous; 49: resync; 50-55: padding.
  const newest = ((first >>> 1) | (b1 << 7) | ((b2 & 1) << 15)) & 0xffff;
  const previous = ((b2 >>> 1) | (b3 << 7) | (b4 << 15) | (b5 << 23) | ((b6 & 1) << 31)) >>> 0;
  if (b6 >>> 2 !== 0) throw malformed('snapshot ack', 'padding bits are not zero');
  return { newest, previous, resync: (b6 & 2) !== 0 };
}

/** As `readBitsOf` and `requireEnd` word it, for an ack of `bits` bits in `expected` bytes. */
function requireLength(length: number, expected: number, bits: number): void {
  if (length < expected) {
    throw malformed('snapshot ack', `needs ${bits} bits, the input has ${length * 8} left`);
  }
  if (length > expected) {
    throw malformed('snapshot ack', `${length - expected} bytes past the end of the message`);
  }
}

/** The rest must be under a byte of zero bits: the padding `BitWriter.finish` adds. */
export function requireEnd(reader: BitReader, path: string): void {
  const left = reader.bitsRemaining;
  if (left >= 8) throw malformed(path, `${Math.floor(left / 8)} bytes past the end of the message`);
  if (left > 0 && reader.readBits(left) !== 0) throw malformed(path, 'padding bits are not zero');
}
