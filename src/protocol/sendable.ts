import * as v from 'valibot';
import { bodyProblem } from './body-scan.js';
import { depthWithin, MAX_DATA_DEPTH } from './bounded-data.js';
import { ErrorCode } from './error-codes.js';
import { decodeFrame, describeIssue, encodeData, encodeMessage } from './frame-codec.js';
import { MAX_ENVELOPE_BYTES } from './frame-limits.js';
import type { MessageClass } from './message-class.js';
import { type Body, type BodyKind, schemaByKind } from './messages.js';
import { ProtocolError } from './protocol-error.js';

/**
 * Checks made by the side that sends, with the rules the receiving side's decoder applies: what the
 * receiver would refuse (and drop, or count as a fault) is refused here instead, at the call that sent it,
 * with an error naming the limit. INVALID_MESSAGE for what its schema or its msgpack decoder refuses,
 * MESSAGE_TOO_LARGE for a frame over the limit.
 */

const ENCODABLE =
  'msgpack carries numbers, strings, booleans, null, arrays, plain objects, Uint8Array (any typed array, as its bytes) and Date';

/**
 * Encodes a message as its receiver will check it: against its kind's schema, then the receiver's
 * msgpack rules (`bodyProblem`). Throws ProtocolError INVALID_MESSAGE naming `what` and the problem.
 * The frame's size is checked apart (`checkFrameSize`): each direction has its own limit.
 *
 * The schema is run on `body` itself, which is cheap; where that refuses, the encoded message is decoded
 * as the receiver will decode it and refused only if that fails too, since encoding changes some values:
 * a map value `undefined` is left out (a filter `{mode: undefined}` travels as `{}`), any typed array
 * travels as bytes.
 */
export function encodeSendable<K extends BodyKind>(kind: K, body: Body<K>, what: string): Uint8Array {
  let parsed: v.SafeParseResult<v.GenericSchema>;
  try {
    parsed = v.safeParse(schemaByKind[kind] as v.GenericSchema, body);
  } catch (cause) {
    // A check that serializes (the signal size check's JSON.stringify) throws on what msgpack cannot carry.
    throw unencodable(what, cause);
  }
  let inner: Uint8Array;
  try {
    inner = encodeMessage(kind, body);
  } catch (cause) {
    throw unencodable(what, cause);
  }
  const problem = bodyProblem(inner, 1);
  if (problem !== undefined) {
    throw new ProtocolError(ErrorCode.INVALID_MESSAGE, `${what} holds ${problem}, which no decoder takes`);
  }
  if (!parsed.success && !decodes(inner)) {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `${what}: ${describeIssue(parsed.issues)}`.slice(0, 500),
    );
  }
  return inner;
}

/** True if the receiver's decoder takes `inner` (any kind, either direction). */
function decodes(inner: Uint8Array): boolean {
  try {
    decodeFrame(inner, everyKind);
    return true;
  } catch {
    return false;
  }
}

const everyKind: ReadonlySet<number> = new Set(Object.keys(schemaByKind).map(Number));

/**
 * Encodes free-form data (a room's state) as it travels inside a message, checked as `encodeSendable`
 * checks a whole message: nested at most MAX_DATA_DEPTH deep, encodable, and taken by the decoder.
 */
export function encodeSendableData(value: unknown, what: string): Uint8Array {
  if (!depthWithin(value, MAX_DATA_DEPTH)) {
    throw new ProtocolError(
      ErrorCode.INVALID_MESSAGE,
      `${what} is nested deeper than ${MAX_DATA_DEPTH} levels`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = encodeData(value);
  } catch (cause) {
    throw unencodable(what, cause);
  }
  const problem = bodyProblem(bytes, 0);
  if (problem !== undefined) {
    throw new ProtocolError(ErrorCode.INVALID_MESSAGE, `${what} holds ${problem}, which no decoder takes`);
  }
  return bytes;
}

/**
 * Throws MESSAGE_TOO_LARGE when `inner` with its frame would be over `maxFrameBytes`: a sequenced frame
 * counts its envelope as MAX_ENVELOPE_BYTES, the most it can take; a volatile one travels bare.
 */
export function checkFrameSize(
  inner: Uint8Array,
  messageClass: MessageClass,
  maxFrameBytes: number,
  what: string,
): void {
  const frameBytes = inner.length + (messageClass === 'volatile' ? 0 : MAX_ENVELOPE_BYTES);
  if (frameBytes <= maxFrameBytes) return;
  throw new ProtocolError(
    ErrorCode.MESSAGE_TOO_LARGE,
    `${what} is ${bytesText(frameBytes)} with its frame, over the frame limit of ${bytesText(maxFrameBytes)}`,
  );
}

export function bytesText(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} bytes`;
}

function unencodable(what: string, cause: unknown): ProtocolError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new ProtocolError(
    ErrorCode.INVALID_MESSAGE,
    `${what} cannot be encoded (${why.slice(0, 200)}): ${ENCODABLE}`,
    { cause },
  );
}
