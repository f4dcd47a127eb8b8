import {
  type EntityCodes,
  type EntityRecord,
  type FieldCode,
  SnapshotDecoder,
  SnapshotEncoder,
  stateToCodes,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { applied, Car, car, registry } from './harness.js';

/** A frame with the given ids, each a car whose hp is `hp(id)`: ids an EntityTable would take long to reach. */
function frame(tick: number, ids: readonly number[], hp: (id: number) => number): WorldFrame {
  const entities = new Map<number, EntityRecord>();
  for (const id of ids) entities.set(id, { type: Car, codes: stateToCodes(Car, car(id % 100, hp(id))) });
  return { tick, entities };
}

describe('SnapshotDecoder', () => {
  // Small ids are looked up by array and large ones by map: both must behave the same, side by side.
  it('holds, updates and removes entities with ids anywhere in the 32-bit range', () => {
    const ids = [0, 7, 65_535, 65_536, 1_000_000, 0xffffffff];
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    expect(applied(decoder.decode(encoder.encode(frame(1, ids, () => 100)).bytes)).created).toEqual(ids);
    encoder.receiveAck(decoder.ack());

    const changed = applied(decoder.decode(encoder.encode(frame(2, ids, () => 50)).bytes));
    expect(changed.updated).toEqual(ids);
    for (const id of ids) expect(decoder.stateOf(id, Car)).toEqual(car(id % 100, 50));
    encoder.receiveAck(decoder.ack());

    const kept = [7, 65_536, 0xffffffff];
    const third = applied(decoder.decode(encoder.encode(frame(3, kept, () => 60)).bytes));
    expect(third.removed).toEqual([0, 65_535, 1_000_000]);
    expect(third.updated).toEqual(kept);
    expect([...decoder.ids()].sort((a, b) => a - b)).toEqual(kept);
    expect(decoder.size).toBe(3);
    for (const id of [0, 65_535, 1_000_000]) expect(decoder.get(id)).toBeUndefined();
    for (const id of kept) expect(decoder.stateOf(id, Car)).toEqual(car(id % 100, 60));
  });

  it('keeps every baseline the server may name while an entity changes every snapshot for long', () => {
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const lag = 5; // acks arrive this many snapshots late, so deltas refer back past many copies
    const acks: ReturnType<SnapshotDecoder['ack']>[] = [];
    for (let tick = 0; tick < 400; tick++) {
      const outcome = decoder.decode(
        encoder.encode(frame(tick, [3, 70_000], (id) => (id + tick) % 101)).bytes,
      );
      expect(outcome.kind).toBe('applied');
      acks.push(decoder.ack());
      if (acks.length > lag) encoder.receiveAck(acks.shift() as ReturnType<SnapshotDecoder['ack']>);
    }
    expect(decoder.stateOf(3, Car)).toEqual(car(3, (3 + 399) % 101));
    expect(decoder.stateOf(70_000, Car)).toEqual(car(0, (70_000 + 399) % 101));
  });

  // The decoder writes later copies over the arrays of copies out of its window: an app keeping codes
  // (an interpolation buffer) must still see them as they were, and decoding must stay right.
  it('never changes codes it handed out by codesOf or get, however long they are kept', () => {
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const kept: { codes: EntityCodes; was: FieldCode[] }[] = [];
    const keep = (codes: EntityCodes | undefined) => {
      if (codes === undefined) throw new Error('expected codes');
      kept.push({ codes, was: [...codes] });
    };
    for (let tick = 0; tick < 300; tick++) {
      const hp = (id: number) => (id + tick) % 101;
      applied(decoder.decode(encoder.encode(frame(tick, [3, 70_000], hp)).bytes));
      encoder.receiveAck(decoder.ack());
      if (tick % 7 === 0) keep(decoder.codesOf(3));
      if (tick % 11 === 0) keep(decoder.get(70_000)?.codes);
      expect(decoder.stateOf(3, Car)).toEqual(car(3, hp(3)));
      expect(decoder.peekCodes(70_000)).toEqual(stateToCodes(Car, car(0, hp(70_000))));
      expect(decoder.typeOf(70_000)).toBe(Car);
    }
    expect(kept.length).toBe(43 + 28);
    for (const { codes, was } of kept) expect(codes).toEqual(was);
  });
});
