import { EncodingCache, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, registry, world } from './harness.js';

/**
 * Every record a per-client snapshot plans is one encoding asked of the cache (full or changes), hit or
 * miss: their count per snapshot is the planning work, whatever the machine.
 */
function plannedBy(cache: EncodingCache, encode: () => void): number {
  const before = cache.stats.hits + cache.stats.misses;
  encode();
  return cache.stats.hits + cache.stats.misses - before;
}

describe('SnapshotEncoder under a budget', () => {
  it('plans about what fits in the budget, not the backlog of a world changing faster than it carries', () => {
    const entities = 2000;
    for (const budgetBytes of [300, 1200]) {
      const table = world(entities);
      const cache = new EncodingCache();
      const encoder = new SnapshotEncoder(registry, { cache });
      const decoder = new SnapshotDecoder(registry);
      for (let tick = 0; tick < 30; tick++) {
        // Every car moves every tick: nearly all of them wait to be sent.
        for (let id = 0; id < entities; id++)
          table.update(id, Car, car((id + tick) % 100, 100 - (tick % 50)));
        let snapshot: ReturnType<SnapshotEncoder['encode']> | undefined;
        const planned = plannedBy(cache, () => {
          snapshot = encoder.encode(table.frame(tick), { budgetBytes });
        });
        if (snapshot === undefined) throw new Error('no snapshot');
        expect(snapshot.bytes.length).toBeLessThanOrEqual(budgetBytes);
        expect(snapshot.sent.length).toBeGreaterThan(0);
        expect(snapshot.leftOut).toBeGreaterThan(entities / 2);
        // Bounded by what was sent (about a budget's worth of records to learn they cannot all fit, then
        // the fill: what goes and the 32 records in a row that did not fit), never by the backlog: the
        // whole backlog twice, about 4,000 records, when every candidate was planned to learn that.
        expect(planned).toBeLessThanOrEqual(5 * snapshot.sent.length + 64);
        if (budgetBytes === 300) expect(planned).toBeLessThan(entities / 8);
        decoder.decode(snapshot.bytes);
        encoder.receiveAck(decoder.ack());
      }
    }
  });
});
