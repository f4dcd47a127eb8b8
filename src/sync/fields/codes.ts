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
  // The error is made out of line, which keeps this small enough for V8 to inline in hot loops.
  if (bits > reader.bitsRemaining) throw inputEnded(reader, bits, path);
  return reader.readBits(bits);
}

function inputEnded(reader: BitReader, bits: number, path: string): ProtocolError {
  return malformed(path, `needs ${bits} bits, the input has ${reader.bitsRemaining} left`);
}

/** Reads a code and refuses one the field never writes (past the range, past the enum's end...). */
export function readCode(reader: BitReader, bits: number, maxCode: number, path: string): number {
  const code = readBitsOf(reader, bits, path);
  if (code > maxCode) throw malformed(path, `code ${code} is past the largest valid code ${maxCode}`);
  return code;
}

/** A code of another field (or a hand-made one) must not pass silently: a RangeError, a bug to fix. */
function requireCode(code: number, maxCode: number, path: string): void {
  if (!Number.isInteger(code) || code < 0 || code > maxCode) {
    throw new RangeError(`${path}: ${String(code)} is not a code of this field (0..${maxCode})`);
  }
}

/** Writes a code after checking it belongs to the field. */
export function writeCode(
  writer: BitWriter,
  code: number,
  bits: number,
  maxCode: number,
  path: string,
): void {
  requireCode(code, maxCode, path);
  writer.writeBits(code, bits);
}

/*
 * Whole codes of int, float and enum fields are written in truncated binary: of the codes 0..maxCode in
 * `bits` bits, the first `short` = 2^bits − 1 − maxCode (as many as the bit patterns no code uses) take
 * bits − 1 bits and the others `bits`. A field of 20,001 codes then costs 14.36 bits on average instead
 * of 15, and every bit pattern is a valid code. Written as two parts, the top bits − 1 then the last bit,
 * so the first part alone tells a short code (below `short`) from a long one.
 */

/** Codes that take one bit less: 0 when maxCode + 1 is a power of two (every pattern is a code). */
export function shortCodeCount(bits: number, maxCode: number): number {
  return 2 ** bits - 1 - maxCode;
}

/** Bits of `code` in truncated binary. */
export function truncatedBits(code: number, bits: number, short: number): number {
  return code < short ? bits - 1 : bits;
}

/** Writes a code in truncated binary after checking it belongs to the field (as `writeCode`). */
export function writeTruncated(
  writer: BitWriter,
  code: number,
  bits: number,
  maxCode: number,
  short: number,
  path: string,
): void {
  requireCode(code, maxCode, path);
  if (short === 0) {
    writer.writeBits(code, bits);
  } else if (code < short) {
    writer.writeBits(code, bits - 1);
  } else {
    // At most 2^bits − 1, so a 32-bit unsigned value: >>> and & take it whole.
    const long = code + short;
    writer.writeBits(long >>> 1, bits - 1);
    writer.writeBits(long & 1, 1);
  }
}

/** Reads a code written by `writeTruncated`; BAD_FRAME naming `path` when the input ends first. */
export function readTruncated(reader: BitReader, bits: number, short: number, path: string): number {
  if (short === 0) return readBitsOf(reader, bits, path);
  const head = readBitsOf(reader, bits - 1, path);
  if (head < short) return head;
  return head * 2 + readBitsOf(reader, 1, path) - short;
}

/**
 * How a float, int or angle field maps a number to its code, for quantizing a whole state in one loop
 * (state-quantizer.ts) instead of a call per field. `quantize` of such a field computes exactly this:
 * - `offset` (float): clamp(round((value − min) / step), 0, maxCode);
 * - `whole` (int): clamp(round(value) − min, 0, maxCode);
 * - `turn` (angle): round((value % FULL_TURN) / step) mod (maxCode + 1), finite values only.
 * A value of another type, NaN (or a non-finite angle) has no code: the field's own `quantize` throws.
 */
export interface ScalarGrid {
  readonly rounding: 'offset' | 'whole' | 'turn';
  readonly min: number;
  readonly step: number;
  readonly maxCode: number;
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
