import * as v from 'valibot';
import {
  clientToServerKinds,
  joinedRoomSchema,
  Kind,
  requestKinds,
  roomInfoSchema,
  schemaByKind,
  serverToClientKinds,
} from 'vehikill-net/protocol';
import { describe, expect, it } from 'vitest';
import { bodyKinds, examples, PLAYER, roomInfo } from './message-examples.js';

const schemaFor = (kind: number) => (schemaByKind as Record<number, v.GenericSchema>)[kind]!;
const hex = (kind: number) => `0x${kind.toString(16).padStart(2, '0')}`;

describe('message schemas', () => {
  it('has examples for exactly the kinds that have a schema', () => {
    expect([...bodyKinds].sort()).toEqual(Object.keys(schemaByKind).map(Number).sort());
  });

  it('gives every kind except the two envelopes a schema', () => {
    const withoutSchema = Object.values(Kind).filter((kind) => !(kind in schemaByKind));
    expect(withoutSchema.sort()).toEqual([Kind.Reliable, Kind.Expiring]);
  });

  it('lets every kind travel in at least one direction, and envelopes in none', () => {
    for (const kind of bodyKinds) {
      expect(clientToServerKinds.has(kind) || serverToClientKinds.has(kind), hex(kind)).toBe(true);
    }
    for (const set of [clientToServerKinds, serverToClientKinds]) {
      expect(set.has(Kind.Reliable)).toBe(false);
      expect(set.has(Kind.Expiring)).toBe(false);
    }
  });

  it('makes every request kind a client -> server kind with a rid', () => {
    for (const kind of requestKinds) {
      expect(clientToServerKinds.has(kind)).toBe(true);
      const valid = examples[kind as keyof typeof examples].valid[0] as { rid?: unknown };
      expect(typeof valid.rid, hex(kind)).toBe('number');
    }
  });

  for (const kind of bodyKinds) {
    const { valid, invalid } = examples[kind];
    describe(`kind ${hex(kind)}`, () => {
      it.each(valid.map((body, index) => [index, body]))('accepts valid example %i', (_index, body) => {
        const result = v.safeParse(schemaFor(kind), body);
        expect(result.issues).toBeUndefined();
      });
      it.each(Object.entries(invalid))('refuses: %s', (_rule, body) => {
        expect(v.safeParse(schemaFor(kind), body).success).toBe(false);
      });
    });
  }

  it('refuses non-map bodies for every kind', () => {
    for (const kind of bodyKinds) {
      for (const body of [null, undefined, 1, 'x', [], true]) {
        expect(v.safeParse(schemaFor(kind), body).success, `${hex(kind)} ${String(body)}`).toBe(false);
      }
    }
  });

  it('drops fields a schema does not name', () => {
    const parsed = v.parse(schemaByKind[Kind.LeaveRoom], { rid: 1, extra: 'x' });
    expect(parsed).toEqual({ rid: 1 });
  });

  it('describes a room listing and a joined room', () => {
    expect(v.safeParse(roomInfoSchema, roomInfo).success).toBe(true);
    expect(v.safeParse(roomInfoSchema, { ...roomInfo, maxClients: 0 }).success).toBe(false);
    expect(v.safeParse(roomInfoSchema, { ...roomInfo, code: 'abc' }).success).toBe(false);
    const joined = { room: roomInfo, members: [{ playerId: PLAYER, name: '', away: true }], state: [1] };
    expect(v.safeParse(joinedRoomSchema, joined).success).toBe(true);
    expect(v.safeParse(joinedRoomSchema, { ...joined, room: undefined }).success).toBe(false);
    expect(v.safeParse(joinedRoomSchema, { ...joined, membership: 255 }).success).toBe(true);
    expect(v.safeParse(joinedRoomSchema, { ...joined, membership: 256 }).success).toBe(false);
  });
});
