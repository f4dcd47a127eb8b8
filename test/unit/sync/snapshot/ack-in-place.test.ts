import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BitReader, ErrorCode, ProtocolError } from '../../../../src/protocol/index.js';
import { decodeAckIn, encodeAck, readAck, type SnapshotAck } from '../../../../src/sync/index.js';
import { ackByteLength, requireEnd, writeAckBytes } from '../../../../src/sync/snapshot/ack.js';

/** The reference: the ack read field by field with a BitReader, as `readAck` reads it inside a snapshot. */
function decodeWithReader(bytes: Uint8Array): SnapshotAck {
  const reader = new BitReader(bytes);
  const ack = readAck(reader);
  requireEnd(reader, 'snapshot ack');
  return ack;
}

/** What a decode gave: the ack, or the error code it refused with (anything else fails the test). */
function outcome(decode: () => SnapshotAck): SnapshotAck | string {
  try {
    return decode();
  } catch (error) {
    if (error instanceof ProtocolError) return error.code;
    throw error;
  }
}

const ack = fc.record({
  newest: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
  previous: fc.integer({ min: 0, max: 0xffffffff }),
  resync: fc.boolean(),
});

describe('decodeAckIn (an ack read in place, as a server reads most inputs)', () => {
  it('reads every ack encodeAck writes, from inside a larger message', () => {
    fc.assert(
      fc.property(
        ack,
        fc.uint8Array({ maxLength: 4 }),
        fc.uint8Array({ maxLength: 4 }),
        (sent, before, after) => {
          const expected = sent.newest === undefined ? { ...sent, previous: 0 } : sent;
          const bytes = encodeAck(sent);
          const message = new Uint8Array([...before, ...bytes, ...after]);
          expect(decodeAckIn(message, before.length, before.length + bytes.length)).toEqual(expected);
        },
      ),
    );
  });

  it('agrees with the bit reader on any bytes: the same ack, or BAD_FRAME from both', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 10 }), (bytes) => {
        const inPlace = outcome(() => decodeAckIn(bytes, 0, bytes.length));
        expect(inPlace).toEqual(outcome(() => decodeWithReader(bytes)));
        if (typeof inPlace === 'string') expect(inPlace).toBe(ErrorCode.BAD_FRAME);
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees with the bit reader on acks with a bit flipped, a byte cut or a byte added', () => {
    const damage = fc.record({
      flip: fc.option(fc.integer({ min: 0, max: 55 }), { nil: undefined }),
      resize: fc.constantFrom(-1, 0, 0, 1),
    });
    fc.assert(
      fc.property(ack, damage, (sent, { flip, resize }) => {
        let bytes = encodeAck(sent);
        if (flip !== undefined && flip < bytes.length * 8) bytes[flip >> 3]! ^= 1 << (flip & 7);
        if (resize < 0) bytes = bytes.subarray(0, bytes.length - 1);
        if (resize > 0) bytes = Uint8Array.of(...bytes, 0);
        expect(outcome(() => decodeAckIn(bytes, 0, bytes.length))).toEqual(
          outcome(() => decodeWithReader(bytes)),
        );
      }),
      { numRuns: 5_000 },
    );
  });

  it('writes, in place, the bytes the bit writer writes', () => {
    fc.assert(
      fc.property(ack, fc.integer({ min: 0, max: 5 }), (sent, offset) => {
        const out = new Uint8Array(offset + 8).fill(0xaa);
        const length = writeAckBytes(out, offset, sent);
        expect(length).toBe(ackByteLength(sent));
        expect(out.subarray(offset, offset + length)).toEqual(encodeAck(sent));
        // Nothing written past the ack.
        expect([...out.subarray(offset + length)].every((byte) => byte === 0xaa)).toBe(true);
      }),
    );
  });

  it('refuses a bit set in the padding of either length', () => {
    const full = encodeAck({ newest: 9, previous: 3, resync: true });
    for (let bit = 2; bit < 8; bit++) {
      const bytes = full.slice();
      bytes[6]! |= 1 << bit;
      expect(() => decodeAckIn(bytes, 0, bytes.length)).toThrow(ProtocolError);
    }
    expect(() => decodeAckIn(Uint8Array.of(0b100), 0, 1)).toThrow(ProtocolError);
  });
});
