import * as v from 'valibot';
import { ErrorCode, MAX_REASON_LENGTH, RoomError } from '../../protocol/index.js';
import { callableOf, type Room } from '../rooms/room.js';
import { asJson } from './node-envelope.js';

/** How a call into a room ended, as the calling node is told it. */
export type CallOutcome =
  | { ok: true; value: unknown }
  | { ok: false; code: ErrorCode; message: string; reason?: string };

/** A fault of the room's own code in a call (its schema or handler threw): logged and counted. */
export type CallFault = (room: Room, name: string, what: string, error: unknown) => void;

/**
 * Runs the call `name` of `room` (`Room.onCall`) with `args`, as a room request runs: the arguments
 * checked against the call's schema first, and a handler's throw told to the caller only when it is a
 * `RoomError` (anything else is the room's bug: `fault`, and the caller hears only that the call failed).
 * The answer is what JSON makes of the handler's value, limited to `maxBytes`. Never rejects.
 */
export async function runRoomCall(
  room: Room,
  name: string,
  args: unknown,
  maxBytes: number,
  fault: CallFault,
): Promise<CallOutcome> {
  const shown = name.slice(0, 64);
  const callable = room[callableOf](name);
  if (callable === undefined) {
    return refusal(
      ErrorCode.UNKNOWN_MESSAGE_TYPE,
      `room '${room.type}' ${room.roomId} has no call '${shown}'`,
    );
  }
  let parsed: ReturnType<typeof v.safeParse<typeof callable.schema>>;
  try {
    parsed = v.safeParse(callable.schema, args);
  } catch (error) {
    fault(room, name, `the schema of call '${shown}' threw; the call was not handled`, error);
    return refusal(ErrorCode.REQUEST_FAILED, `the room failed to check the arguments of '${shown}'`);
  }
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue?.path?.map((item) => String(item.key)).join('.') ?? '';
    return refusal(
      ErrorCode.INVALID_MESSAGE,
      `'${shown}': ${path ? `${path}: ` : ''}${issue?.message ?? ''}`,
    );
  }
  let value: unknown;
  try {
    value = await callable.handler(parsed.output);
  } catch (error) {
    if (error instanceof RoomError) return refusal(ErrorCode.REQUEST_FAILED, error.message, error.code);
    fault(room, name, `call '${shown}' threw`, error);
    return refusal(ErrorCode.REQUEST_FAILED, `the room failed to answer the call '${shown}'`);
  }
  try {
    return { ok: true, value: asJson(value, `the answer to '${shown}'`, maxBytes) };
  } catch (error) {
    fault(room, name, `the answer to call '${shown}' could not be sent`, error);
    const why = error instanceof Error ? `: ${error.message}` : '';
    return refusal(ErrorCode.REQUEST_FAILED, `the room's answer could not be sent${why}`);
  }
}

function refusal(code: ErrorCode, message: string, reason?: string): CallOutcome {
  return {
    ok: false,
    code,
    message: message.slice(0, MAX_REASON_LENGTH),
    ...(reason === undefined ? {} : { reason }),
  };
}
