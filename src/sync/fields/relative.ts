import type { BitReader, BitWriter } from '../../protocol/index.js';
import { malformed, readBitsOf, writeCode } from './codes.js';
import { extrapolateCode } from './extrapolate.js';

/**
 * A numeric code written relative to the baseline's code: what a position, an angle or a speed costs when it
 * moved a little since the snapshot the client holds. Two bits choose a width class, a quarter, half or
 * three quarters of the field's bits for the zigzagged difference, or the full code when the difference
 * does not fit (a teleport costs two bits more than a plain write, a short move a fraction of it).
 */
export interface RelativeCodec<Code> {
  /** Exact bits `write` spends. */
  bitLength(code: Code, baseline: Code): number;
  write(writer: BitWriter, code: Code, baseline: Code): void;
  /** Throws a ProtocolError `BAD_FRAME` on truncated input or a result that is not a code of the field. */
  read(reader: BitReader, baseline: Code): Code;
  /**
   * The code expected `ahead` ticks after the baseline if it keeps moving as it did over the `span` ticks
   * from `before` to the baseline (see `extrapolateCode`): a better reference than the baseline itself
   * for anything in motion. Both ends compute it from codes they share, bit for bit.
   */
  predict(baseline: Code, before: Code, ahead: number, span: number): Code;
}

/** Fields narrower than this gain nothing from a width class: they are written whole, as plain changes. */
export const MIN_RELATIVE_BITS = 6;

/** See `ScalarRelativeCodec.spec`. */
export interface ScalarRelativeSpec {
  readonly bits: number;
  readonly maxCode: number;
  readonly wraps: boolean;
  readonly widths: readonly [number, number, number];
  readonly limits: readonly [number, number, number];
}

/** Bits of the width class before every relative code. */
export const RELATIVE_CLASS_BITS = 2;
/** The class of a difference too wide for the others: the whole code follows. */
export const RELATIVE_FULL_CLASS = 3;
const CLASS_BITS = RELATIVE_CLASS_BITS;
const FULL_CLASS = RELATIVE_FULL_CLASS;

/** The relative codec of one integer code in 0..maxCode of `bits` bits; `wraps` for angles (mod 2^bits). */
export class ScalarRelativeCodec implements RelativeCodec<number> {
  /**
   * What the codec computes with, for writers that size and write whole runs of deltas inline (see
   * `TypeCoder`): the field's bits, its largest code, whether it wraps (angles), and the three width
   * classes' widths and limits (a zigzagged difference below `limits[c]` goes in class c).
   */
  readonly spec: ScalarRelativeSpec;
  readonly #bits: number;
  readonly #maxCode: number;
  readonly #wraps: boolean;
  readonly #path: string;
  /** Widths of classes 0, 1, 2: a quarter, half, three quarters of the bits, rounded up. */
  readonly #widths: readonly [number, number, number];
  /** 2^width of each class: the zigzagged differences below it fit. */
  readonly #limits: readonly [number, number, number];
  /** 32 - bits: a wrapping difference is taken modulo 2^bits by shifting it up and back by this. */
  readonly #shift: number;
  /** The class and the widest class's difference: what `read` peeks at once. */
  readonly #peekBits: number;

