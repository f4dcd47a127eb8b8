import * as v from 'valibot';
import {
  APP_ERROR_CODE,
  allErrorCodes,
  ErrorCode,
  MAX_REASON_LENGTH,
  ProtocolError,
} from '../../protocol/index.js';

/**
 * What nodes send each other through the registry's channels (`Registry.publish`), as JSON: each node
 * listens on its own channel for calls into its rooms and for the answers to its calls, and on one
 * channel per topic its app subscribed to. A message of another version or shape is dropped and counted.
 */

/** How long a call may wait for its answer at most (ms): a node's waits are bounded (see RoomCalls). */
export const MAX_CALL_TIMEOUT_MS = 600_000;

/**
 * What a message may carry besides its data (ids, names, error messages), over `maxPayloadBytes`: a node
 * drops a message longer than the two together.
 */
export const ENVELOPE_ALLOWANCE_BYTES = 16_384;

/** The longest room id and call name a call carries (no room has a longer one). */
export const MAX_CALL_NAME_LENGTH = 256;

/** The channel of node `nodeId`: calls into its rooms, and the answers to its own calls. */
export const nodeChannel = (nodeId: string): string => `node:${nodeId}`;
/** The channel of an app's topic (`GameServer.publish`). */
export const topicChannel = (topic: string): string => `topic:${topic}`;

const version = v.literal(1);
/** A call's id: 128 random bits, so that no other call's answer can settle it. */
const callId = v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/));
const bounded = (max: number) => v.pipe(v.string(), v.maxLength(max));
const nodeId = bounded(1_024);

export const callMessage = v.object({
  v: version,
  k: v.literal('call'),
  id: callId,
  /** The calling node, whose channel the answer goes to. */
  from: nodeId,
  room: bounded(MAX_CALL_NAME_LENGTH),
  name: bounded(MAX_CALL_NAME_LENGTH),
  args: v.optional(v.unknown()),
  /** How long the caller waits (ms): the callee holds the call's slot no longer. */
  ms: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_CALL_TIMEOUT_MS)),
});

export type CallMessage = v.InferOutput<typeof callMessage>;

/** To the caller: the room is found and its handler runs (a silence after it is the handler's). */
const ackMessage = v.object({ v: version, k: v.literal('ack'), id: callId });

const answerMessage = v.object({
  v: version,
  k: v.literal('ok'),
  id: callId,
  value: v.optional(v.unknown()),
});

const refusalMessage = v.object({
  v: version,
  k: v.literal('err'),
  id: callId,
  code: v.picklist(allErrorCodes()),
  message: bounded(MAX_REASON_LENGTH),
  /** A RoomError's own code. */
  reason: v.optional(v.pipe(v.string(), v.regex(APP_ERROR_CODE))),
});

/** What arrives on a node's own channel. */
export const nodeMessage = v.variant('k', [callMessage, ackMessage, answerMessage, refusalMessage]);

export type NodeMessage = v.InferOutput<typeof nodeMessage>;

/** What arrives on a topic's channel. */
export const topicMessage = v.object({ v: version, from: nodeId, data: v.optional(v.unknown()) });

/** Why a message from another node was dropped (the `reason` of `node_messages_dropped_total`). */
export type DropReason = 'too_large' | 'malformed';

/** `text` read as a message of `schema`, or why it was dropped: over `maxBytes`, not JSON, another shape. */
export function readNodeMessage<S extends v.GenericSchema>(
  schema: S,
  text: string,
  maxBytes: number,
): { ok: true; message: v.InferOutput<S> } | { ok: false; reason: DropReason } {
  // A string's UTF-8 length is at least its length: the count is only needed near the limit.
  if (text.length > maxBytes || Buffer.byteLength(text) > maxBytes) return { ok: false, reason: 'too_large' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = v.safeParse(schema, json);
  return parsed.success ? { ok: true, message: parsed.output } : { ok: false, reason: 'malformed' };
}

/**
 * `value` as another node gets it: what `JSON.parse(JSON.stringify(value))` gives (a Date becomes its ISO
 * string, a Map `{}`, an undefined property goes, `undefined` stays undefined), given to a room or a
 * subscriber on this node just the same, so that an app tried on one node behaves alike on several.
 * INVALID_MESSAGE for what JSON cannot write (a BigInt, a cycle, a `toJSON` that throws, nesting too deep),
 * MESSAGE_TOO_LARGE past `maxBytes` of JSON (UTF-8). `what` names the value in the error.
 */
export function asJson(value: unknown, what: string, maxBytes: number): unknown {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ProtocolError(ErrorCode.INVALID_MESSAGE, `${what} cannot be written as JSON: ${why}`, {
      cause: error,
    });
  }
  if (text === undefined) return undefined;
  const bytes = Buffer.byteLength(text);
  if (bytes > maxBytes) {
    throw new ProtocolError(
      ErrorCode.MESSAGE_TOO_LARGE,
      `${what} is ${bytes} bytes of JSON, over the ${maxBytes} that nodes pass (maxPayloadBytes)`,
    );
  }
  return JSON.parse(text);
}
