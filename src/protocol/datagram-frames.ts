import { allocateFrame } from './frame-slab.js';
import { Kind } from './kinds.js';
import { MAX_PEER_DATA_BYTES } from './messages.js';
import { numberLength, readNumber, writeNumber } from './msgpack-numbers.js';

/**
 * Hand-written codec for the two kinds that carry every input and every snapshot in TCP mode
 * (DatagramToServer, DatagramFromServer): the same msgpack bytes the generic codec writes, without its
 * per-message encoder state, intermediate copies and schema walk. Decoding takes only the exact shape
 * our encoders write and returns undefined for anything else, which then goes through the generic
 * decoder: so whatever is accepted here is accepted there with the same result, and every malformed
 * frame still fails there with its usual error.
 */

// msgpack fixstr of one character: the keys c, p and t.
const KEY_C = [0xa1, 0x63] as const;
const KEY_P = [0xa1, 0x70] as const;
const KEY_T = [0xa1, 0x74] as const;
/** Largest batch of a DatagramToServer (the schema's limit). */
const MAX_BATCH = 64;

/** `DatagramFromServer {c, p, t}`: byte for byte what `encodeMessage` writes for that body. */
export function encodeDatagramFromServer(c: number, p: Uint8Array, t: number): Uint8Array {
  const frame = allocateFrame(1 + 1 + 3 + 2 + binHeaderLength(p.length) + p.length + 2 + numberLength(t));
  frame[0] = Kind.DatagramFromServer;
  frame[1] = 0x83;
  let at = writeChannel(frame, 2, c);
  at = writeKey(frame, at, KEY_P);
  at = writeBin(frame, at, p);
  at = writeKey(frame, at, KEY_T);
  writeNumber(frame, at, t);
  return frame;
}

/**
 * `DatagramFromServer {c, p, t}` where `p` is the byte `tag` followed by `body`: the same bytes as
 * `encodeDatagramFromServer(c, [tag, ...body], t)`, written in place (a snapshot goes out with one copy).
 */
export function encodeTaggedDatagramFromServer(
  c: number,
  tag: number,
  body: Uint8Array,
  t: number,
): Uint8Array {
  const length = 1 + body.length;
  const frame = allocateFrame(1 + 1 + 3 + 2 + binHeaderLength(length) + length + 2 + numberLength(t));
  frame[0] = Kind.DatagramFromServer;
  frame[1] = 0x83;
  let at = writeChannel(frame, 2, c);
  at = writeKey(frame, at, KEY_P);
  at = writeBinHeader(frame, at, length);
  frame[at] = tag;
  frame.set(body, at + 1);
  at = writeKey(frame, at + length, KEY_T);
  writeNumber(frame, at, t);
  return frame;
}

/** `DatagramToServer {c, p}`: byte for byte what `encodeMessage` writes for that body. */
export function encodeDatagramToServer(c: number, p: readonly Uint8Array[]): Uint8Array {
  let length = 1 + 1 + 3 + 2 + (p.length < 16 ? 1 : p.length < 0x10000 ? 3 : 5);
  for (const payload of p) length += binHeaderLength(payload.length) + payload.length;
  const frame = allocateFrame(length);
  frame[0] = Kind.DatagramToServer;
  frame[1] = 0x82;
  let at = writeChannel(frame, 2, c);
  at = writeKey(frame, at, KEY_P);
  if (p.length < 16) frame[at++] = 0x90 | p.length;
  else if (p.length < 0x10000) {
    frame[at++] = 0xdc;
    frame[at++] = p.length >>> 8;
    frame[at++] = p.length & 0xff;
  } else {
    frame[at++] = 0xdd;
    at = writeU32(frame, at, p.length);
  }
  for (const payload of p) at = writeBin(frame, at, payload);
  return frame;
}

/**
 * The body of a DatagramToServer starting at `offset` (just after the kind byte), if it has the exact
 * shape `encodeDatagramToServer` writes and passes the schema (channel 0-3, 1-64 payloads of at most
 * 16 KiB, nothing after it); undefined otherwise. Payloads are views into `bytes`, as the generic
 * decoder's are.
 */
