import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import { SchemaError } from '../schema-error.js';
import {
  bitsForMaxCode,
  MAX_CODE,
  readTruncated,
  shortCodeCount,
  truncatedBits,
  writeTruncated,
} from './codes.js';

/**
 * One of a fixed list of strings, written as its index in ceil(log2(count)) bits (a one-value enum costs
 * nothing). The list's order is the wire format: append new values, never reorder. A value not in the
 * list is a RangeError.
 */
export function enumOf<const Values extends readonly string[]>(
  values: Values,
): FieldDeclaration<Values[number], number> {
  return { kind: 'enum', compile: (path) => new EnumField<Values[number]>(path, values) };
}

class EnumField<Value extends string> implements Field<Value, number> {
  readonly kind = 'enum';
  readonly path: string;
  readonly bits: number;
  readonly #values: readonly Value[];
  readonly wireDetail: string;
  /** Codes written one bit shorter (truncated binary, see codes.ts). */
  readonly #short: number;
  readonly #codeByValue = new Map<string, number>();

  constructor(path: string, values: readonly Value[]) {
    if (!Array.isArray(values)) throw new SchemaError(path, 'enumOf() needs an array of strings');
    if (values.length === 0) throw new SchemaError(path, 'enum has no values');
    if (values.length > MAX_CODE + 1)
      throw new SchemaError(path, `enum has more than ${MAX_CODE + 1} values`);
    for (const [index, value] of values.entries()) {
      if (typeof value !== 'string') {
        throw new SchemaError(path, `enum values must be strings, got ${typeof value} at index ${index}`);
      }
      const earlier = this.#codeByValue.get(value);
      if (earlier !== undefined) {
        throw new SchemaError(path, `enum value '${value}' appears twice (indices ${earlier} and ${index})`);
      }
      this.#codeByValue.set(value, index);
    }
    this.path = path;
    this.#values = [...values];
    this.wireDetail = JSON.stringify(this.#values);
    this.bits = bitsForMaxCode(values.length - 1);
    this.#short = shortCodeCount(this.bits, values.length - 1);
  }

  quantize(value: Value): number {
    const code = this.#codeByValue.get(value);
    if (code === undefined) {
      throw new RangeError(`${this.path}: ${JSON.stringify(value)} is not one of ${this.#listed()}`);
    }
    return code;
  }

  dequantize(code: number): Value {
    const value = this.#values[code];
    if (value === undefined) throw new RangeError(`${this.path}: ${code} is not a code of this enum`);
    return value;
  }

  equals(a: number, b: number): boolean {
    return a === b;
  }

  bitLength(code: number): number {
    return truncatedBits(code, this.bits, this.#short);
  }

  write(writer: BitWriter, code: number): void {
    writeTruncated(writer, code, this.bits, this.#values.length - 1, this.#short, this.path);
  }

  /** Whether `write` takes this code, for checks before a code is kept (codes-check.ts). */
  isCode(code: unknown): boolean {
    return Number.isInteger(code) && (code as number) >= 0 && (code as number) < this.#values.length;
  }

  read(reader: BitReader): number {
    return readTruncated(reader, this.bits, this.#short, this.path);
  }

  #listed(): string {
    const shown = this.#values.slice(0, 8).map((value) => `'${value}'`);
    return this.#values.length > shown.length ? `${shown.join(', ')}, ...` : shown.join(', ');
  }
}
