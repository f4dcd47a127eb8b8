import { type BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration, FieldKind } from '../field.js';
import { SchemaError } from '../schema-error.js';
import { wireDescription } from '../wire-description.js';
import {
  bitsForMaxCode,
  readTruncated,
  requireIntegerIn,
  requireOptions,
  type ScalarGrid,
  shortCodeCount,
  truncatedBits,
  writeTruncated,
} from './codes.js';

export interface ListOptions {
  /** The most elements the list holds, 1..255. */
  readonly maxLength: number;
}

/**
 * Inventory slots, ammo per weapon, badge names, lap times: a few values. A collection longer than this
 * is better sent as entities of their own (each with its own change bit) or as room messages.
 */
const MAX_LIST_LENGTH = 255;

/**
 * Element kinds whose code is one number or one text. Vectors and quaternions are left out: a list of
 * positions is things that move, which want what entities get (relative coding, motion prediction,
 * priority, views), and their array codes inside a list's array would need a nested copy, check and hash.
 */
const ELEMENT_KINDS: ReadonlySet<FieldKind> = new Set(['int', 'float', 'angle', 'bool', 'enum', 'string']);

/** An element's code: a number, or the text of a string element. */
type ElementCode = number | string;

/** A list's code: its elements' codes in order (texts for a list of strings). */
export type ListCode<Code extends ElementCode> = Code extends number ? readonly number[] : readonly string[];

type ListCodes = readonly number[] | readonly string[];

/**
 * Up to `maxLength` values of one scalar field type (`list(int({ min: 0, max: 99 }), { maxLength: 8 })`),
 * as a plain array: the length in truncated binary (as a string's byte count), then each element as its
 * field writes it. Each element quantizes as that field would (ints clamp, enums refuse unknown values...)
 * and its errors name its index (`vehicle.ammo[2]: ...`); a longer array is a RangeError, never cut.
 * A change to any element or to the length is a change of the field, which is then written whole: lists
 * have no relative coding, and snap rather than interpolate.
 */
export function list<Value, Code extends ElementCode>(
  element: FieldDeclaration<Value, Code>,
  options: ListOptions,
): FieldDeclaration<Value[], ListCode<Code>> {
  return {
    kind: 'list',
    compile: (path) =>
      new ListField<Value>(path, element, options) as unknown as Field<Value[], ListCode<Code>>,
  };
}

class ListField<Value> implements Field<Value[], ListCodes> {
  readonly kind = 'list';
  readonly path: string;
  readonly bits: number;
  readonly wireDetail: string;
  readonly #maxLength: number;
  readonly #lengthBits: number;
  /** Lengths written one bit shorter (truncated binary, see codes.ts). */
  readonly #shortLengths: number;
  /** One element field per index, so an error names the element: `vehicle.ammo[2]: ...`. */
  readonly #elements: readonly Field<Value, ElementCode>[];
  /** Whether `write` takes a code of the element (the same test for every index). */
  readonly #isElementCode: (code: unknown) => boolean;

