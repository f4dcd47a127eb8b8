import { ErrorCode } from './error-codes.js';
import { ProtocolError } from './protocol-error.js';

/** Scratch for float32 <-> bits; JS is single-threaded and no call below re-enters. */
const FLOAT_VIEW = new DataView(new ArrayBuffer(4));

/**
 * Bit-level writer: values are packed least-significant bit first into a growing byte buffer.
 * Used by the state-sync codec, where a field costs exactly the bits its declared range needs.
 */
export class BitWriter {
  #bytes: Uint8Array;
  #bitLength = 0;

  constructor(initialCapacity = 64) {
    this.#bytes = new Uint8Array(Math.max(1, initialCapacity));
  }

  get bitLength(): number {
    return this.#bitLength;
  }

  /** Writes the low `bitCount` bits (0-32) of an unsigned integer. */
  writeBits(value: number, bitCount: number): void {
    const position = this.#bitLength;
    const end = position + bitCount;
    const bytes = this.#bytes;
    // The codec's common case, 1-24 bits with room in the buffer, in one test and at most four stores.
    // `x >>> 0 === x` holds exactly for the integers in 0..2^32-1 (NaN and fractions fail it); with
    // bitCount in 1..24 and offset in 0..7, `value << offset` stays below 2^31, and a Uint8Array store
    // keeps a value's low 8 bits, so no masks are needed.
    if (
      bitCount >>> 0 === bitCount &&
      (bitCount - 1) >>> 0 < 24 &&
      value >>> 0 === value &&
      value >>> bitCount === 0 &&
      (end + 7) >>> 3 <= bytes.length
    ) {
      const index = position >>> 3;
      const offset = position & 7;
      // Bytes past the written bits are always zero, so the first byte is OR-ed and the rest assigned.
      bytes[index] = (bytes[index] as number) | (value << offset);
      const span = offset + bitCount;
      if (span > 8) {
        bytes[index + 1] = value >>> (8 - offset);
        if (span > 16) {
          bytes[index + 2] = value >>> (16 - offset);
          if (span > 24) bytes[index + 3] = value >>> (24 - offset);
        }
      }
      this.#bitLength = end;
      return;
    }
    this.#writeBitsChecked(value, bitCount);
  }

  /** `writeBits` off its fast path: 0 or 25-32 bits, a buffer to grow, or a bad argument to refuse. */
  #writeBitsChecked(value: number, bitCount: number): void {
    if (bitCount >>> 0 !== bitCount || bitCount > 32) {
      throw new RangeError(`bitCount must be an integer in 0..32, got ${bitCount}`);
    }
    if (value >>> 0 !== value || (bitCount < 32 && value >>> bitCount !== 0)) {
      throw new RangeError(`value ${value} does not fit in ${bitCount} unsigned bits`);
    }
    if (bitCount === 0) return;
    const position = this.#bitLength;
    const end = position + bitCount;
    if ((end + 7) >>> 3 > this.#bytes.length) this.#ensure(end);
    const bytes = this.#bytes;
    let index = position >>> 3;
    const offset = position & 7;
    bytes[index] = (bytes[index] as number) | ((value << offset) & 0xff);
    for (let done = 8 - offset; done < bitCount; done += 8) {
      index++;
      bytes[index] = value >>> done;
    }
    this.#bitLength = end;
  }