export function readDatagramToServer(
  bytes: Uint8Array,
  offset: number,
): { c: number; p: Uint8Array[] } | undefined {
  let at = offset;
  if (bytes[at++] !== 0x82) return undefined;
  const c = readChannel(bytes, at);
  if (c === undefined) return undefined;
  at += 3;
  if (!hasKey(bytes, at, KEY_P)) return undefined;
  at += 2;
  const head = bytes[at++];
  let count: number;
  if (head === undefined) return undefined;
  if (head >= 0x91 && head <= 0x9f) count = head & 0x0f;
  else if (head === 0xdc && at + 2 <= bytes.length) {
    count = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    at += 2;
  } else return undefined;
  if (count < 1 || count > MAX_BATCH) return undefined;
  const p: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const bin = readBin(bytes, at);
    if (bin === undefined) return undefined;
    p.push(bin);
    at = bin.byteOffset - bytes.byteOffset + bin.length;
  }
  return at === bytes.length ? { c, p } : undefined;
}

/** Where the channel of a DatagramToServer frame is, in the shape `readSingleDatagramToServer` accepts. */
export const SINGLE_DATAGRAM_CHANNEL_AT = 4;

/**
 * A whole DatagramToServer frame (`bytes[0]` its kind) carrying exactly one payload on a data channel
 * (0-2; the channel is `bytes[SINGLE_DATAGRAM_CHANNEL_AT]`): that payload, as a Uint8Array view into
 * `bytes`; undefined for any other frame. Every input in TCP mode is one, so this reads it without the
 * decoded frame, message and batch objects. What it accepts, `decodeFrame` accepts with the same payload.
 */
export function readSingleDatagramToServer(bytes: Uint8Array): Uint8Array | undefined {
  const channel = bytes[SINGLE_DATAGRAM_CHANNEL_AT];
  if (
    bytes[0] !== Kind.DatagramToServer ||
    bytes[1] !== 0x82 ||
    !hasKey(bytes, 2, KEY_C) ||
    channel === undefined ||
    channel > 2 ||
    !hasKey(bytes, 5, KEY_P) ||
    bytes[7] !== 0x91
  )
    return undefined;
  const start = binStart(bytes, 8);
  if (start < 0) return undefined;
  const length = binLength(bytes, 8);
  if (length > MAX_PEER_DATA_BYTES || start + length !== bytes.length) return undefined;
  return new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
}

/** A DatagramFromServer read by `readDatagramFromServerFrame`, into a record its caller keeps. */
export interface DatagramFromServerFields {
  c: number;
  p: Uint8Array;
  t: number;
}

/**
 * A whole DatagramFromServer frame (`bytes[0]` its kind) in the shape our server writes: its fields
 * into `into` (`p` a plain Uint8Array view into `bytes`, also when `bytes` is a Node Buffer), and true;
 * false for any other frame, which then goes through `decodeFrame`. Every snapshot in TCP mode is one,
 * so the client reads it without the decoded frame, message and body objects. What it accepts,
 * `decodeFrame` accepts with the same fields.
 */
export function readDatagramFromServerFrame(bytes: Uint8Array, into: DatagramFromServerFields): boolean {
  if (bytes[0] !== Kind.DatagramFromServer || bytes[1] !== 0x83) return false;
  const c = readChannel(bytes, 2);
  if (c === undefined || !hasKey(bytes, 5, KEY_P)) return false;
  const start = binStart(bytes, 7);
  if (start < 0) return false;
  const length = binLength(bytes, 7);
  const keyAt = start + length;
  if (length > MAX_PEER_DATA_BYTES || keyAt > bytes.length || !hasKey(bytes, keyAt, KEY_T)) return false;
  const t = readNumber(bytes, keyAt + 2);
  if (t === undefined || t.next !== bytes.length || !Number.isFinite(t.value)) return false;
  into.c = c;
  into.p = new Uint8Array(bytes.buffer, bytes.byteOffset + start, length);
  into.t = t.value;
  return true;
}

