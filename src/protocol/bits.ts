import { ErrorCode } from './error-codes.js';
import { ProtocolError } from './protocol-error.js';

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
    if (!Number.isInteger(bitCount) || bitCount < 0 || bitCount > 32) {
      throw new RangeError(`bitCount must be an integer in 0..32, got ${bitCount}`);
    }
    if (
      !Number.isInteger(value) ||
      value < 0 ||
      (bitCount < 32 && value >= 2 ** bitCount) ||
      value > 0xffffffff
    ) {
      throw new RangeError(`value ${value} does not fit in ${bitCount} unsigned bits`);
    }
    this.#ensure(this.#bitLength + bitCount);
    let remaining = bitCount;
    let rest = value;
    while (remaining > 0) {
      const byteIndex = this.#bitLength >>> 3;
      const bitOffset = this.#bitLength & 7;
      const take = Math.min(8 - bitOffset, remaining);
      const chunk = rest & ((1 << take) - 1);
      this.#bytes[byteIndex] = (this.#bytes[byteIndex] ?? 0) | (chunk << bitOffset);
      rest = Math.floor(rest / 2 ** take);
      remaining -= take;
      this.#bitLength += take;
    }
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
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, value, true);
    this.writeBits(view.getUint32(0, true), 32);
  }

  /** The written bits, padded with zeros to a whole byte. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, (this.#bitLength + 7) >>> 3);
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
    if (!Number.isInteger(bitCount) || bitCount < 0 || bitCount > 32) {
      throw new RangeError(`bitCount must be an integer in 0..32, got ${bitCount}`);
    }
    if (bitCount > this.bitsRemaining) {
      throw new ProtocolError(ErrorCode.BAD_FRAME, `read of ${bitCount} bits past the end of the buffer`);
    }
    let value = 0;
    let written = 0;
    while (written < bitCount) {
      const byte = this.#bytes[this.#bitPosition >>> 3] ?? 0;
      const bitOffset = this.#bitPosition & 7;
      const take = Math.min(8 - bitOffset, bitCount - written);
      const chunk = (byte >>> bitOffset) & ((1 << take) - 1);
      value += chunk * 2 ** written;
      written += take;
      this.#bitPosition += take;
    }
    return value;
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
    const view = new DataView(new ArrayBuffer(4));
    view.setUint32(0, this.readBits(32), true);
    return view.getFloat32(0, true);
  }
}
