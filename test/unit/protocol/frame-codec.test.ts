import { encode } from '@msgpack/msgpack';
import {
  clientToServerKinds,
  decodeFrame,
  ErrorCode,
  encodeMessage,
  Kind,
  MAX_DATA_DEPTH,
  serverToClientKinds,
  wrapExpiring,
  wrapReliable,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

const codeOf = (run: () => unknown): string | undefined => {
  try {
    run();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
};
const raw = (kind: number, body: unknown) => Uint8Array.of(kind, ...encode(body));

describe('frame codec', () => {
  it('decodes bare, reliable and expiring frames', () => {
    const inner = encodeMessage(Kind.ClientRoomMessage, { t: 'move', d: [1, 2] });
    expect(decodeFrame(inner, clientToServerKinds)).toEqual({
      envelope: 'bare',
      message: { kind: Kind.ClientRoomMessage, body: { t: 'move', d: [1, 2] } },
    });
    expect(decodeFrame(wrapReliable(300, inner), clientToServerKinds)).toMatchObject({
      envelope: 'reliable',
      seq: 300,
    });
    expect(decodeFrame(wrapExpiring(301, 99.6, inner), clientToServerKinds)).toMatchObject({
      envelope: 'expiring',
      seq: 301,
      ttlMs: 100,
    });
  });

  it('accepts each side only the kinds that travel towards it', () => {
    const welcome = encodeMessage(Kind.Welcome, {
      playerId: 'abcdefgh12',
      resumeToken: 't',
      name: 'n',
      resumed: false,
      resync: false,
      ack: 0,
      serverTime: 1,
      heartbeatMs: 1,
      graceMs: 0,
    });
    expect(codeOf(() => decodeFrame(welcome, clientToServerKinds))).toBe(ErrorCode.UNKNOWN_KIND);
    expect(decodeFrame(welcome, serverToClientKinds).message.kind).toBe(Kind.Welcome);
    const join = encodeMessage(Kind.JoinRoom, { rid: 1, roomId: 'room1234' });
    expect(codeOf(() => decodeFrame(join, serverToClientKinds))).toBe(ErrorCode.UNKNOWN_KIND);
    expect(codeOf(() => decodeFrame(Uint8Array.of(0x7f), clientToServerKinds))).toBe(ErrorCode.UNKNOWN_KIND);
  });

  it('keeps connection frames out of envelopes and envelopes out of envelopes', () => {
    const hello = encodeMessage(Kind.Hello, { v: 1 });
    expect(codeOf(() => decodeFrame(wrapReliable(1, hello), clientToServerKinds))).toBe(ErrorCode.BAD_FRAME);
    const nested = wrapReliable(1, wrapReliable(2, encodeMessage(Kind.LeaveRoom, { rid: 1 })));
    expect(codeOf(() => decodeFrame(nested, clientToServerKinds))).toBe(ErrorCode.BAD_FRAME);
  });

  it('reports truncated frames, non-msgpack bodies and empty frames as BAD_FRAME', () => {
    expect(codeOf(() => decodeFrame(new Uint8Array(0), clientToServerKinds))).toBe(ErrorCode.BAD_FRAME);
    expect(codeOf(() => decodeFrame(Uint8Array.of(Kind.Reliable), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
    expect(codeOf(() => decodeFrame(Uint8Array.of(Kind.Reliable, 0x05), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
    expect(codeOf(() => decodeFrame(Uint8Array.of(Kind.JoinRoom, 0xc1), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
    expect(codeOf(() => decodeFrame(Uint8Array.of(Kind.JoinRoom), clientToServerKinds))).toBe(
      ErrorCode.BAD_FRAME,
    );
  });

  it('validates bodies against their schema and keeps a readable request id', () => {
    try {
      decodeFrame(raw(Kind.JoinRoom, { rid: 7, roomId: 12 }), clientToServerKinds);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: ErrorCode.INVALID_MESSAGE, rid: 7 });
      expect((error as Error).message).toMatch(/roomId/);
    }
  });

  it('refuses __proto__ keys and payloads nested past the depth limit', () => {
    const proto = Uint8Array.of(Kind.CreateRoom, 0x81, 0xa9, ...new TextEncoder().encode('__proto__'), 0xc0);
    expect(codeOf(() => decodeFrame(proto, clientToServerKinds))).toBe(ErrorCode.BAD_FRAME);
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_DATA_DEPTH; i++) deep = [deep];
    expect(
      codeOf(() => decodeFrame(raw(Kind.ClientRoomMessage, { t: 'x', d: deep }), clientToServerKinds)),
    ).toBe(ErrorCode.INVALID_MESSAGE);
    let shallow: unknown = 1;
    for (let i = 0; i < MAX_DATA_DEPTH - 1; i++) shallow = { a: shallow };
    expect(
      decodeFrame(raw(Kind.ClientRoomMessage, { t: 'x', d: shallow }), clientToServerKinds).envelope,
    ).toBe('bare');
  });

  it('drops unknown fields rather than passing them to handlers', () => {
    const decoded = decodeFrame(raw(Kind.LeaveRoom, { rid: 1, extra: 'x' }), clientToServerKinds);
    expect(decoded.message.body).toEqual({ rid: 1 });
  });
});
