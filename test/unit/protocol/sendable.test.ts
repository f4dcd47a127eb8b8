import * as fc from 'fast-check';
import {
  checkFrameSize,
  DEFAULT_MAX_FRAME_BYTES,
  decodeFrame,
  ErrorCode,
  encodeSendable,
  encodeSendableData,
  Kind,
  MAX_DATA_DEPTH,
  MAX_ENVELOPE_BYTES,
  ProtocolError,
  serverToClientKinds,
  wrapReliable,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { nested, ROOM } from './message-examples.js';
import { failure, raw, roomMessage } from './raw-frames.js';

/**
 * One rule on both sides: what a sender may send (`encodeSendable`, `encodeSendableData`,
 * `checkFrameSize`) is what the receiver's decoder (`decodeFrame`) takes.
 */

describe('the sender refuses what the receiver would', () => {
  const what = "room message 'map'";
  const send = (d: unknown) => encodeSendable(Kind.ServerRoomMessage, roomMessage(d), what);

  it(`data nested ${MAX_DATA_DEPTH} levels goes, one more is INVALID_MESSAGE naming the limit`, () => {
    expect(() => send(nested(MAX_DATA_DEPTH))).not.toThrow();
    const error = failure(() => send(nested(MAX_DATA_DEPTH + 1, 'map')));
    expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(error.message).toContain(what);
    expect(error.message).toContain(`nested deeper than ${MAX_DATA_DEPTH} levels`);
    expect(failure(() => encodeSendableData(nested(MAX_DATA_DEPTH + 1), 'the state')).message).toBe(
      `the state is nested deeper than ${MAX_DATA_DEPTH} levels`,
    );
  });

  it('what msgpack cannot carry, and a __proto__ key, are INVALID_MESSAGE saying why', () => {
    const bigint = failure(() => send({ score: 10n }));
    expect(bigint.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(bigint.message).toMatch(/cannot be encoded .*BigInt/);
    const proto = failure(() => send(JSON.parse('{"a": {"__proto__": 1}}')));
    expect(proto.code).toBe(ErrorCode.INVALID_MESSAGE);
    expect(proto.message).toContain('__proto__');
    expect(failure(() => encodeSendableData({ score: 10n }, 'the state')).message).toMatch(
      /^the state cannot/,
    );
  });

  it('judges what travels: a map value undefined is left out, a typed array goes as bytes', () => {
    const filter = { mode: undefined, level: 2 } as unknown as Record<string, number>;
    expect(() => encodeSendable(Kind.ListRooms, { rid: 1, filter }, 'listRooms')).not.toThrow();
    const p = new Float32Array(2) as unknown as Uint8Array;
    expect(() => encodeSendable(Kind.DataToPeer, { to: 'pA1b2C3d4E5f6G7h', c: 1, p }, 'data')).not.toThrow();
    const error = failure(() =>
      encodeSendable(Kind.ListRooms, { rid: 1, filter: { mode: 'x'.repeat(129) } }, 'listRooms'),
    );
    expect(error.message).toMatch(/^listRooms: filter\.mode: /);
  });

  it('a message type the schema refuses is INVALID_MESSAGE', () => {
    for (const t of ['', 'x'.repeat(65)]) {
      const error = failure(() => encodeSendable(Kind.ServerRoomMessage, { roomId: ROOM, t }, what));
      expect(error.code).toBe(ErrorCode.INVALID_MESSAGE);
      expect(error.message).toMatch(/^room message 'map': t: /);
    }
  });

  it('a frame over the limit is MESSAGE_TOO_LARGE naming both sizes; the envelope counts when sequenced', () => {
    const limit = DEFAULT_MAX_FRAME_BYTES;
    const atLimit = new Uint8Array(limit - MAX_ENVELOPE_BYTES);
    expect(() => checkFrameSize(atLimit, 'reliable', limit, what)).not.toThrow();
    const over = new Uint8Array(limit - MAX_ENVELOPE_BYTES + 1);
    const error = failure(() => checkFrameSize(over, 'expiring', limit, what));
    expect(error.code).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    expect(error.message).toBe(
      `${what} is 65,537 bytes with its frame, over the frame limit of 65,536 bytes`,
    );
    expect(() => checkFrameSize(over, 'volatile', limit, what)).not.toThrow();
  });

  it('anything the sender lets through decodes, and anything it refuses does not', () => {
    const value = fc.letrec((tie) => ({
      data: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.uint8Array()),
        fc.array(tie('data'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string(), fc.constant('__proto__')), tie('data'), {
          maxKeys: 4,
          noNullPrototype: true,
        }),
      ),
    })).data;
    const outcomes = { sent: 0, refused: 0 };
    fc.assert(
      fc.property(value, fc.nat({ max: 20 }), (leaf, depth) => {
        let d: unknown = leaf;
        for (let level = 0; level < depth; level++) d = [d];
        let sent: Uint8Array | undefined;
        try {
          sent = send(d);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
        }
        const frame = wrapReliable(1, raw(Kind.ServerRoomMessage, roomMessage(d)));
        let decoded = true;
        try {
          decodeFrame(frame, serverToClientKinds);
        } catch {
          decoded = false;
        }
        expect(sent !== undefined).toBe(decoded);
        outcomes[decoded ? 'sent' : 'refused']++;
      }),
      { numRuns: 400 },
    );
    expect(outcomes.sent).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(50);
  });
});
