import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import { SchemaError } from '../schema-error.js';
import {
  bitsForMaxCode,
  MAX_CODE,
  MAX_CODE_BITS,
  numberToQuantize,
  readTruncated,
  requireOptions,
  type ScalarGrid,
  shortCodeCount,
  truncatedBits,
  writeTruncated,
} from './codes.js';
import { MIN_RELATIVE_BITS, ScalarRelativeCodec } from './relative.js';

export interface IntOptions {
  /** Smallest value, a safe integer. */
  readonly min: number;
  /** Largest value, a safe integer above `min`; at most 2^32 values fit one field. */
  readonly max: number;
}

/**
 * An integer in [min, max], written as `value - min` in ceil(log2(max - min + 1)) bits. Values outside
 * the range clamp to its ends; fractions round to the nearest integer (halves up), NaN throws.
 */
export function int(options: IntOptions): FieldDeclaration<number, number> {
  return { kind: 'int', compile: (path) => new IntField(path, options) };
}

class IntField implements Field<number, number> {
  readonly kind = 'int';
  readonly path: string;
  readonly bits: number;
  readonly #min: number;
  readonly #maxCode: number;
  /** Codes written one bit shorter (truncated binary, see codes.ts). */
  readonly #short: number;
  readonly relative?: ScalarRelativeCodec;
  /** What `quantize` computes, for state-quantizer.ts. */
  readonly grid: ScalarGrid;

  constructor(path: string, options: IntOptions) {
    const { min, max } = requireOptions(options, path, 'int');
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max)) {
      throw new SchemaError(
        path,
        `int min and max must be safe integers, got ${String(min)} and ${String(max)}`,
      );
    }
    const low = min as number;
    const high = max as number;
    if (low >= high) throw new SchemaError(path, `int range is empty: min ${low} must be below max ${high}`);
    if (high - low > MAX_CODE) {
      throw new SchemaError(path, `int range ${low}..${high} needs more than ${MAX_CODE_BITS} bits`);
    }
    this.path = path;
    this.#min = low;
    this.#maxCode = high - low;
    this.bits = bitsForMaxCode(this.#maxCode);
    this.#short = shortCodeCount(this.bits, this.#maxCode);
    this.grid = Object.freeze({ rounding: 'whole', min: low, step: 1, maxCode: this.#maxCode });
    if (this.bits >= MIN_RELATIVE_BITS) {
      this.relative = new ScalarRelativeCodec(this.bits, this.#maxCode, false, path);
    }
  }

  quantize(value: number): number {
    const offset = Math.round(numberToQuantize(value, this.path)) - this.#min;
    return Math.min(this.#maxCode, Math.max(0, offset));
  }

  dequantize(code: number): number {
    return this.#min + code;
  }

  equals(a: number, b: number): boolean {
    return a === b;
  }

  bitLength(code: number): number {
    return truncatedBits(code, this.bits, this.#short);
  }

  write(writer: BitWriter, code: number): void {
    writeTruncated(writer, code, this.bits, this.#maxCode, this.#short, this.path);
  }

  read(reader: BitReader): number {
    return readTruncated(reader, this.bits, this.#short, this.path);
  }
}
