import { ErrorCode, type LeaveReason } from '../../protocol/index.js';

/**
 * Leave reasons appended after clients that list no `features` in their hello, each with the codes such a
 * client reads in its place: as the player's own leave (`RoomLeft`) and as another member's (`MemberLeft`).
 * Those clients refuse a frame naming a code they do not list (appending one changes no protocol version),
 * and would keep a member who left among their members. A client that lists features reads any code.
 */
const FOR_OLDER_CLIENTS: ReadonlyMap<
  LeaveReason,
  { readonly own: LeaveReason; readonly other: LeaveReason }
> = new Map([
  // Out of the room with the session kept, as a kick leaves a player; to the others, gone after their
  // time away, as a grace period's end told them before rooms had windows of their own.
  [ErrorCode.RECONNECTION_EXPIRED, { own: ErrorCode.KICKED, other: ErrorCode.SESSION_EXPIRED }],
]);

/** The leave reason a client is told: `reason`, or for a client that reads no newer code, its stand-in. */
export function leaveReasonFor(
  reason: LeaveReason,
  whose: 'own' | 'other',
  readsNewerCodes: boolean,
): LeaveReason {
  if (readsNewerCodes) return reason;
  return FOR_OLDER_CLIENTS.get(reason)?.[whose] ?? reason;
}

/** Whether some client may be told another reason than `reason` (see `leaveReasonFor`). */
export function hasStandIns(reason: LeaveReason): boolean {
  return FOR_OLDER_CLIENTS.has(reason);
}

/**
 * Refusal codes (a RoomReply's) appended after clients that list no `features` in their hello, each with
 * the code such a client reads in its place.
 */
const REFUSALS_FOR_OLDER_CLIENTS: ReadonlyMap<ErrorCode, ErrorCode> = new Map([
  // Its earlier requests' handlers still run past their deadlines: too many requests, to ask again later.
  [ErrorCode.REQUESTS_OVERDUE, ErrorCode.RATE_LIMITED],
]);

/** The code a client is told a request of its is refused with: `code`, or its stand-in (see above). */
export function refusalCodeFor(code: ErrorCode, readsNewerCodes: boolean): ErrorCode {
  if (readsNewerCodes) return code;
  return REFUSALS_FOR_OLDER_CLIENTS.get(code) ?? code;
}
