import * as fc from 'fast-check';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import {
  decodeSyncFrame,
  encodeAck,
  encodeAckFrame,
  encodeAppFrame,
  encodeChainFrame,
  encodeSnapshotFrame,
  encodeTypesDifferFrame,
  type SnapshotAck,
  SyncTag,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function badFrame(bytes: Uint8Array): ProtocolError {
  try {
    decodeSyncFrame(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
    return error as ProtocolError;
  }
  throw new Error('expected BAD_FRAME');
}

describe('sync link framing (the first byte of a phys message)', () => {
  it('has stable tags: app 0, snapshot 1, deflated snapshot 2, ack 3, ack + app 4, chain 5, types 6', () => {
    expect(SyncTag).toEqual({
      app: 0,
      snapshot: 1,
      deflatedSnapshot: 2,
      ack: 3,
      ackApp: 4,
      chain: 5,
      typesDiffer: 6,
    });
  });

  it('frames a types frame as the server’s fingerprint, then the client’s, 32 bits each, low byte first', () => {
    const frame = encodeTypesDifferFrame(0x01020304, 0xfffefdfc);
    expect(hex(frame)).toBe('0604030201fcfdfeff');
    expect(decodeSyncFrame(frame)).toEqual({
      kind: 'typesDiffer',
      server: 0x01020304,
      client: 0xfffefdfc,
      payload: undefined,
    });
    expect(badFrame(frame.subarray(0, 8)).message).toMatch(/types frame of 8 bytes/);
    expect(badFrame(Uint8Array.of(...frame, 0)).message).toMatch(/types frame of 10 bytes/);
  });

  it('frames a chain as the resent length (varuint), the resent snapshot, then the new one', () => {
    expect(hex(encodeChainFrame(Uint8Array.of(0xa1, 0xa2), Uint8Array.of(0xb1)))).toBe('0502a1a2b1');
    const resent = new Uint8Array(300).fill(7);
    const frame = encodeChainFrame(resent, Uint8Array.of(1, 2, 3));
    // 300 = 0b10_0101100: 0xac (low 7 bits, more to come), then 0x02.
    expect(hex(frame.subarray(0, 3))).toBe('05ac02');
    expect(decodeSyncFrame(frame)).toEqual({
      kind: 'snapshot',
      deflated: false,
      payload: Uint8Array.of(1, 2, 3),
      resent,
    });
  });

  it('refuses a chain whose length is cut short, too long, zero, or leaves no snapshot after it', () => {
    expect(badFrame(Uint8Array.of(5)).message).toMatch(/whole resent length/);
    expect(badFrame(Uint8Array.of(5, 0x80)).message).toMatch(/whole resent length/);
    expect(badFrame(Uint8Array.of(5, 0x80, 0x80, 0x80, 1)).message).toMatch(/whole resent length/);
    expect(badFrame(Uint8Array.of(5, 0, 1)).message).toMatch(/does not leave a snapshot/);
    expect(badFrame(Uint8Array.of(5, 2, 1, 2)).message).toMatch(/does not leave a snapshot/);
    expect(badFrame(Uint8Array.of(5, 9, 1, 2)).message).toMatch(/does not leave a snapshot/);
  });

  it('golden frames', () => {
    const ack: SnapshotAck = { newest: 5, previous: 3, resync: false };
    expect(hex(encodeAppFrame(Uint8Array.of(0xaa, 0xbb)))).toBe('00aabb');
    expect(hex(encodeSnapshotFrame(Uint8Array.of(1, 2), false))).toBe('010102');
    expect(hex(encodeSnapshotFrame(Uint8Array.of(1, 2), true))).toBe('020102');
    expect(hex(encodeAckFrame(ack))).toBe(`03${hex(encodeAck(ack))}`);
    expect(hex(encodeAckFrame({ newest: undefined, previous: 0, resync: true }))).toBe('0302');
    expect(hex(encodeAckFrame(ack, Uint8Array.of(0xcc)))).toBe(`0407${hex(encodeAck(ack))}cc`);
  });

  it('round-trips every kind', () => {
    const ackArb = fc.record({
      newest: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
      previous: fc.nat({ max: 0xffffffff }),
      resync: fc.boolean(),
    });
    const payload = fc.uint8Array({ maxLength: 64 });
    fc.assert(
      fc.property(ackArb, payload, fc.boolean(), (rawAck, bytes, withPayload) => {
        const ack = rawAck.newest === undefined ? { ...rawAck, previous: 0 } : rawAck;
        const frame = decodeSyncFrame(encodeAckFrame(ack, withPayload ? bytes : undefined));
        expect(frame).toEqual({ kind: 'ack', ack, payload: withPayload ? bytes : undefined });
        expect(decodeSyncFrame(encodeAppFrame(bytes))).toEqual({ kind: 'app', payload: bytes });
        expect(decodeSyncFrame(encodeSnapshotFrame(bytes, withPayload))).toEqual({
          kind: 'snapshot',
          deflated: withPayload,
          payload: bytes,
        });
      }),
    );
  });

  it('refuses an empty message, an unknown tag, a short or malformed ack with BAD_FRAME', () => {
    expect(badFrame(new Uint8Array(0)).message).toMatch(/empty/);
    expect(badFrame(Uint8Array.of(9)).message).toMatch(/unknown tag 9/);
    expect(badFrame(Uint8Array.of(4)).message).toMatch(/ack longer/);
    expect(badFrame(Uint8Array.of(4, 7, 1, 2)).message).toMatch(/ack longer/);
    badFrame(Uint8Array.of(3)); // no ack at all
    badFrame(Uint8Array.of(3, 0, 0)); // bytes past the ack
    badFrame(Uint8Array.of(4, 1, 0xfc)); // padding bits set
  });

  it('never throws anything but BAD_FRAME on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 16 }), (bytes) => {
        try {
          decodeSyncFrame(bytes);
        } catch (error) {
          expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
        }
      }),
    );
  });
});
