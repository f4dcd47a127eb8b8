import { EntityTable, PriorityAccumulator, SnapshotDecoder, SnapshotEncoder, Tier } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, registry } from './harness.js';

function candidates(table: EntityTable, ids: readonly number[]) {
  return ids.map((id) => ({ id, entity: table.get(id) }));
}

describe('PriorityAccumulator', () => {
  it('ranks by accumulated priority; what is sent restarts from 0, the rest keeps what it gained', () => {
    const table = new EntityTable();
    for (let index = 0; index < 3; index++) table.spawn(Car, car(index));
    const accumulator = new PriorityAccumulator({ priority: (id) => [1, 2, 3][id]! });
    expect(accumulator.rank(candidates(table, [0, 1, 2]))).toEqual([2, 1, 0]);
    accumulator.sent(2);
    expect(accumulator.priorityOf(1)).toBe(2);
    // 0: 2, 1: 4, 2: 3.
    expect(accumulator.rank(candidates(table, [0, 1, 2]))).toEqual([1, 2, 0]);
    accumulator.sent(1);
    accumulator.sent(2);
    // 0 has waited long enough to catch up with 2 (3 each; ties go to the lower id) and beat 1.
    expect(accumulator.rank(candidates(table, [0, 1, 2]))).toEqual([0, 2, 1]);
    expect(accumulator.priorityOf(0)).toBe(3);
  });

  it('puts critical entities and removals first, weighs ambient ones low, forgets what has nothing to send', () => {
    const table = new EntityTable();
    for (let index = 0; index < 4; index++) table.spawn(Car, car(index));
    const tiers = [Tier.ambient, Tier.normal, Tier.critical, Tier.normal];
    const accumulator = new PriorityAccumulator({ priority: () => 10, tier: (id) => tiers[id]! });
    const ranked = accumulator.rank([...candidates(table, [0, 1, 2, 3]), { id: 9, entity: undefined }]);
    expect(ranked).toEqual([2, 9, 1, 3, 0]);
    expect(accumulator.priorityOf(0)).toBe(2.5);
    accumulator.rank(candidates(table, [1]));
    expect(accumulator.priorityOf(0)).toBe(0);
  });

  it('refuses a priority that is not a number and a tier it does not know, naming the entity', () => {
    const table = new EntityTable();
    table.spawn(Car, car(0));
    for (const bad of [Number.NaN, '3', undefined]) {
      const accumulator = new PriorityAccumulator({ priority: () => bad as number });
      expect(() => accumulator.rank(candidates(table, [0]))).toThrow(
        new RangeError(
          `priority(0, car) must return a number (≥ 0; Infinity: first), got ${typeof bad === 'string' ? '"3"' : String(bad)}`,
        ),
      );
      // Nothing was taken: the entity keeps what it had.
      expect(accumulator.priorityOf(0)).toBe(0);
    }
    const urgent = new PriorityAccumulator({ tier: () => 'urgent' as Tier });
    expect(() => urgent.rank(candidates(table, [0]))).toThrow(
      new RangeError('tier(0, car) must return critical, normal or ambient, got "urgent"'),
    );
    expect(() => new PriorityAccumulator({ weights: { ambient: -1 } })).toThrow(RangeError);
  });

  it('counts a priority below 0 as 0: such entities go when everything else fit', () => {
    const table = new EntityTable();
    for (let index = 0; index < 3; index++) table.spawn(Car, car(index));
    // "Range minus distance": negative far away.
    const accumulator = new PriorityAccumulator({ priority: (id) => [5, -3, Number.NEGATIVE_INFINITY][id]! });
    expect(accumulator.rank(candidates(table, [0, 1, 2]))).toEqual([0, 1, 2]);
    expect([0, 1, 2].map((id) => accumulator.priorityOf(id))).toEqual([5, 0, 0]);
  });

  it('sends Infinity-priority entities before all but critical ones, taking turns', () => {
    const table = new EntityTable();
    for (let index = 0; index < 8; index++) table.spawn(Car, car(index));
    // 0..4 urgent (4 is ambient: still before finite normal ones), 5 critical, 6..7 ordinary.
    const accumulator = new PriorityAccumulator({
      priority: (id) => (id < 5 ? Number.POSITIVE_INFINITY : 1_000),
      tier: (id) => (id === 5 ? Tier.critical : id === 4 ? Tier.ambient : Tier.normal),
    });
    const all = [0, 1, 2, 3, 4, 5, 6, 7];
    const sentCounts = new Map<number, number>();
    for (let snapshot = 0; snapshot < 50; snapshot++) {
      const ranked = accumulator.rank(candidates(table, all));
      expect(ranked[0]).toBe(5);
      expect(new Set(ranked.slice(1, 6))).toEqual(new Set([0, 1, 2, 3, 4]));
      // Two fit after the critical one: the urgent ones take turns.
      for (const id of ranked.slice(0, 3)) {
        accumulator.sent(id);
        sentCounts.set(id, (sentCounts.get(id) ?? 0) + 1);
      }
    }
    expect([0, 1, 2, 3, 4].map((id) => sentCounts.get(id))).toEqual([20, 20, 20, 20, 20]);
    // Weighed 0, Infinity gains nothing.
    const weighedOut = new PriorityAccumulator({
      priority: () => Number.POSITIVE_INFINITY,
      tier: () => Tier.ambient,
      weights: { ambient: 0 },
    });
    weighedOut.rank(candidates(table, [0]));
    expect(weighedOut.priorityOf(0)).toBe(0);
  });

  it('drives the encoder: near entities every packet, far ones when their turn comes', () => {
    const table = new EntityTable();
    for (let index = 0; index < 12; index++) table.spawn(Car, car(index * 8));
    const player = 0;
    const encoder = new SnapshotEncoder(registry, {
      priority: new PriorityAccumulator({
        priority: (_id, entity) => 1 / (1 + Math.abs((entity.codes[0] as number) - player)),
      }),
    });
    const decoder = new SnapshotDecoder(registry);
    const counts = new Map<number, number>();
    for (let tick = 0; tick < 40; tick++) {
      for (let id = 0; id < 12; id++) table.update(id, Car, car(id * 8 + (tick % 2), 100, 'ada'));
      const snapshot = encoder.encode(table.frame(tick), { budgetBytes: 24 });
      expect(snapshot.bytes.length).toBeLessThanOrEqual(24);
      for (const id of snapshot.sent) counts.set(id, (counts.get(id) ?? 0) + 1);
      decoder.decode(snapshot.bytes);
      encoder.receiveAck(decoder.ack());
    }
    // Everyone is sent at some point; the nearest far more often than the farthest.
    for (let id = 0; id < 12; id++) expect(counts.get(id) ?? 0).toBeGreaterThan(0);
    expect(counts.get(0)!).toBeGreaterThan(2 * counts.get(11)!);
  });
});
