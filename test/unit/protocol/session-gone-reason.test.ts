import { encode } from '@msgpack/msgpack';
import {
  decodeFrame,
  ErrorCode,
  encodeMessage,
  Kind,
  SessionGoneReason,
  serverToClientKinds,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { failure } from './raw-frames.js';

const refusal = { code: ErrorCode.SESSION_EXPIRED, message: 'join again' };
const errorFrame = (body: unknown) => Uint8Array.of(Kind.Error, ...encode(body));

describe("a resume refusal's reason", () => {
  it('travels in the Error frame, each of the closed set', () => {
    expect(Object.values(SessionGoneReason)).toEqual(['expired', 'ended', 'restarted', 'unknown']);
    for (const reason of Object.values(SessionGoneReason)) {
      const frame = encodeMessage(Kind.Error, { ...refusal, reason });
      expect(decodeFrame(frame, serverToClientKinds).message).toEqual({
        kind: Kind.Error,
        body: { ...refusal, reason },
      });
    }
  });

  it("is optional: an older server's refusal decodes without one", () => {
    expect(decodeFrame(errorFrame(refusal), serverToClientKinds).message.body).toEqual(refusal);
  });

  it('refuses a value out of the set, or of another type, with INVALID_MESSAGE', () => {
    for (const reason of ['moved', 'EXPIRED', '', 3, null, ['expired']]) {
      const error = failure(() => decodeFrame(errorFrame({ ...refusal, reason }), serverToClientKinds));
      expect(error.code, String(reason)).toBe(ErrorCode.INVALID_MESSAGE);
    }
  });
});
