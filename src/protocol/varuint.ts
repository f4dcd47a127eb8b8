import { ErrorCode } from './error-codes.js';
import { ProtocolError } from './protocol-error.js';

/** Byte-aligned unsigned LEB128, for frame headers (sequence numbers, TTLs). Max 2^53 - 1. */
export function varUintLength(value: number): number {
  let length = 1;
  let rest = value;
  while (rest >= 0x80) {
    rest = Math.floor(rest / 0x80);
    length++;
  }
  return length;
}

export function writeVarUint(target: Uint8Array, offset: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(`varuint must be a safe non-negative integer`);
  let rest = value;
  let at = offset;
  while (rest >= 0x80) {
    target[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  target[at++] = rest;
  return at;
}

/** Returns the value and the offset after it; a truncated or overlong varuint is `BAD_FRAME`. */
export function readVarUint(source: Uint8Array, offset: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let at = offset; at < source.length && at < offset + 8; at++) {
    const byte = source[at] ?? 0;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      if (!Number.isSafeInteger(value)) break;
      return { value, next: at + 1 };
    }
    scale *= 0x80;
  }
  throw new ProtocolError(ErrorCode.BAD_FRAME, 'truncated or overlong varuint in frame header');
}
