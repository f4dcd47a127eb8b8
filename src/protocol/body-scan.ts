/**
 * Arrays and maps inside each other past which a body is refused unread. Far above any message's own
 * nesting (a body map, then free-form data of at most MAX_DATA_DEPTH + 1 levels), so it refuses only what
 * the message's schema would refuse anyway, but before the decoder builds it: a 60 KB frame nested
 * 60,000 deep took the decoder and the depth check 160 ms, stalling every room on the node.
 */
export const MAX_BODY_NESTING = 32;

/** `bodyProblem`'s answer for a body nested past MAX_BODY_NESTING: the frame decoder's INVALID_MESSAGE. */
export const TOO_DEEP = `nested deeper than ${MAX_BODY_NESTING} levels`;

/**
 * `bodyProblem`'s answer for a timestamp beyond a Date's range (a 12-byte one of up to 2^63 seconds):
 * well-formed msgpack, but it would decode to an Invalid Date; refused as the frame decoder's
 * INVALID_MESSAGE, like a value no schema takes.
 */
export const TIMESTAMP_OUT_OF_RANGE = "a timestamp beyond a Date's range";

/** Milliseconds either side of 1970 a Date holds (ECMA-262's time values). */
const MAX_DATE_MS = 8.64e15;

/** The UTF-8 bytes of `__proto__`, the one map key the decoder refuses. */
const PROTO_KEY = [0x5f, 0x5f, 0x70, 0x72, 0x6f, 0x74, 0x6f, 0x5f, 0x5f];
/** msgpack's extension type of timestamps (decoded to `Date`): only 4, 8 or 12 bytes of data decode. */
const TIMESTAMP_EXT = 0xff;

/**
 * Why `bytes[start..]` is not one msgpack value the frame decoder takes, or undefined if it is. Reads the
 * value without building anything: the decoder runs it first (its count and length caps are off: the
 * frame bounds every count), and a sender runs it on what it is about to send, so that both sides apply
 * one rule.
 *
 * What it refuses, as the decoder would: a truncated value, trailing bytes, the never-used type 0xc1, a
 * timestamp of another size than 4, 8 or 12 bytes, a map key that is neither a string nor a number, and
 * the map key `__proto__`. Beyond the decoder: an array or map whose count could not fit in the bytes
 * left. Every item takes at least one byte, so such a value is truncated anyway; refused before the
 * decoder reads it because the decoder allocates an array's slots from its header, and a frame of nested
 * headers each claiming thousands of items took seconds and gigabytes before failing. With this check the
 * items every open array and map still claim together never exceed the bytes left, so what the decoder
 * allocates stays in proportion to the frame.
 */
