import { Decoder, Encoder } from '@msgpack/msgpack';
import * as v from 'valibot';
import { bodyProblem, TIMESTAMP_OUT_OF_RANGE, TOO_DEEP } from './body-scan.js';
import { readDatagramFromServer, readDatagramToServer } from './datagram-frames.js';
import { ErrorCode } from './error-codes.js';
import { refuseFlattenedValues } from './flattened-values.js';
import { allocateFrame } from './frame-slab.js';
import { Kind } from './kinds.js';
import { type Body, type BodyKind, connectionKinds, type Message, schemaByKind } from './messages.js';
import { ProtocolError } from './protocol-error.js';
import { readClientRoomMessage } from './room-message-frames.js';
import { readVarUint, varUintLength, writeVarUint } from './varuint.js';

/**
 * Frame layout (docs/protocol.md):
 *   bare:      [kind u8][msgpack body]
 *   reliable:  [0x08][seq varuint][kind u8][msgpack body]
 *   expiring:  [0x09][seq varuint][ttl ms varuint][kind u8][msgpack body]
 */
export type DecodedFrame =
  | { envelope: 'bare'; message: Message }
  | { envelope: 'reliable'; seq: number; message: Message }
  | { envelope: 'expiring'; seq: number; ttlMs: number; message: Message };

// An ArrayBuffer, Map or Set would be written as an empty map: refused instead (flattened-values.ts).
const encoder = new Encoder({ ignoreUndefined: true, extensionCodec: refuseFlattenedValues });
// No caps on counts or lengths: a string, an array or a map can hold no more than the frame has bytes, so
// any cap below the frame's size would only refuse data that fits. `bodyProblem` runs first and refuses a
// count that the bytes left cannot hold, which bounds what the decoder allocates by the frame's size.
const decoder = new Decoder();

export function encodeMessage<K extends BodyKind>(kind: K, body: Body<K>): Uint8Array {
  const payload = encoder.encode(body);
  const frame = new Uint8Array(1 + payload.length);
  frame[0] = kind;
  frame.set(payload, 1);
  return frame;
}

/** Wraps an encoded message in the reliable envelope. */
export function wrapReliable(seq: number, inner: Uint8Array): Uint8Array {
  const frame = allocateFrame(1 + varUintLength(seq) + inner.length);
  frame[0] = Kind.Reliable;
  const at = writeVarUint(frame, 1, seq);
  frame.set(inner, at);
  return frame;
}

/** Wraps an encoded message in the expiring envelope; `ttlMs` is what remains of its life. */
export function wrapExpiring(seq: number, ttlMs: number, inner: Uint8Array): Uint8Array {
  const ttl = Math.max(0, Math.round(ttlMs));
  const frame = new Uint8Array(1 + varUintLength(seq) + varUintLength(ttl) + inner.length);
  frame[0] = Kind.Expiring;
  let at = writeVarUint(frame, 1, seq);
  at = writeVarUint(frame, at, ttl);
  frame.set(inner, at);
  return frame;
}

/**
 * Decodes and validates one frame. `accepted` is the set of kinds this side may receive.
 * Every failure is a ProtocolError with a stable code; no other exception escapes.
 */
export function decodeFrame(bytes: Uint8Array, accepted: ReadonlySet<number>): DecodedFrame {
  const kind = bytes[0];
  if (kind === undefined) throw new ProtocolError(ErrorCode.BAD_FRAME, 'empty frame');
  if (kind === Kind.Reliable) {
    const { value: seq, next } = readVarUint(bytes, 1);
    return { envelope: 'reliable', seq, message: decodeInner(bytes, next, accepted) };
  }
  if (kind === Kind.Expiring) {
    const seqField = readVarUint(bytes, 1);
    const ttlField = readVarUint(bytes, seqField.next);
    return {
      envelope: 'expiring',
      seq: seqField.value,
      ttlMs: ttlField.value,
      message: decodeInner(bytes, ttlField.next, accepted),
    };
  }
  return { envelope: 'bare', message: decodeBody(bytes, 0, accepted) };
}

