import {
  EncodingCache,
  SEQ_MODULO,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type SnapshotOutcome,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, registry, world } from './harness.js';

/**
 * An encoder (shared mode on, as RoomSync runs it) and a world of 8 cars where the oldest is spent and a
 * new one comes every 100 ticks, and one car moves every tick.
 */
function churning(firstSeq: number) {
  const table = world(8);
  const cache = new EncodingCache();
  const shared = new SharedSnapshots(registry, { cache });
  const encoder = new SnapshotEncoder(registry, { cache, shared, firstSeq });
  let tick = 0;
  const next = () => {
    tick++;
    const frame = table.frame(tick);
    if (tick % 100 === 0) {
      table.remove(frame.ids[0] as number);
      table.spawn(Car, car(tick % 97));
    }
    const mover = frame.ids.at(-1) as number;
    table.update(mover, Car, car((tick % 2000) / 10 - 100));
    return encoder.encode(table.frame(tick));
  };
  return { table, encoder, next, tick: () => tick };
}

describe('a client that misses half the seq space or more in a row', () => {
  // 32,767 missed: the next seq is 32,768 on, the first that reads as older. 65,535: the same seq again.
  // Past 65,536 the seqs read as newer again, but far fewer than were sent.
  it.each([32_767, 50_000, 65_535, 70_000])(
    'is back in step within a few snapshots after missing %i (a tab frozen for half an hour)',
    (missed) => {
      const { table, encoder, next, tick } = churning(SEQ_MODULO - 5);
      const decoder = new SnapshotDecoder(registry);
      for (let index = 0; index < 10; index++) {
        decoder.decode(next().bytes);
        encoder.receiveAck(decoder.ack());
      }
      const held = [...decoder.ids()];
      // Frozen: nothing arrives, nothing is acked. The server stalls the client after 128 and sends it
      // empty snapshots; every car the client held is spent meanwhile.
      for (let index = 0; index < missed; index++) next();
      expect(encoder.stalled).toBe(true);

      // Awake again: each snapshot decoded, and acked as an input would carry it (an ack of what applied).
      const outcomes: SnapshotOutcome['kind'][] = [];
      for (let index = 0; index < 6; index++) {
        outcomes.push(decoder.decode(next().bytes).kind);
        encoder.receiveAck(decoder.ack());
        // The first (empty) one applied, and its ack ended the stall.
        expect(encoder.stalled).toBe(false);
      }
      expect(outcomes).toEqual(Array(6).fill('applied'));
      for (const id of held) expect(decoder.get(id)).toBeUndefined();
      const server = table.frame(tick()).entities;
      expect(decoder.size).toBe(server.size);
      for (const [id, record] of server) expect(decoder.codesOf(id)).toEqual(record.codes);
      // And it stays so: later snapshots, some lost, apply against the copies it now holds.
      for (let index = 0; index < 200; index++) {
        const snapshot = next();
        if (index % 7 === 3 && index < 190) continue;
        expect(decoder.decode(snapshot.bytes).kind).toBe('applied');
        encoder.receiveAck(decoder.ack());
      }
      for (const [id, record] of table.frame(tick()).entities) {
        expect(decoder.codesOf(id)).toEqual(record.codes);
      }
    },
  );

  it('still drops a snapshot older than its newest, duplicated or late', () => {
    const { encoder, next } = churning(SEQ_MODULO - 3);
    const decoder = new SnapshotDecoder(registry);
    const sent = Array.from({ length: 8 }, () => next());
    for (const snapshot of sent) {
      expect(decoder.decode(snapshot.bytes).kind).toBe('applied');
      encoder.receiveAck(decoder.ack());
    }
    for (const snapshot of sent) expect(decoder.decode(snapshot.bytes).kind).toBe('stale');
  });
});
