import type { BitReader, BitWriter } from '../../protocol/index.js';
import type { Field, FieldDeclaration } from '../field.js';
import { readCode, writeCode } from './codes.js';

/** A boolean in one bit. Anything but `true` or `false` is a TypeError, not coerced. */
export function bool(): FieldDeclaration<boolean, number> {
  return { kind: 'bool', compile: (path) => new BoolField(path) };
}

class BoolField implements Field<boolean, number> {
  readonly kind = 'bool';
  readonly path: string;
  readonly bits = 1;

  constructor(path: string) {
    this.path = path;
  }

  quantize(value: boolean): number {
    if (typeof value !== 'boolean')
      throw new TypeError(`${this.path}: expected a boolean, got ${typeof value}`);
    return value ? 1 : 0;
  }

  dequantize(code: number): boolean {
    return code === 1;
  }

  equals(a: number, b: number): boolean {
    return a === b;
  }

  bitLength(): number {
    return this.bits;
  }

  write(writer: BitWriter, code: number): void {
    writeCode(writer, code, this.bits, 1, this.path);
  }

  /** Whether `write` takes this code, for checks before a code is kept (codes-check.ts). */
  isCode(code: unknown): boolean {
    return code === 0 || code === 1;
  }

  read(reader: BitReader): number {
    return readCode(reader, this.bits, 1, this.path);
  }
}