export function bodyProblem(bytes: Uint8Array, start: number): string | undefined {
  const end = bytes.length;
  let at = start;
  // Items each open array or map still owes (a map owes two per entry: key, value), innermost last, and
  // their sum: each needs at least one byte of what is left.
  const left: number[] = [];
  const maps: boolean[] = [];
  let owed = 0;
  for (;;) {
    if (at >= end) return 'truncated';
    const top = left.length - 1;
    // A map's key is its item at an even count still owed.
    const isKey = top >= 0 && maps[top] === true && (left[top] as number) % 2 === 0;
    if (top >= 0) {
      left[top] = (left[top] as number) - 1;
      owed--;
    }
    const head = bytes[at] as number;
    let count = -1; // items of an array or map (entries of a map count twice)
    let isMap = false;
    let keyable = true; // numbers and strings may be map keys
    if (head <= 0x7f || head >= 0xe0) at += 1;
    else if (head <= 0x8f) {
      count = (head & 0x0f) * 2;
      isMap = true;
      at += 1;
    } else if (head <= 0x9f) {
      count = head & 0x0f;
      at += 1;
    } else if (head <= 0xbf) {
      const length = head & 0x1f;
      if (isKey && length === PROTO_KEY.length && isProtoKey(bytes, at + 1)) return 'the map key __proto__';
      at += 1 + length;
    } else {
      switch (head) {
        case 0xc0:
        case 0xc2:
        case 0xc3:
          keyable = false;
          at += 1;
          break;
        case 0xc1:
          return 'the never-used type 0xc1';
        case 0xc4:
        case 0xc5:
        case 0xc6: {
          const width = 1 << (head - 0xc4);
          if (at + 1 + width > end) return 'truncated';
          keyable = false;
          at += 1 + width + readLength(bytes, at + 1, width);
          break;
        }
        case 0xc7:
        case 0xc8:
        case 0xc9: {
          const width = 1 << (head - 0xc7);
          if (at + 2 + width > end) return 'truncated';
          const length = readLength(bytes, at + 1, width);
          if (bytes[at + 1 + width] === TIMESTAMP_EXT) {
            if (length !== 4 && length !== 8 && length !== 12) return 'a timestamp of a bad size';
            // Only the 12-byte form (64-bit seconds) reaches past a Date; the others stop in 2514.
            if (length === 12 && !timestampFits(bytes, at + 2 + width)) {
              return at + 2 + width + 12 > end ? 'truncated' : TIMESTAMP_OUT_OF_RANGE;
            }
          }
          keyable = false;
          at += 2 + width + length;
          break;
        }
        case 0xca:
          at += 5;
          break;
        case 0xcb:
          at += 9;
          break;
        case 0xcc:
        case 0xcd:
        case 0xce:
        case 0xcf:
          at += 1 + (1 << (head - 0xcc));
          break;
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3:
          at += 1 + (1 << (head - 0xd0));
          break;
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8: {
          const length = 1 << (head - 0xd4);
          if (bytes[at + 1] === TIMESTAMP_EXT && length !== 4 && length !== 8)
            return 'a timestamp of a bad size';
          keyable = false;
          at += 2 + length;
          break;
        }
        case 0xd9:
        case 0xda:
        case 0xdb: {
          const width = 1 << (head - 0xd9);
          if (at + 1 + width > end) return 'truncated';
          const length = readLength(bytes, at + 1, width);
          if (isKey && length === PROTO_KEY.length && isProtoKey(bytes, at + 1 + width)) {
            return 'the map key __proto__';
          }
          at += 1 + width + length;
          break;
        }
        default: {
          // 0xdc, 0xdd: array 16, 32; 0xde, 0xdf: map 16, 32
          isMap = head >= 0xde;
          const width = head === 0xdc || head === 0xde ? 2 : 4;
          if (at + 1 + width > end) return 'truncated';
          count = readLength(bytes, at + 1, width) * (isMap ? 2 : 1);
          at += 1 + width;
        }
      }
    }
    if (isKey && (!keyable || count >= 0)) return 'a map key that is neither a string nor a number';
    if (at > end) return 'truncated';
    if (count > 0) {
      owed += count;
      if (owed > end - at) return `${isMap ? 'a map' : 'an array'} of more items than the bytes left`;
      left.push(count);
      maps.push(isMap);
      if (left.length > MAX_BODY_NESTING) return TOO_DEEP;
    }
    while (left.length > 0 && left[left.length - 1] === 0) {
      left.pop();
      maps.pop();
    }
    if (left.length === 0) return at === end ? undefined : 'trailing bytes';
  }
}

function readLength(bytes: Uint8Array, at: number, width: number): number {
  let value = 0;
  for (let i = 0; i < width; i++) value = value * 256 + (bytes[at + i] as number);
  return value;
}

/** Whether the 12-byte timestamp at `at` ([nanoseconds u32][seconds i64]) decodes to a valid Date. */
function timestampFits(bytes: Uint8Array, at: number): boolean {
  if (at + 12 > bytes.length) return false;
  const nanoseconds = readLength(bytes, at, 4);
  const high = readLength(bytes, at + 4, 4);
  const seconds = (high >= 0x80000000 ? high - 0x100000000 : high) * 2 ** 32 + readLength(bytes, at + 8, 4);
  return Math.abs(seconds * 1000 + nanoseconds / 1e6) <= MAX_DATE_MS;
}

function isProtoKey(bytes: Uint8Array, at: number): boolean {
  for (let i = 0; i < PROTO_KEY.length; i++) if (bytes[at + i] !== PROTO_KEY[i]) return false;
  return true;
}
