import {
  allErrorCodes,
  closeCodeFor,
  ErrorCode,
  errorCodeForClose,
  isErrorCode,
  ProtocolError,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

/** The codes as first published, in order: their close codes are on the wire and must never move. */
const published = [
  'BAD_FRAME',
  'UNKNOWN_KIND',
  'INVALID_MESSAGE',
  'MESSAGE_TOO_LARGE',
  'RATE_LIMITED',
  'TOO_MANY_ERRORS',
  'PROTOCOL_VERSION_MISMATCH',
  'HELLO_REQUIRED',
  'UNAUTHORIZED',
  'TOKEN_EXPIRED',
  'HANDSHAKE_REJECTED',
  'SESSION_EXPIRED',
  'RESUME_REJECTED',
  'SESSION_REPLACED',
  'ROOM_NOT_FOUND',
  'ROOM_FULL',
  'ROOM_TYPE_UNKNOWN',
  'ROOM_CODE_INVALID',
  'NOT_IN_ROOM',
  'JOIN_REJECTED',
  'UNKNOWN_MESSAGE_TYPE',
  'KICKED',
  'ROOM_DISPOSED',
  'SERVER_SHUTTING_DOWN',
  'HEARTBEAT_TIMEOUT',
  'OUTBOX_OVERFLOW',
  'INTERNAL_ERROR',
];

describe('error codes', () => {
  it('are stable strings equal to their names', () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(code).toBe(name);
    expect(allErrorCodes()).toEqual(Object.values(ErrorCode));
  });

  it('are unique', () => {
    expect(new Set(allErrorCodes()).size).toBe(allErrorCodes().length);
  });

  it('never renumber: new codes are appended after the published ones', () => {
    expect(allErrorCodes().slice(0, published.length)).toEqual(published);
  });

  it('map to unique close codes in 4000-4999, the range RFC 6455 leaves to applications', () => {
    const closeCodes = allErrorCodes().map(closeCodeFor);
    expect(new Set(closeCodes).size).toBe(closeCodes.length);
    for (const closeCode of closeCodes) {
      expect(Number.isInteger(closeCode)).toBe(true);
      expect(closeCode).toBeGreaterThanOrEqual(4000);
      expect(closeCode).toBeLessThanOrEqual(4999);
    }
    expect(closeCodeFor(ErrorCode.BAD_FRAME)).toBe(4000);
    expect(closeCodeFor(ErrorCode.INTERNAL_ERROR)).toBe(4026);
  });

  it('round-trip through their close codes', () => {
    for (const code of allErrorCodes()) expect(errorCodeForClose(closeCodeFor(code))).toBe(code);
  });

  it('leave other close codes unmapped', () => {
    const unmapped = [
      1000,
      1001,
      1006,
      1009,
      3999,
      4000 + allErrorCodes().length,
      4999,
      4000.5,
      Number.NaN,
      -1,
    ];
    for (const closeCode of unmapped) expect(errorCodeForClose(closeCode), String(closeCode)).toBeUndefined();
  });

  it('isErrorCode tells a code from anything else', () => {
    for (const code of allErrorCodes()) expect(isErrorCode(code)).toBe(true);
    for (const value of ['bad_frame', 'NOPE', '', 4000, null, undefined, {}, ['BAD_FRAME']]) {
      expect(isErrorCode(value), String(value)).toBe(false);
    }
  });
});

describe('ProtocolError', () => {
  it('carries the code, the request id and the cause', () => {
    const cause = new Error('inner');
    const error = new ProtocolError(ErrorCode.INVALID_MESSAGE, 'bad body', { cause, rid: 7 });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ProtocolError',
      code: 'INVALID_MESSAGE',
      rid: 7,
      message: 'bad body',
    });
    expect(error.cause).toBe(cause);
    expect(new ProtocolError(ErrorCode.BAD_FRAME, 'x').rid).toBeUndefined();
  });
});