function decodeInner(bytes: Uint8Array, offset: number, accepted: ReadonlySet<number>): Message {
  const kind = bytes[offset];
  if (kind === undefined) throw new ProtocolError(ErrorCode.BAD_FRAME, 'envelope without a message');
  if (connectionKinds.has(kind) || kind === Kind.Reliable || kind === Kind.Expiring) {
    throw new ProtocolError(ErrorCode.BAD_FRAME, `kind 0x${kind.toString(16)} cannot travel in an envelope`);
  }
  return decodeBody(bytes, offset, accepted);
}

function decodeBody(bytes: Uint8Array, offset: number, accepted: ReadonlySet<number>): Message {
  const kind = bytes[offset] as number;
  const schema = (schemaByKind as Record<number, v.GenericSchema | undefined>)[kind];
  if (schema === undefined || !accepted.has(kind)) {
    throw new ProtocolError(ErrorCode.UNKNOWN_KIND, `kind 0x${kind.toString(16)} is not accepted here`);
  }
  // Every input and snapshot: read by hand when in the shape our encoders write (or games send).
  if (kind === Kind.DatagramToServer) {
    const body = readDatagramToServer(bytes, offset + 1);
    if (body) return { kind, body };
  } else if (kind === Kind.DatagramFromServer) {
    const body = readDatagramFromServer(bytes, offset + 1);
    if (body) return { kind, body };
  } else if (kind === Kind.ClientRoomMessage) {
    const body = readClientRoomMessage(bytes, offset + 1);
    if (body) return { kind, body };
  }
  const problem = bodyProblem(bytes, offset + 1);
  // Well-formed, only nested deeper than any message may be: what the schema would say, said unread.
  if (problem === TOO_DEEP)
    throw new ProtocolError(ErrorCode.INVALID_MESSAGE, `kind 0x${kind.toString(16)}: body ${TOO_DEEP}`);
  // Well-formed, only a value no Date holds: the room would get an Invalid Date.
  if (problem === TIMESTAMP_OUT_OF_RANGE)
    throw new ProtocolError(ErrorCode.INVALID_MESSAGE, `kind 0x${kind.toString(16)}: body holds ${problem}`);
  if (problem !== undefined)
    throw new ProtocolError(ErrorCode.BAD_FRAME, `body is not valid msgpack: ${problem}`);
  let raw: unknown;
  try {
    raw = decoder.decode(bytes.subarray(offset + 1));
  } catch (cause) {
    throw new ProtocolError(ErrorCode.BAD_FRAME, 'body is not valid msgpack', { cause });
  }
  let parsed: v.SafeParseResult<v.GenericSchema>;
  try {
    parsed = v.safeParse(schema, raw);
  } catch (cause) {
    // valibot runs a pipe's later checks even after an earlier one failed, so a check that recurses
    // (the signal size check's JSON.stringify) can meet a payload nested thousands deep and overflow.
    throw new ProtocolError(ErrorCode.INVALID_MESSAGE, `kind 0x${kind.toString(16)}: unverifiable body`, {
      cause,
    });
  }
  if (!parsed.success) {
    // Keep the request id if it is readable, so the sender's request fails at once instead of hanging.
    const rid = (raw as { rid?: unknown } | null)?.rid;
    const readableRid =
      typeof rid === 'number' && Number.isInteger(rid) && rid >= 0 && rid <= 0xffffffff ? rid : undefined;
    throw new ProtocolError(ErrorCode.INVALID_MESSAGE, describeIssues(kind, parsed.issues), {
      ...(readableRid === undefined ? {} : { rid: readableRid }),
    });
  }
  return { kind, body: parsed.output } as Message;
}

function describeIssues(kind: number, issues: readonly v.BaseIssue<unknown>[]): string {
  return `kind 0x${kind.toString(16)}: ${describeIssue(issues)}`.slice(0, 500);
}

/** The first issue of a failed parse, with the path to it: `result.state: nested deeper than 16 levels`. */
export function describeIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  const path = first?.path?.map((item) => String(item.key)).join('.') ?? '';
  return `${path ? `${path}: ` : ''}${first?.message ?? 'invalid'}`;
}

/** Encodes arbitrary app data with the same msgpack settings the frames use. */
export function encodeData(value: unknown): Uint8Array {
  return encoder.encode(value);
}
