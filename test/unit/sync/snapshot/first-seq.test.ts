import { SharedSnapshots, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { seededRandom } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { Car, car, checkComplete, registry, world } from './harness.js';

/*
 * A server gives a player who left and joined again a new encoder; acks of the old one may still arrive.
 * Starting each encoder at its own seq makes such an ack name a snapshot the new encoder never sent.
 */
describe('SnapshotEncoder firstSeq', () => {
  for (const shared of [true, false]) {
    it(`syncs across the seq wrap from a start near it (${shared ? 'shared' : 'per-client'}, lossy)`, () => {
      const random = seededRandom(shared ? 3 : 4);
      const table = world(8);
      const encoder = new SnapshotEncoder(registry, {
        firstSeq: 65_500,
        ...(shared ? { shared: new SharedSnapshots(registry) } : {}),
      });
      const decoder = new SnapshotDecoder(registry);
      let fullSize = 0;
      const sizes: number[] = [];
      for (let tick = 0; tick < 200; tick++) {
        for (let id = 0; id < 8; id++) {
          if (random() < 0.3) table.update(id, Car, car(Math.round(random() * 180 - 90), tick % 100));
        }
        const snapshot = encoder.encode(table.frame(tick));
        if (tick === 0) {
          expect(snapshot.seq).toBe(65_500);
          fullSize = snapshot.bytes.length;
        }
        sizes.push(snapshot.bytes.length);
        if (random() < 0.1) continue;
        expect(decoder.decode(snapshot.bytes).kind).toBe('applied');
        encoder.receiveAck(decoder.ack());
      }
      checkComplete(decoder, table.frame(199));
      // Acks were taken on both sides of the wrap: deltas, not full states, once it is behind.
      expect(Math.max(...sizes.slice(100))).toBeLessThan(fullSize);
    });
  }

  it('ignores an ack naming a snapshot from before its first one', () => {
    const table = world(8);
    const encoder = new SnapshotEncoder(registry, { firstSeq: 1_000 });
    const decoder = new SnapshotDecoder(registry);
    const full = encoder.encode(table.frame(0)).bytes;
    expect(decoder.decode(full).kind).toBe('applied');
    // An earlier encoder's snapshot 999, acked late (its seq is one below this encoder's first).
    encoder.receiveAck({ newest: 999, previous: 0xffffffff, resync: false });
    const next = encoder.encode(table.frame(1)).bytes;
    expect(next.length).toBe(full.length);
    expect(decoder.decode(next).kind).toBe('applied');
    // Its own first snapshot, acked: the next one is a delta.
    encoder.receiveAck({ newest: 1_000, previous: 0, resync: false });
    expect(encoder.encode(table.frame(2)).bytes.length).toBeLessThan(full.length);
  });

  it('refuses a first seq outside 0..65535', () => {
    for (const firstSeq of [-1, 65_536, 1.5, Number.NaN]) {
      expect(() => new SnapshotEncoder(registry, { firstSeq })).toThrow(RangeError);
    }
  });
});
