import { readNumber } from './msgpack-numbers.js';

/**
 * Hand-read ClientRoomMessage bodies of the shape games send many times a second: `{t, m?, d?}` in that
 * order, with an ASCII type of 1-64 characters, `m` a membership number (0-255) and `d` a scalar or a
 * flat array of at most 15 scalars (numbers, booleans, nil), such as an input `[seq, throttle, steer]`.
 * Undefined for anything else, which then goes through the generic decoder and schema: what is read here
 * is exactly what they would give (such a `d` is always within the nesting limit), without their
 * per-message decoder state and schema walk.
 */
export function readClientRoomMessage(
  bytes: Uint8Array,
  offset: number,
): { t: string; m?: number; d?: unknown } | undefined {
  const head = bytes[offset];
  if (head !== 0x81 && head !== 0x82 && head !== 0x83) return undefined;
  if (bytes[offset + 1] !== 0xa1 || bytes[offset + 2] !== 0x74) return undefined; // key 't'
  let at = offset + 3;
  const stringHead = bytes[at];
  let length: number;
  if (stringHead !== undefined && stringHead > 0xa0 && stringHead <= 0xbf) {
    length = stringHead & 0x1f;
    at += 1;
  } else if (stringHead === 0xd9 && at + 2 <= bytes.length && (bytes[at + 1] as number) <= 64) {
    length = bytes[at + 1] as number;
    at += 2;
  } else return undefined;
  if (length < 1 || at + length > bytes.length) return undefined;
  let t = '';
  for (let i = at; i < at + length; i++) {
    const code = bytes[i] as number;
    if (code >= 0x80) return undefined; // not ASCII: the generic UTF-8 decoder's business
    t += String.fromCharCode(code);
  }
  at += length;
  if (head === 0x81) return at === bytes.length ? { t } : undefined;
  let m: number | undefined;
  if (bytes[at] === 0xa1 && bytes[at + 1] === 0x6d) {
    // key 'm': a positive fixint, or a uint8 (128-255; any other width is the generic path's)
    const numberHead = bytes[at + 2];
    if (numberHead !== undefined && numberHead <= 0x7f) {
      m = numberHead;
      at += 3;
    } else if (numberHead === 0xcc && at + 4 <= bytes.length) {
      m = bytes[at + 3] as number;
      at += 4;
    } else return undefined;
    if (head === 0x82) return at === bytes.length ? { t, m } : undefined;
  } else if (head === 0x83) return undefined; // three entries in another order
  if (bytes[at] !== 0xa1 || bytes[at + 1] !== 0x64) return undefined; // key 'd'
  at += 2;
  const arrayHead = bytes[at];
  let d: unknown;
  if (arrayHead !== undefined && arrayHead >= 0x90 && arrayHead <= 0x9f) {
    const items: unknown[] = [];
    at += 1;
    for (let i = 0; i < (arrayHead & 0x0f); i++) {
      const scalar = readScalar(bytes, at);
      if (scalar === undefined) return undefined;
      items.push(scalar.value);
      at = scalar.next;
    }
    d = items;
  } else {
    const scalar = readScalar(bytes, at);
    if (scalar === undefined) return undefined;
    d = scalar.value;
    at = scalar.next;
  }
  if (at !== bytes.length) return undefined;
  return m === undefined ? { t, d } : { t, m, d };
}

function readScalar(
  bytes: Uint8Array,
  at: number,
): { value: number | boolean | null; next: number } | undefined {
  const head = bytes[at];
  if (head === 0xc0) return { value: null, next: at + 1 };
  if (head === 0xc2) return { value: false, next: at + 1 };
  if (head === 0xc3) return { value: true, next: at + 1 };
  return readNumber(bytes, at);
}