/** The body of a DatagramFromServer, as `readDatagramToServer` does it (`t` any finite number). */
export function readDatagramFromServer(
  bytes: Uint8Array,
  offset: number,
): { c: number; p: Uint8Array; t: number } | undefined {
  let at = offset;
  if (bytes[at++] !== 0x83) return undefined;
  const c = readChannel(bytes, at);
  if (c === undefined) return undefined;
  at += 3;
  if (!hasKey(bytes, at, KEY_P)) return undefined;
  at += 2;
  const p = readBin(bytes, at);
  if (p === undefined) return undefined;
  at = p.byteOffset - bytes.byteOffset + p.length;
  if (!hasKey(bytes, at, KEY_T)) return undefined;
  at += 2;
  const t = readNumber(bytes, at);
  return t !== undefined && t.next === bytes.length && Number.isFinite(t.value)
    ? { c, p, t: t.value }
    : undefined;
}

function writeKey(frame: Uint8Array, at: number, key: readonly [number, number]): number {
  frame[at] = key[0];
  frame[at + 1] = key[1];
  return at + 2;
}

function hasKey(bytes: Uint8Array, at: number, key: readonly [number, number]): boolean {
  return bytes[at] === key[0] && bytes[at + 1] === key[1];
}

/** Key `c` and a link channel, which the schema bounds to 0-3 (a positive fixint). */
function writeChannel(frame: Uint8Array, at: number, c: number): number {
  if (!(Number.isInteger(c) && c >= 0 && c <= 3)) throw new RangeError(`not a link channel: ${c}`);
  const next = writeKey(frame, at, KEY_C);
  frame[next] = c;
  return next + 1;
}

function readChannel(bytes: Uint8Array, at: number): number | undefined {
  if (!hasKey(bytes, at, KEY_C)) return undefined;
  const c = bytes[at + 2];
  return c !== undefined && c <= 3 ? c : undefined;
}

function binHeaderLength(length: number): number {
  return length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

function writeBin(frame: Uint8Array, at: number, payload: Uint8Array): number {
  const next = writeBinHeader(frame, at, payload.length);
  frame.set(payload, next);
  return next + payload.length;
}

function writeBinHeader(frame: Uint8Array, at: number, length: number): number {
  let next = at;
  if (length < 0x100) {
    frame[next++] = 0xc4;
    frame[next++] = length;
  } else if (length < 0x10000) {
    frame[next++] = 0xc5;
    frame[next++] = length >>> 8;
    frame[next++] = length & 0xff;
  } else {
    frame[next++] = 0xc6;
    next = writeU32(frame, next, length);
  }
  return next;
}

/** A bin of at most MAX_PEER_DATA_BYTES that fits in `bytes`, as a view. */
function readBin(bytes: Uint8Array, at: number): Uint8Array | undefined {
  const head = bytes[at];
  let length: number;
  let start: number;
  if (head === 0xc4 && at + 2 <= bytes.length) {
    length = bytes[at + 1] as number;
    start = at + 2;
  } else if (head === 0xc5 && at + 3 <= bytes.length) {
    length = ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
    start = at + 3;
  } else return undefined;
  if (length > MAX_PEER_DATA_BYTES || start + length > bytes.length) return undefined;
  return bytes.subarray(start, start + length);
}

function writeU32(frame: Uint8Array, at: number, value: number): number {
  frame[at] = value >>> 24;
  frame[at + 1] = (value >>> 16) & 0xff;
  frame[at + 2] = (value >>> 8) & 0xff;
  frame[at + 3] = value & 0xff;
  return at + 4;
}

/**
 * Where the bytes of a msgpack bin 8 or bin 16 whose header is at `at` start; -1 for another type or a
 * header cut short. Payloads here are under 64 KiB, so bin 32 never appears in our frames.
 */
function binStart(bytes: Uint8Array, at: number): number {
  const head = bytes[at];
  if (head === 0xc4) return bytes.length >= at + 2 ? at + 2 : -1;
  if (head === 0xc5) return bytes.length >= at + 3 ? at + 3 : -1;
  return -1;
}

/** The length of the bin whose header `binStart` found at `at`. */
function binLength(bytes: Uint8Array, at: number): number {
  return bytes[at] === 0xc4
    ? (bytes[at + 1] as number)
    : ((bytes[at + 1] as number) << 8) | (bytes[at + 2] as number);
}
