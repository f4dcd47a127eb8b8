import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import { SchemaError } from '../schema-error.js';
import {
  bitsForMaxCode,
  MAX_CODE,
  MAX_CODE_BITS,
  numberToQuantize,
  readTruncated,
  requireFinite,
  requireOptions,
  type ScalarGrid,
  shortCodeCount,
  truncatedBits,
  writeTruncated,
} from './codes.js';
import { MIN_RELATIVE_BITS, ScalarRelativeCodec } from './relative.js';

export interface FloatOptions {
  /** Smallest value. */
  readonly min: number;
  /** Largest value, above `min`. */
  readonly max: number;
  /** Step between representable values, in the field's own unit (0.01 = centimetres for metres). */
  readonly precision: number;
}

/**
 * Past this ratio of magnitude to precision, float64 rounding in `min + code * precision` could reach
 * half a step and break `quantize(dequantize(code)) === code`; below it the error stays under 2^-10 steps.
 */
const MAX_MAGNITUDE_PER_PRECISION = 2 ** 40;

/**
 * A number on the grid min + k * precision, written as k in ceil(log2((max - min) / precision + 1)) bits.
 * When max - min is not a whole number of steps, the top of the grid is the step nearest to max.
 * Values outside the range clamp to the grid's ends; values inside round to the nearest step (halves
 * up); NaN throws, while ±Infinity clamps like any other out-of-range value.
 */
export function float(options: FloatOptions): FieldDeclaration<number, number> {
  return { kind: 'float', compile: (path) => new FloatField(path, options) };
}

export class FloatField implements Field<number, number> {
  readonly kind = 'float';
  readonly path: string;
  readonly bits: number;
  readonly #min: number;
  readonly #precision: number;
  readonly #maxCode: number;
  /** Codes written one bit shorter (truncated binary, see codes.ts). */
  readonly #short: number;
  readonly relative?: ScalarRelativeCodec;
  /** What `quantize` computes, for state-quantizer.ts. */
  readonly grid: ScalarGrid;

  constructor(path: string, options: FloatOptions) {
    const given = requireOptions(options, path, 'float');
    const min = requireFinite(given.min, path, 'float min');
    const max = requireFinite(given.max, path, 'float max');
    const precision = requireFinite(given.precision, path, 'float precision');
    if (min >= max) throw new SchemaError(path, `float range is empty: min ${min} must be below max ${max}`);
    if (precision <= 0) throw new SchemaError(path, `float precision must be above 0, got ${precision}`);
    // Rounding rather than flooring also absorbs float noise such as 2000 / 0.01 = 199999.99999999997.
    const steps = Math.round((max - min) / precision);
    if (steps < 1) {
      throw new SchemaError(
        path,
        `float range ${min}..${max} is narrower than half its precision ${precision}`,
      );
    }
    if (steps > MAX_CODE) {
      throw new SchemaError(
        path,
        `float range ${min}..${max} at precision ${precision} needs more than ${MAX_CODE_BITS} bits`,
      );
    }
    const magnitude = Math.max(Math.abs(min), Math.abs(max));
    if (magnitude / precision > MAX_MAGNITUDE_PER_PRECISION) {
      throw new SchemaError(
        path,
        `float precision ${precision} is too fine for float64 at magnitude ${magnitude}`,
      );
    }
    this.path = path;
    this.#min = min;
    this.#precision = precision;
    this.#maxCode = steps;
    this.bits = bitsForMaxCode(steps);
    this.#short = shortCodeCount(this.bits, steps);
    this.grid = Object.freeze({ rounding: 'offset', min, step: precision, maxCode: steps });
    if (this.bits >= MIN_RELATIVE_BITS) {
      this.relative = new ScalarRelativeCodec(this.bits, steps, false, path);
    }
  }

  quantize(value: number): number {
    const step = Math.round((numberToQuantize(value, this.path) - this.#min) / this.#precision);
    // Clamping the step rather than the value keeps every grid point, even one just above max, a fixed point.
    return Math.min(this.#maxCode, Math.max(0, step));
  }

  dequantize(code: number): number {
    return this.#min + code * this.#precision;
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

  /**
   * Whether `write` takes this code, for vectors that check every component before writing any, and for
   * checks before a code is kept (codes-check.ts).
   */
  isCode(code: unknown): boolean {
    return Number.isInteger(code) && (code as number) >= 0 && (code as number) <= this.#maxCode;
  }

  read(reader: BitReader): number {
    return readTruncated(reader, this.bits, this.#short, this.path);
  }
}
