import { type BitReader, type BitWriter, ErrorCode, ProtocolError } from '../../protocol/index.js';
import { SchemaError } from '../schema-error.js';

/** A scalar code is written with one `BitWriter.writeBits` call, which takes at most 32 bits. */
export const MAX_CODE_BITS = 32;
export const MAX_CODE = 2 ** MAX_CODE_BITS - 1;

/** Bits that hold every code in 0..maxCode (maxCode at most 2^32 - 1). */
export function bitsForMaxCode(maxCode: number): number {
  return 32 - Math.clz32(maxCode);
}

export function malformed(path: string, problem: string, cause?: unknown): ProtocolError {
  return new ProtocolError(ErrorCode.BAD_FRAME, `${path}: ${problem}`, cause === undefined ? {} : { cause });
}

/** Reads `bits` bits, or throws BAD_FRAME naming `path` when the input ends first. */
export function readBitsOf(reader: BitReader, bits: number, path: string): number {
  if (bits > reader.bitsRemaining) {
    throw malformed(path, `needs ${bits} bits, the input has ${reader.bitsRemaining} left`);
  }
  return reader.readBits(bits);
}

/** Reads a code and refuses one the field never writes (past the range, past the enum's end...). */
export function readCode(reader: BitReader, bits: number, maxCode: number, path: string): number {
  const code = readBitsOf(reader, bits, path);
  if (code > maxCode) throw malformed(path, `code ${code} is past the largest valid code ${maxCode}`);
  return code;
}

/** Writes a code after checking it belongs to the field: a code of another field must not pass silently. */
export function writeCode(
  writer: BitWriter,
  code: number,
  bits: number,
  maxCode: number,
  path: string,
): void {
  if (!Number.isInteger(code) || code < 0 || code > maxCode) {
    throw new RangeError(`${path}: ${String(code)} is not a code of this field (0..${maxCode})`);
  }
  writer.writeBits(code, bits);
}

/** The number to quantize: a TypeError for another type, a RangeError for NaN, which has no code. */
export function numberToQuantize(value: unknown, path: string): number {
  if (typeof value !== 'number') throw new TypeError(`${path}: expected a number, got ${typeof value}`);
  if (Number.isNaN(value)) throw new RangeError(`${path}: NaN cannot be quantized`);
  return value;
}

export function requireOptions(options: unknown, path: string, kind: string): Record<string, unknown> {
  if (typeof options !== 'object' || options === null) {
    throw new SchemaError(path, `${kind}() needs an options object`);
  }
  return options as Record<string, unknown>;
}

export function requireFinite(value: unknown, path: string, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SchemaError(path, `${what} must be a finite number, got ${String(value)}`);
  }
  return value;
}

export function requireIntegerIn(
  value: unknown,
  low: number,
  high: number,
  path: string,
  what: string,
): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) {
    throw new SchemaError(path, `${what} must be an integer in ${low}..${high}, got ${String(value)}`);
  }
  return value;
}
