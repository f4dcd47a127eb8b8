/**
 * The closed set of error codes on the wire. Codes are stable strings: never renumber or reuse one.
 * Each code also has a WebSocket close code (4000 + its index) used when the error ends the connection.
 * docs/protocol.md documents every code; a test keeps the two in step.
 */
export const ErrorCode = {
  BAD_FRAME: 'BAD_FRAME',
  UNKNOWN_KIND: 'UNKNOWN_KIND',
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  TOO_MANY_ERRORS: 'TOO_MANY_ERRORS',
  PROTOCOL_VERSION_MISMATCH: 'PROTOCOL_VERSION_MISMATCH',
  HELLO_REQUIRED: 'HELLO_REQUIRED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  HANDSHAKE_REJECTED: 'HANDSHAKE_REJECTED',
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  RESUME_REJECTED: 'RESUME_REJECTED',
  SESSION_REPLACED: 'SESSION_REPLACED',
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  ROOM_FULL: 'ROOM_FULL',
  ROOM_TYPE_UNKNOWN: 'ROOM_TYPE_UNKNOWN',
  ROOM_CODE_INVALID: 'ROOM_CODE_INVALID',
  NOT_IN_ROOM: 'NOT_IN_ROOM',
  JOIN_REJECTED: 'JOIN_REJECTED',
  UNKNOWN_MESSAGE_TYPE: 'UNKNOWN_MESSAGE_TYPE',
  KICKED: 'KICKED',
  ROOM_DISPOSED: 'ROOM_DISPOSED',
  SERVER_SHUTTING_DOWN: 'SERVER_SHUTTING_DOWN',
  HEARTBEAT_TIMEOUT: 'HEARTBEAT_TIMEOUT',
  OUTBOX_OVERFLOW: 'OUTBOX_OVERFLOW',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  SERVER_LINK_UNAVAILABLE: 'SERVER_LINK_UNAVAILABLE',
  ROOM_ON_OTHER_NODE: 'ROOM_ON_OTHER_NODE',
  REGISTRY_UNAVAILABLE: 'REGISTRY_UNAVAILABLE',
  SERVER_DRAINING: 'SERVER_DRAINING',
  NODE_UNREACHABLE: 'NODE_UNREACHABLE',
  NOT_CONNECTED: 'NOT_CONNECTED',
  SYNC_TYPES_MISMATCH: 'SYNC_TYPES_MISMATCH',
  SESSION_ENDED: 'SESSION_ENDED',
  REQUEST_FAILED: 'REQUEST_FAILED',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  RECONNECTION_EXPIRED: 'RECONNECTION_EXPIRED',
  REQUESTS_UNSUPPORTED: 'REQUESTS_UNSUPPORTED',
  UNEXPECTED_REPLY: 'UNEXPECTED_REPLY',
  REQUESTS_OVERDUE: 'REQUESTS_OVERDUE',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const ALL_CODES = Object.values(ErrorCode) as readonly ErrorCode[];

/** Close codes 4000-4999 are reserved for applications by RFC 6455. */
const CLOSE_CODE_BASE = 4000;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ALL_CODES as readonly string[]).includes(value);
}

export function closeCodeFor(code: ErrorCode): number {
  return CLOSE_CODE_BASE + ALL_CODES.indexOf(code);
}

export function errorCodeForClose(closeCode: number): ErrorCode | undefined {
  return ALL_CODES[closeCode - CLOSE_CODE_BASE];
}

export const allErrorCodes = (): readonly ErrorCode[] => ALL_CODES;
