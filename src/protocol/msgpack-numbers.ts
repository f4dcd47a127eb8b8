/**
 * msgpack numbers as @msgpack/msgpack writes and reads them (no forceFloat32, no BigInt): the smallest
 * integer format that holds a safe integer, a float64 otherwise; any width on reading.
 */

/** Bytes `writeNumber` takes: the smallest msgpack integer that holds a safe integer, else a float64. */
export function numberLength(value: number): number {
  if (!Number.isSafeInteger(value)) return 9;
  if (value >= 0) return value < 0x80 ? 1 : value < 0x100 ? 2 : value < 0x10000 ? 3 : value < 2 ** 32 ? 5 : 9;
  return value >= -0x20 ? 1 : value >= -0x80 ? 2 : value >= -0x8000 ? 3 : value >= -(2 ** 31) ? 5 : 9;
}

const scratch = new DataView(new ArrayBuffer(8));

/** A number as @msgpack/msgpack writes it (no forceFloat32, no BigInt). */
export function writeNumber(frame: Uint8Array, at: number, value: number): void {
  const length = numberLength(value);
  if (length === 1) {
    frame[at] = value >= 0 ? value : 0xe0 | (value + 0x20);
    return;
  }
  if (!Number.isSafeInteger(value)) {
    frame[at] = 0xcb;
    scratch.setFloat64(0, value);
  } else if (value >= 0) {
    frame[at] = length === 2 ? 0xcc : length === 3 ? 0xcd : length === 5 ? 0xce : 0xcf;
    if (length === 9) {
      scratch.setUint32(0, value / 2 ** 32);
      scratch.setUint32(4, value);
    } else scratch.setUint32(0, value * 2 ** (8 * (5 - length)));
  } else {
    frame[at] = length === 2 ? 0xd0 : length === 3 ? 0xd1 : length === 5 ? 0xd2 : 0xd3;
    if (length === 9) {
      scratch.setUint32(0, Math.floor(value / 2 ** 32));
      scratch.setUint32(4, value);
    } else scratch.setInt32(0, value * 2 ** (8 * (5 - length)));
  }
  for (let i = 0; i < length - 1; i++) frame[at + 1 + i] = scratch.getUint8(i);
}

/** Any msgpack number (int or float of any width); undefined for anything else or a short frame. */
export function readNumber(bytes: Uint8Array, at: number): { value: number; next: number } | undefined {
  const head = bytes[at];
  if (head === undefined) return undefined;
  if (head < 0x80) return { value: head, next: at + 1 };
  if (head >= 0xe0) return { value: head - 0x100, next: at + 1 };
  const width = NUMBER_WIDTH[head];
  if (width === undefined || at + 1 + width > bytes.length) return undefined;
  for (let i = 0; i < width; i++) scratch.setUint8(i, bytes[at + 1 + i] as number);
  let value: number;
  switch (head) {
    case 0xca:
      value = scratch.getFloat32(0);
      break;
    case 0xcb:
      value = scratch.getFloat64(0);
      break;
    case 0xcc:
      value = scratch.getUint8(0);
      break;
    case 0xcd:
      value = scratch.getUint16(0);
      break;
    case 0xce:
      value = scratch.getUint32(0);
      break;
    case 0xcf:
      value = scratch.getUint32(0) * 2 ** 32 + scratch.getUint32(4);
      break;
    case 0xd0:
      value = scratch.getInt8(0);
      break;
    case 0xd1:
      value = scratch.getInt16(0);
      break;
    case 0xd2:
      value = scratch.getInt32(0);
      break;
    default:
      value = scratch.getInt32(0) * 2 ** 32 + scratch.getUint32(4);
  }
  return { value, next: at + 1 + width };
}

const NUMBER_WIDTH: Partial<Record<number, number>> = {
  202: 4,
  203: 8,
  204: 1,
  205: 2,
  206: 4,
  207: 8,
  208: 1,
  209: 2,
  210: 4,
  211: 8,
};