  constructor(path: string, element: FieldDeclaration<Value, ElementCode>, options: ListOptions) {
    const given = requireOptions(options, path, 'list');
    const maxLength = requireIntegerIn(given.maxLength, 1, MAX_LIST_LENGTH, path, 'list maxLength');
    const described = compileElement(element, `${path}[]`);
    this.path = path;
    this.#maxLength = maxLength;
    this.#lengthBits = bitsForMaxCode(maxLength);
    this.#shortLengths = shortCodeCount(this.#lengthBits, maxLength);
    this.#elements = Array.from({ length: maxLength }, (_, index) =>
      compileElement(element, `${path}[${index}]`),
    );
    this.#isElementCode = elementCodeTest(described);
    this.bits = this.#lengthBits + maxLength * described.bits;
    this.wireDetail = `${maxLength} ${wireDescription(described)}`;
  }

  quantize(value: Value[]): ListCodes {
    if (!Array.isArray(value)) {
      throw new TypeError(`${this.path}: expected an array, got ${value === null ? 'null' : typeof value}`);
    }
    if (value.length > this.#maxLength) {
      throw new RangeError(`${this.path}: ${value.length} elements, at most ${this.#maxLength} fit`);
    }
    const codes = new Array<ElementCode>(value.length);
    // Indices, not `map`: a hole is an undefined element, refused by its field, not skipped.
    for (let index = 0; index < value.length; index++) {
      codes[index] = this.#element(index).quantize(value[index] as Value);
    }
    return codes as ListCodes;
  }

  dequantize(code: ListCodes): Value[] {
    this.#checkLength(code);
    const values = new Array<Value>(code.length);
    for (let index = 0; index < code.length; index++) {
      values[index] = this.#element(index).dequantize(code[index] as ElementCode);
    }
    return values;
  }

  equals(a: ListCodes, b: ListCodes): boolean {
    if (a.length !== b.length) return false;
    // Element codes are numbers or texts: equal exactly when === (every scalar field's `equals`).
    for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
    return true;
  }

  bitLength(code: ListCodes): number {
    let bits = truncatedBits(code.length, this.#lengthBits, this.#shortLengths);
    for (let index = 0; index < code.length; index++) {
      bits += this.#element(index).bitLength(code[index] as ElementCode);
    }
    return bits;
  }

  write(writer: BitWriter, code: ListCodes): void {
    this.#checkLength(code);
    // Every element is checked before the first bit is written, so a refused code leaves the writer as it was.
    for (let index = 0; index < code.length; index++) {
      if (!this.#isElementCode(code[index])) {
        throw new RangeError(`${this.path}[${index}]: ${String(code[index])} is not a code of this field`);
      }
    }
    writeTruncated(writer, code.length, this.#lengthBits, this.#maxLength, this.#shortLengths, this.path);
    for (let index = 0; index < code.length; index++) {
      this.#element(index).write(writer, code[index] as ElementCode);
    }
  }

  /** Whether `write` takes this code, for checks before a code is kept (codes-check.ts). */
  isCode(code: unknown): boolean {
    if (!Array.isArray(code) || code.length > this.#maxLength) return false;
    for (let index = 0; index < code.length; index++) if (!this.#isElementCode(code[index])) return false;
    return true;
  }

  read(reader: BitReader): ListCodes {
    // Every pattern is a length of 0..maxLength (truncated binary); elements past the input's end are BAD_FRAME.
    const length = readTruncated(reader, this.#lengthBits, this.#shortLengths, this.path);
    const codes = new Array<ElementCode>(length);
    for (let index = 0; index < length; index++) codes[index] = this.#element(index).read(reader);
    return codes as ListCodes;
  }

  #element(index: number): Field<Value, ElementCode> {
    return this.#elements[index] as Field<Value, ElementCode>;
  }

  #checkLength(code: ListCodes): void {
    if (!Array.isArray(code) || code.length > this.#maxLength) {
      throw new RangeError(`${this.path}: expected an array of at most ${this.#maxLength} element codes`);
    }
  }
}

function compileElement<Value>(
  element: FieldDeclaration<Value, ElementCode>,
  path: string,
): Field<Value, ElementCode> {
  if (typeof element !== 'object' || element === null || typeof element.compile !== 'function') {
    throw new SchemaError(path, 'list() needs a field declaration for its elements: int(), string()...');
  }
  if (!ELEMENT_KINDS.has(element.kind)) {
    throw new SchemaError(
      path,
      `a list holds int, float, angle, bool, enum or string elements, not ${String(element.kind)}: ` +
        'make things with a position entities of their own',
    );
  }
  const field = element.compile(path);
  if (field.kind !== element.kind) {
    throw new SchemaError(path, `the element declared as ${element.kind} compiled to a ${field.kind}`);
  }
  return field;
}

/**
 * The element field's test of a code `write` takes: inline for a field on a grid (int, float, angle:
 * an integer in 0..maxCode), else its `isCode` (bool, enum, string), else a try of its `write`.
 */
function elementCodeTest(field: Field<unknown, ElementCode>): (code: unknown) => boolean {
  const grid = (field as { readonly grid?: ScalarGrid }).grid;
  if (grid !== undefined) {
    const maxCode = grid.maxCode;
    // `x >>> 0 === x` holds exactly for the integers in 0..2^32 − 1 (NaN and fractions fail it).
    return (code) => typeof code === 'number' && code >>> 0 === code && code <= maxCode;
  }
  const isCode = (field as { readonly isCode?: unknown }).isCode;
  if (typeof isCode === 'function') return (code) => isCode.call(field, code) === true;
  const scratch = new BitWriter();
  return (code) => {
    if (typeof code !== 'number' && typeof code !== 'string') return false;
    try {
      scratch.reset();
      field.write(scratch, code);
      return true;
    } catch {
      return false;
    }
  };
}
