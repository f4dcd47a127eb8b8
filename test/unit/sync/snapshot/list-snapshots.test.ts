import * as fc from 'fast-check';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import {
  changeMask,
  EntityTable,
  entity,
  entityRegistry,
  enumOf,
  fieldMask,
  float,
  int,
  list,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type StateOf,
  stateToCodes,
  string,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { applied } from './harness.js';

const Kart = entity('kart', {
  x: float({ min: 0, max: 100, precision: 0.01 }),
  ammo: list(int({ min: 0, max: 99 }), { maxLength: 4 }),
  badges: list(string({ maxLength: 8 }), { maxLength: 3 }),
  laps: list(float({ min: 0, max: 600, precision: 0.001 }), { maxLength: 5 }),
  team: enumOf(['red', 'blue']),
});
const registry = entityRegistry([Kart]);
type KartState = StateOf<typeof Kart>;

/** Kart with every list replaced by a scalar field: what the same entity cost without lists. */
const Scalars = entity('kart', {
  x: float({ min: 0, max: 100, precision: 0.01 }),
  ammo: int({ min: 0, max: 99 }),
  badges: string({ maxLength: 8 }),
  laps: float({ min: 0, max: 600, precision: 0.001 }),
  team: enumOf(['red', 'blue']),
});

function kart(x: number, ammo: number[] = [10, 20], badges: string[] = ['ace']): KartState {
  return { x, ammo, badges, laps: [61.5], team: 'red' };
}

/** A client that has applied and acked the first snapshot of `table`. */
function synced(table: EntityTable, types = registry) {
  const encoder = new SnapshotEncoder(types);
  const decoder = new SnapshotDecoder(types);
  applied(decoder.decode(encoder.encode(table.frame(1)).bytes));
  encoder.receiveAck(decoder.ack());
  return { encoder, decoder };
}

describe('snapshots of entities with lists', () => {
  it('create with the lists, then send a list only when an element or its length changed', () => {
    const table = new EntityTable();
    const a = table.spawn(Kart, kart(1));
    const b = table.spawn(Kart, kart(2, [], ['ace', 'héro', '🚗']));
    const { encoder, decoder } = synced(table);
    expect(decoder.stateOf(a, Kart)).toEqual(kart(1));
    expect(decoder.stateOf(b, Kart)).toEqual(kart(2, [], ['ace', 'héro', '🚗']));

    // The same values in new arrays: nothing changed, nothing sent.
    table.update(a, Kart, kart(1));
    expect(encoder.encode(table.frame(2)).sent).toEqual([]);

    for (const [tick, ammo] of [
      [3, [10, 21]], // one element
      [4, [10, 21, 0]], // one more element
      [5, [10]], // shorter
      [6, []], // empty
    ] as const) {
      const before = stateToCodes(Kart, decoder.stateOf(a, Kart) as KartState);
      table.update(a, Kart, kart(1, [...ammo]));
      expect(changeMask(Kart, before, table.get(a)?.codes ?? [])).toBe(fieldMask(Kart, ['ammo']));
      const snapshot = encoder.encode(table.frame(tick));
      expect(snapshot.sent).toEqual([a]);
      expect(applied(decoder.decode(snapshot.bytes)).updated).toEqual([a]);
      expect(decoder.stateOf(a, Kart)).toEqual(kart(1, [...ammo]));
      expect(decoder.stateOf(b, Kart)).toEqual(kart(2, [], ['ace', 'héro', '🚗']));
      encoder.receiveAck(decoder.ack());
    }
  });

  it('cost nothing more than any unchanged field when they did not change', () => {
    const delta = (type: typeof Kart | typeof Scalars, states: readonly [unknown, unknown]) => {
      const table = new EntityTable();
      const id = table.spawn(type as typeof Kart, states[0] as KartState);
      const { encoder } = synced(table, entityRegistry([type]));
      table.update(id, type as typeof Kart, states[1] as KartState);
      return encoder.encode(table.frame(2)).bytes.length;
    };
    const scalars = { ammo: 10, badges: 'ace', laps: 61.5, team: 'red' };
    // Only x moves: the lists' change bits are all they cost, as the scalars' are.
    expect(delta(Kart, [kart(1), kart(1.5)])).toBe(
      delta(Scalars, [
        { x: 1, ...scalars },
        { x: 1.5, ...scalars },
      ]),
    );
  });

  it('go through shared bodies to several members alike', () => {
    const table = new EntityTable({ types: [Kart] });
    const id = table.spawn(Kart, kart(1));
    const shared = new SharedSnapshots(registry);
    const members = [0, 1, 2].map(() => ({
      encoder: new SnapshotEncoder(registry, { shared }),
      decoder: new SnapshotDecoder(registry),
    }));
    for (let tick = 1; tick <= 8; tick++) {
      table.update(id, Kart, kart(tick, [tick, 99 - tick], tick % 2 === 0 ? ['even'] : []));
      const frame = table.frame(tick);
      for (const { encoder, decoder } of members) {
        applied(decoder.decode(encoder.encode(frame).bytes));
        encoder.receiveAck(decoder.ack());
        expect(decoder.stateOf(id, Kart)).toEqual(
          kart(tick, [tick, 99 - tick], tick % 2 === 0 ? ['even'] : []),
        );
      }
    }
  });

  it('give an outcome or BAD_FRAME for any damage, never a crash or half a snapshot', () => {
    const table = new EntityTable();
    for (let index = 0; index < 4; index++) table.spawn(Kart, kart(index, [1, 2, 3, 4], ['a', 'bb', 'ccc']));
    const encoder = new SnapshotEncoder(registry);
    const first = encoder.encode(table.frame(1)).bytes;
    /** A client holding the first snapshot, as the one whose ack the encoder got. */
    const client = () => {
      const decoder = new SnapshotDecoder(registry);
      applied(decoder.decode(first));
      return decoder;
    };
    encoder.receiveAck(client().ack());
    table.update(1, Kart, kart(5, [9, 9], ['zz']));
    table.spawn(Kart, kart(7, [], []));
    const valid = encoder.encode(table.frame(2)).bytes;
    expect(applied(client().decode(valid)).updated).toEqual([1]);
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { maxLength: 3 }), (cut, flips) => {
        const bytes = valid.slice(0, 1 + (cut % valid.length));
        for (const flip of flips) bytes[(flip >>> 3) % bytes.length]! ^= 1 << (flip & 7);
        const decoder = client();
        const before = [...decoder.ids()].map((id) => decoder.get(id));
        let kind: string;
        try {
          kind = decoder.decode(bytes).kind;
        } catch (error) {
          expect(error).toBeInstanceOf(ProtocolError);
          expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
          kind = 'error';
        }
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (kind !== 'applied') expect([...decoder.ids()].map((id) => decoder.get(id))).toEqual(before);
      }),
      { numRuns: 1500 },
    );
    expect(kinds.get('error')).toBeGreaterThan(0);
  });
});