  constructor(bits: number, maxCode: number, wraps: boolean, path: string) {
    this.#bits = bits;
    this.#maxCode = maxCode;
    this.#wraps = wraps;
    this.#path = path;
    this.#widths = [Math.ceil(bits / 4), Math.ceil(bits / 2), Math.ceil((3 * bits) / 4)];
    this.#limits = [2 ** this.#widths[0], 2 ** this.#widths[1], 2 ** this.#widths[2]];
    this.#shift = 32 - bits;
    this.#peekBits = CLASS_BITS + this.#widths[2];
    this.spec = Object.freeze({ bits, maxCode, wraps, widths: this.#widths, limits: this.#limits });
  }

  bitLength(code: number, baseline: number): number {
    const width = this.#classOf(this.#zigzag(code, baseline));
    return CLASS_BITS + (width === FULL_CLASS ? this.#bits : (this.#widths[width] as number));
  }

  write(writer: BitWriter, code: number, baseline: number): void {
    this.#requireCode(code);
    const zigzag = this.#zigzag(code, baseline);
    const width = this.#classOf(zigzag);
    if (width !== FULL_CLASS) {
      // The class, then the difference above it: one write of at most 2 + 24 bits.
      writer.writeBits(width + zigzag * 4, CLASS_BITS + (this.#widths[width] as number));
      return;
    }
    writer.writeBits(width, CLASS_BITS);
    writeCode(writer, code, this.#bits, this.#maxCode, this.#path);
  }

  /**
   * What `write` would put down, worked out ahead for a writer that sizes a delta before writing it: the
   * class and the difference above it as one value of `packedBits` bits, or -1 for the full class (then
   * `write` itself). Checks the code as `write` does.
   */
  packed(code: number, baseline: number): number {
    this.#requireCode(code);
    const zigzag = this.#zigzag(code, baseline);
    const width = this.#classOf(zigzag);
    return width === FULL_CLASS ? -1 : width + zigzag * 4;
  }

  /** Bits of a `packed` value: the same as `bitLength` for the code and baseline it was made from. */
  packedBits(packed: number): number {
    return CLASS_BITS + (packed < 0 ? this.#bits : (this.#widths[packed & 3] as number));
  }

  read(reader: BitReader, baseline: number): number {
    // The class and the difference after it in one peek (at most 2 + 24 bits): what the class takes is
    // then skipped. A full code, or a record cut short, takes the reads one by one (and their errors).
    const peeked = reader.peekBits(this.#peekBits);
    const width = peeked & 3;
    let zigzag: number;
    if (width !== FULL_CLASS && CLASS_BITS + (this.#widths[width] as number) <= reader.bitsRemaining) {
      const bits = this.#widths[width] as number;
      reader.skipBits(CLASS_BITS + bits);
      zigzag = (peeked >>> CLASS_BITS) & ((1 << bits) - 1);
    } else {
      readBitsOf(reader, CLASS_BITS, this.#path);
      if (width === FULL_CLASS) {
        const code = readBitsOf(reader, this.#bits, this.#path);
        if (code > this.#maxCode)
          throw malformed(this.#path, `code ${code} is past the largest ${this.#maxCode}`);
        return code;
      }
      zigzag = readBitsOf(reader, this.#widths[width] as number, this.#path);
    }
    // Widths are at most 24 bits, so the un-zigzag fits 32-bit integer arithmetic: 0, 1, 2, 3...
    // stand for 0, -1, 1, -2...
    const difference = (zigzag >>> 1) ^ -(zigzag & 1);
    let code = baseline + difference;
    if (this.#wraps) {
      // Mod 2^bits (maxCode + 1 for angles); the common case, a small turn across 0, needs no division.
      const turn = this.#maxCode + 1;
      if (code < 0 || code >= turn) code = ((code % turn) + turn) % turn;
    }
    if (!(code >= 0 && code <= this.#maxCode)) {
      throw malformed(this.#path, `a change of ${difference} from ${baseline} leaves the field's codes`);
    }
    return code;
  }

  predict(baseline: number, before: number, ahead: number, span: number): number {
    return extrapolateCode(baseline, before, ahead, span, this.#bits, this.#maxCode, this.#wraps);
  }

  #requireCode(code: number): void {
    if (!Number.isInteger(code) || code < 0 || code > this.#maxCode) {
      throw new RangeError(
        `${this.#path}: ${String(code)} is not a code of this field (0..${this.#maxCode})`,
      );
    }
  }

  #zigzag(code: number, baseline: number): number {
    let difference = code - baseline;
    if (this.#wraps) {
      // The shorter way round: a difference in [-2^(bits-1), 2^(bits-1)), sign-extended from the low
      // `bits` bits (a wrapping field has at most 32; the shifts take their operand modulo 2^32 exactly).
      const shift = this.#shift;
      difference = (difference << shift) >> shift;
    }
    return difference >= 0 ? difference * 2 : -difference * 2 - 1;
  }

  #classOf(zigzag: number): number {
    const limits = this.#limits;
    if (zigzag < limits[0]) return 0;
    if (zigzag < limits[1]) return 1;
    return zigzag < limits[2] ? 2 : FULL_CLASS;
  }
}
