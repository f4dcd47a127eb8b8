import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import {
  bitsForMaxCode,
  malformed,
  readTruncated,
  requireIntegerIn,
  requireOptions,
  shortCodeCount,
  truncatedBits,
  writeTruncated,
} from './codes.js';

export interface StringOptions {
  /** Upper bound in UTF-8 bytes (not characters: 'é' takes 2, '🚗' takes 4), 1..65,535. */
  readonly maxLength: number;
}

/**
 * Snapshot fields are names, tags and short labels; anything longer belongs in a reliable message, not in
 * state that is re-sent on every change.
 */
const MAX_STRING_BYTES = 65_535;

const encoder = new TextEncoder();
// fatal: malformed UTF-8 from the wire is refused rather than patched; ignoreBOM: a leading U+FEFF is text.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// A separate non-global copy for test(): a global regex keeps lastIndex between calls.
const LONE_SURROGATE = new RegExp(LONE_SURROGATES.source);

/**
 * Text of at most `maxLength` UTF-8 bytes: a byte count in ceil(log2(maxLength + 1)) bits, then the bytes.
 * Its code is the text itself, with lone surrogates replaced by U+FFFD as UTF-8 requires; a longer text
 * is a RangeError, never truncated (a cut could fall inside a character).
 */
export function string(options: StringOptions): FieldDeclaration<string, string> {
  return { kind: 'string', compile: (path) => new StringField(path, options) };
}

class StringField implements Field<string, string> {
  readonly kind = 'string';
  readonly path: string;
  readonly bits: number;
  readonly #maxLength: number;
  readonly #lengthBits: number;
  /** Lengths written one bit shorter (truncated binary, see codes.ts). */
  readonly #shortLengths: number;

  constructor(path: string, options: StringOptions) {
    const given = requireOptions(options, path, 'string');
    this.path = path;
    this.#maxLength = requireIntegerIn(given.maxLength, 1, MAX_STRING_BYTES, path, 'string maxLength');
    this.#lengthBits = bitsForMaxCode(this.#maxLength);
    this.#shortLengths = shortCodeCount(this.#lengthBits, this.#maxLength);
    this.bits = this.#lengthBits + 8 * this.#maxLength;
  }

  quantize(value: string): string {
    if (typeof value !== 'string')
      throw new TypeError(`${this.path}: expected a string, got ${typeof value}`);
    const text = value.replace(LONE_SURROGATES, '\uFFFD');
    const byteLength = utf8Length(text);
    if (byteLength > this.#maxLength) {
      throw new RangeError(`${this.path}: text is ${byteLength} UTF-8 bytes, at most ${this.#maxLength} fit`);
    }
    return text;
  }

  dequantize(code: string): string {
    return code;
  }

  equals(a: string, b: string): boolean {
    return a === b;
  }

  bitLength(code: string): number {
    const length = utf8Length(code);
    return truncatedBits(length, this.#lengthBits, this.#shortLengths) + 8 * length;
  }

  write(writer: BitWriter, code: string): void {
    // A lone surrogate would reach the receiver as U+FFFD: a different code than the one written.
    if (typeof code !== 'string' || LONE_SURROGATE.test(code)) {
      throw new RangeError(`${this.path}: not a code quantize() produces`);
    }
    const bytes = encoder.encode(code);
    writeTruncated(writer, bytes.length, this.#lengthBits, this.#maxLength, this.#shortLengths, this.path);
    for (const byte of bytes) writer.writeBits(byte, 8);
  }

  /** Whether `write` takes this code, for checks before a code is kept (codes-check.ts). */
  isCode(code: unknown): boolean {
    return typeof code === 'string' && !LONE_SURROGATE.test(code) && utf8Length(code) <= this.#maxLength;
  }

  read(reader: BitReader): string {
    const length = readTruncated(reader, this.#lengthBits, this.#shortLengths, this.path);
    if (length * 8 > reader.bitsRemaining)
      throw malformed(this.path, `${length} bytes of text run past the end of the input`);
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index++) bytes[index] = reader.readBits(8);
    try {
      return decoder.decode(bytes);
    } catch (error) {
      throw malformed(this.path, 'text is not valid UTF-8', error);
    }
  }
}

/** UTF-8 byte count without encoding; a lone surrogate counts as the 3-byte U+FFFD it becomes. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
