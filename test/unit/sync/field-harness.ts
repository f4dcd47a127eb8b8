import { BitReader, BitWriter, ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import type { Field, FieldCode, FieldDeclaration } from 'vehikill-net/sync';
import { expect } from 'vitest';

/** Compiles a standalone declaration under the path tests look for in error messages. */
export function compile<Value, Code extends FieldCode>(
  declaration: FieldDeclaration<Value, Code>,
  path = 'thing.field',
): Field<Value, Code> {
  return declaration.compile(path);
}

/**
 * Writes `code` behind a few bits of padding (so nothing relies on byte alignment) and reads it back.
 * Returns the code read and the bits the write spent.
 */
export function writeAndRead<Value, Code extends FieldCode>(
  field: Field<Value, Code>,
  code: Code,
  padding = 3,
): { code: Code; bits: number } {
  const pattern = 0b101 & (2 ** padding - 1);
  const writer = new BitWriter(1);
  writer.writeBits(pattern, padding);
  field.write(writer, code);
  const bits = writer.bitLength - padding;
  writer.writeBits(1, 1); // a marker after the field: the read must stop exactly before it
  const reader = new BitReader(writer.finish());
  expect(reader.readBits(padding)).toBe(pattern);
  const read = field.read(reader);
  expect(reader.readBits(1)).toBe(1);
  return { code: read, bits };
}

/** Runs a read; returns the message of the BAD_FRAME ProtocolError it throws, or undefined if it returns. */
export function badFrame(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError && error.code === ErrorCode.BAD_FRAME) return error.message;
    throw error;
  }
  return undefined;
}

/** The bits of a frame written by `build`, for feeding a field hand-made input. */
export function bitsOf(build: (writer: BitWriter) => void): BitReader {
  const writer = new BitWriter();
  build(writer);
  return new BitReader(writer.finish());
}

export function snap<Value, Code extends FieldCode>(field: Field<Value, Code>, value: Value): Value {
  return field.dequantize(field.quantize(value));
}
