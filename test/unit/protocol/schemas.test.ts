import * as v from 'valibot';
import { Kind, schemaByKind } from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';

const P = 'pA1b2C3d4E5f6G7h';
const R = 'AbCdEfGhIj';
const info = {
  roomId: R,
  type: 'arena',
  private: false,
  clients: 1,
  maxClients: 8,
  metadata: { mode: 'ffa' },
  nodeId: 'n1',
};

/** For every kind with a schema: one body it must accept and one it must refuse. */
const examples: Record<number, { valid: unknown; invalid: unknown }> = {
  [Kind.Hello]: { valid: { v: 1, resume: { playerId: P, token: 't', ack: 3 } }, invalid: { v: '1' } },
  [Kind.Welcome]: {
    valid: {
      playerId: P,
      resumeToken: 't',
      name: 'A',
      resumed: true,
      resync: false,
      ack: 0,
      serverTime: 5,
      heartbeatMs: 1,
      graceMs: 0,
    },
    invalid: {
      playerId: P,
      resumeToken: 't',
      name: 'A',
      resumed: true,
      resync: false,
      ack: -1,
      serverTime: 5,
      heartbeatMs: 1,
      graceMs: 0,
    },
  },
  [Kind.Error]: {
    valid: { code: 'ROOM_FULL', message: 'full' },
    invalid: { code: 'NOT_A_CODE', message: 'x' },
  },
  [Kind.Ping]: { valid: { id: 1, t: 2.5 }, invalid: { id: 1, t: Number.POSITIVE_INFINITY } },
  [Kind.Pong]: { valid: { id: 1, t: 2, rt: 3 }, invalid: { id: 1, t: 2 } },
  [Kind.Ack]: { valid: { ack: 10 }, invalid: { ack: 1.5 } },
  [Kind.Bye]: {
    valid: { code: 'KICKED', message: '' },
    invalid: { code: 'KICKED', message: 'x'.repeat(600) },
  },
  [Kind.ListRooms]: {
    valid: { rid: 1, type: 'arena', filter: { mode: 'ffa' } },
    invalid: { rid: 1, filter: { mode: { $ne: 1 } } },
  },
  [Kind.CreateRoom]: {
    valid: { rid: 1, type: 'arena', private: true, options: { a: 1 } },
    invalid: { rid: 1, type: 'has space' },
  },
  [Kind.JoinRoom]: { valid: { rid: 1, roomId: R }, invalid: { rid: 1, roomId: '../etc' } },
  [Kind.JoinByCode]: { valid: { rid: 1, code: 'k7q-2xm' }, invalid: { rid: 1, code: 'x'.repeat(40) } },
  [Kind.QuickPlay]: { valid: { rid: 1, type: 'arena' }, invalid: { rid: -1, type: 'arena' } },
  [Kind.LeaveRoom]: { valid: { rid: 0 }, invalid: {} },
  [Kind.ClientRoomMessage]: { valid: { t: 'chat', d: { text: 'hi' } }, invalid: { t: '' } },
  [Kind.Response]: {
    valid: { rid: 1, ok: false, code: 'ROOM_FULL', message: 'full' },
    invalid: { rid: 1, ok: false, message: 'no code' },
  },
  [Kind.MemberJoined]: {
    valid: { roomId: R, member: { playerId: P, name: 'A', away: false } },
    invalid: { roomId: R },
  },
  [Kind.MemberLeft]: {
    valid: { roomId: R, playerId: P, reason: 'left' },
    invalid: { roomId: R, playerId: P, reason: 'bored' },
  },
  [Kind.MemberAway]: { valid: { roomId: R, playerId: P }, invalid: { roomId: R, playerId: 'short' } },
  [Kind.MemberBack]: { valid: { roomId: R, playerId: P }, invalid: { roomId: 1, playerId: P } },
  [Kind.RoomLeft]: {
    valid: { roomId: R, reason: 'KICKED', message: 'bye' },
    invalid: { roomId: R, reason: 'KICKED' },
  },
  [Kind.RoomState]: {
    valid: { roomId: R, members: [], state: { score: 1 } },
    invalid: { roomId: R, members: {} },
  },
  [Kind.ServerRoomMessage]: {
    valid: { roomId: R, t: 'chat', d: 1, from: P },
    invalid: { roomId: R, t: 'x'.repeat(65) },
  },
  [Kind.SignalToPeer]: {
    valid: { to: P, s: { type: 'offer', sdp: 'v=0' } },
    invalid: { to: P, s: 'x'.repeat(20_000) },
  },
  [Kind.DataToPeer]: {
    valid: { to: P, c: 2, p: Uint8Array.of(1) },
    invalid: { to: P, c: 4, p: Uint8Array.of(1) },
  },
  [Kind.SignalFromPeer]: { valid: { from: P, s: { candidate: 'c' } }, invalid: { from: 'x', s: {} } },
  [Kind.DataFromPeer]: {
    valid: { from: P, c: 0, p: new Uint8Array(16), t: 5 },
    invalid: { from: P, c: 0, p: new Uint8Array(17_000), t: 5 },
  },
};

describe('message schemas', () => {
  it('covers every kind that has a body', () => {
    expect(Object.keys(examples).map(Number).sort()).toEqual(Object.keys(schemaByKind).map(Number).sort());
  });

  for (const [kind, schema] of Object.entries(schemaByKind)) {
    it(`kind 0x${Number(kind).toString(16)} accepts a valid body and refuses an invalid one`, () => {
      const example = examples[Number(kind)]!;
      expect(v.safeParse(schema as v.GenericSchema, example.valid).success).toBe(true);
      expect(v.safeParse(schema as v.GenericSchema, example.invalid).success).toBe(false);
    });
  }

  it('a joined room carries listing, members and optional state', () => {
    const schema = schemaByKind[Kind.Response];
    expect(v.safeParse(schema, { rid: 1, ok: true, result: { room: info, members: [] } }).success).toBe(true);
  });
});
