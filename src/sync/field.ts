import type { BitReader, BitWriter } from '../protocol/index.js';
import type { RelativeCodec } from './fields/relative.js';

export type FieldKind =
  | 'int'
  | 'float'
  | 'angle'
  | 'bool'
  | 'enum'
  | 'vec2'
  | 'vec3'
  | 'quaternion'
  | 'string'
  | 'list';

/**
 * A quantized value as the wire carries it: an integer code for scalars, a tuple of codes for vectors and
 * quaternions, the (well-formed) text itself for strings, its elements' codes for a list (numbers, or
 * texts for a list of strings). Codes are compared to build change masks.
 */
export type FieldCode = number | string | readonly number[] | readonly string[];

/**
 * The codec of one declared field. `quantize` maps a value to its code, `dequantize` maps a code back to
 * the exact value the simulation should hold; `quantize(dequantize(code))` returns `code` for every code
 * `quantize` or `read` produce, so state snapped once stays put however often it is snapped again.
 */
export interface Field<Value = unknown, Code extends FieldCode = FieldCode> {
  readonly kind: FieldKind;
  /** Where the field sits, `entity.field` (vector components add `.x`, `.y`, `.z`); errors start with it. */
  readonly path: string;
  /**
   * The most bits an encoding takes: int, float, enum codes and string lengths are written in truncated
   * binary (see fields/codes.ts), so some take one bit less; strings add up to `maxLength` bytes.
   */
  readonly bits: number;
  /** Throws a TypeError for a value of the wrong type, a RangeError for one with no code (NaN, too long). */
  quantize(value: Value): Code;
  dequantize(code: Code): Value;
  equals(a: Code, b: Code): boolean;
  /** Exact bits `write` spends on this code (at most `bits`). */
  bitLength(code: Code): number;
  /** Throws a RangeError for a code this field could not have produced. */
  write(writer: BitWriter, code: Code): void;
  /**
   * Throws a ProtocolError `BAD_FRAME` on truncated input or a code this field never writes (in truncated
   * binary every bit pattern is a code).
   */
  read(reader: BitReader): Code;
  /** Numeric fields of 6 bits or more: the code written relative to a baseline's (see `RelativeCodec`). */
  readonly relative?: RelativeCodec<Code>;
  /**
   * What the kind, bits and grid leave out about what a code means (an enum's values, a vector's
   * component grid): part of the schema fingerprint a client checks its types against.
   */
  readonly wireDetail?: string;
}

/**
 * What `int()`, `float()`... return: the options, checked and turned into a `Field` when `entity()` (or
 * a caller holding a standalone declaration) compiles it under a path, so errors can name the field.
 */
export interface FieldDeclaration<Value = unknown, Code extends FieldCode = FieldCode> {
  readonly kind: FieldKind;
  /** Throws a SchemaError naming `path` when the options are invalid. */
  compile(path: string): Field<Value, Code>;
}

export type ValueOf<Declaration> =
  Declaration extends FieldDeclaration<infer Value, FieldCode> ? Value : never;

export type FieldOf<Declaration> =
  Declaration extends FieldDeclaration<infer Value, infer Code> ? Field<Value, Code> : never;