  /**
   * Appends the first `bitLength` bits of `source` (as a BitWriter packed them) at the current bit
   * position: the same result as writing them back 32 at a time, without reading them one by one.
   */
  writeBitsFrom(source: Uint8Array, bitLength: number): void {
    if (bitLength >>> 0 !== bitLength || bitLength > source.length * 8) {
      throw new RangeError(`bitLength must be an integer in 0..${source.length * 8}, got ${bitLength}`);
    }
    if (bitLength === 0) return;
    const position = this.#bitLength;
    const end = position + bitLength;
    if ((end + 7) >>> 3 > this.#bytes.length) this.#ensure(end);
    const bytes = this.#bytes;
    const wholeBytes = bitLength >>> 3;
    const tailBits = bitLength & 7;
    const offset = position & 7;
    let index = position >>> 3;
    if (offset === 0) {
      if (wholeBytes >= 32) {
        bytes.set(source.subarray(0, wholeBytes), index);
      } else {
        for (let from = 0; from < wholeBytes; from++) bytes[index + from] = source[from] as number;
      }
      index += wholeBytes;
      if (tailBits !== 0) bytes[index] = (source[wholeBytes] as number) & ((1 << tailBits) - 1);
    } else {
      const back = 8 - offset;
      for (let from = 0; from < wholeBytes; from++) {
        const byte = source[from] as number;
        bytes[index] = (bytes[index] as number) | ((byte << offset) & 0xff);
        index++;
        bytes[index] = byte >>> back;
      }
      if (tailBits !== 0) {
        const byte = (source[wholeBytes] as number) & ((1 << tailBits) - 1);
        bytes[index] = (bytes[index] as number) | ((byte << offset) & 0xff);
        if (tailBits > back) bytes[index + 1] = byte >>> back;
      }
    }
    this.#bitLength = end;
  }

  writeBool(value: boolean): void {
    this.writeBits(value ? 1 : 0, 1);
  }

  /** Unsigned LEB128-style varint over bits: 7 data bits + 1 continuation bit per group. */
  writeVarUint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0)
      throw new RangeError(`varuint must be a safe non-negative integer`);
    let rest = value;
    while (rest >= 0x80) {
      this.writeBits((rest % 0x80) | 0x80, 8);
      rest = Math.floor(rest / 0x80);
    }
    this.writeBits(rest, 8);
  }

  /** Zig-zag signed varint: small magnitudes of either sign stay small. */
  writeVarInt(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError('varint must be a safe integer');
    this.writeVarUint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  writeFloat32(value: number): void {
    FLOAT_VIEW.setFloat32(0, value, true);
    this.writeBits(FLOAT_VIEW.getUint32(0, true), 32);
  }

  /** The written bits, padded with zeros to a whole byte. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, (this.#bitLength + 7) >>> 3);
  }

  /**
   * Empties the writer, keeping its buffer: a writer reused for message after message (its `finish()`
   * copies out) does not allocate a fresh buffer each time, which costs more than writing a small message.
   */
  reset(): void {
    // Only the bytes written are cleared: the ones past them are zero already (see `writeBits`).
    this.#bytes.fill(0, 0, (this.#bitLength + 7) >>> 3);
    this.#bitLength = 0;
  }

  #ensure(bits: number): void {
    const needed = (bits + 7) >>> 3;
    if (needed <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.#bytes.length * 2));
    grown.set(this.#bytes);
    this.#bytes = grown;
  }
}

/** Reads what a BitWriter wrote. Reading past the end throws `BAD_FRAME`, never returns garbage. */
export class BitReader {
  readonly #bytes: Uint8Array;
  #bitPosition = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get bitPosition(): number {
    return this.#bitPosition;
  }

  get bitsRemaining(): number {
    return this.#bytes.length * 8 - this.#bitPosition;
  }

  readBits(bitCount: number): number {
    if (bitCount >>> 0 !== bitCount || bitCount > 32) throw badBitCount(bitCount);
    const bytes = this.#bytes;
    const position = this.#bitPosition;
    if (bitCount > bytes.length * 8 - position) throw pastTheEnd('read', bitCount);
    if (bitCount === 0) return 0;
    this.#bitPosition = position + bitCount;
    return bitsAt(bytes, position, bitCount);
  }

  /**
   * The next `bitCount` (0-32) bits without moving past them; bits past the end of the input read as 0.
   * With `skipBits`, a field whose width depends on its first bits is read with one peek: what it takes
   * is known from the peeked bits, and only that much is skipped (and checked to be there).
   */
  peekBits(bitCount: number): number {
    if (bitCount >>> 0 !== bitCount || bitCount > 32) throw badBitCount(bitCount);
    const bytes = this.#bytes;
    const position = this.#bitPosition;
    const available = bytes.length * 8 - position;
    // One call site: each inlined copy of `bitsAt` spends the caller's inlining budget.
    const count = Math.min(bitCount, available);
    return count === 0 ? 0 : bitsAt(bytes, position, count);
  }

  /** Moves past `bitCount` bits, which must be there (`BAD_FRAME` otherwise, like a read). */
  skipBits(bitCount: number): void {
    if (bitCount >>> 0 !== bitCount) throw badSkipCount(bitCount);
    const position = this.#bitPosition;
    if (bitCount > this.#bytes.length * 8 - position) throw pastTheEnd('skip', bitCount);
    this.#bitPosition = position + bitCount;
  }

  /** `readBits(1)`, in a few bytes of code: a bit-packed decoder reads a flag per record. */
  readBit(): number {
    const bytes = this.#bytes;
    const position = this.#bitPosition;
    if (position >= bytes.length * 8) throw pastTheEnd('read', 1);
    this.#bitPosition = position + 1;
    return ((bytes[position >>> 3] as number) >>> (position & 7)) & 1;
  }

  readBool(): boolean {
    return this.readBits(1) === 1;
  }

  readVarUint(): number {
    let value = 0;
    let scale = 1;
    for (let group = 0; group < 8; group++) {
      const byte = this.readBits(8);
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (!Number.isSafeInteger(value)) break;
        return value;
      }
      scale *= 0x80;
    }
    throw new ProtocolError(ErrorCode.BAD_FRAME, 'varuint too long or out of the safe integer range');
  }

  readVarInt(): number {
    const zigzag = this.readVarUint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  readFloat32(): number {
    FLOAT_VIEW.setUint32(0, this.readBits(32), true);
    return FLOAT_VIEW.getFloat32(0, true);
  }
}

/*
 * The reader's errors are made out of line: a message built in place made the hot methods' bytecode
 * several times larger, and V8 inlines a function's callees only up to a total bytecode size, so each
 * read took that budget from the decoders' own helpers (BENCHMARKS.md, "what V8 inlines into a decode").
 */
function badBitCount(bitCount: number): RangeError {
  return new RangeError(`bitCount must be an integer in 0..32, got ${bitCount}`);
}

function badSkipCount(bitCount: number): RangeError {
  return new RangeError(`bitCount must be a non-negative integer, got ${bitCount}`);
}

function pastTheEnd(what: 'read' | 'skip', bitCount: number): ProtocolError {
  return new ProtocolError(ErrorCode.BAD_FRAME, `${what} of ${bitCount} bits past the end of the buffer`);
}

/** `bitCount` (1-32) bits at bit `position`, least significant first; the caller checked they are there. */
function bitsAt(bytes: Uint8Array, position: number, bitCount: number): number {
  let index = position >>> 3;
  const offset = position & 7;
  let value = (bytes[index] as number) >>> offset;
  // Unrolled: a read spans at most five bytes, and most reads in the codec span one or two.
  const end = offset + bitCount;
  if (end > 8) {
    value |= (bytes[++index] as number) << (8 - offset);
    if (end > 16) {
      value |= (bytes[++index] as number) << (16 - offset);
      if (end > 24) {
        value |= (bytes[++index] as number) << (24 - offset);
        if (end > 32) value |= (bytes[++index] as number) << (32 - offset);
      }
    }
  }
  return bitCount === 32 ? value >>> 0 : value & (0xffffffff >>> (32 - bitCount));
}
