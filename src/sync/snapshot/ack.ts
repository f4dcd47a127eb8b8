import { BitReader, BitWriter } from '../../protocol/index.js';
import { malformed, readBitsOf } from '../fields/codes.js';
import { SEQ_BITS } from './seq.js';

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
  const reader = new BitReader(bytes);
  const ack = readAck(reader);
  requireEnd(reader, 'snapshot ack');
  return ack;
}

/** The rest must be under a byte of zero bits: the padding `BitWriter.finish` adds. */
export function requireEnd(reader: BitReader, path: string): void {
  const left = reader.bitsRemaining;
  if (left >= 8) throw malformed(path, `${Math.floor(left / 8)} bytes past the end of the message`);
  if (left > 0 && reader.readBits(left) !== 0) throw malformed(path, 'padding bits are not zero');
}
