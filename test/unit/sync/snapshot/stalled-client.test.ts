import { EncodingCache, SharedSnapshots, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { Car, car, registry, world } from './harness.js';

/** An encoder (shared mode on) and a world of 8 cars where one car is spent and another comes each tick. */
function churning() {
  const table = world(8);
  const cache = new EncodingCache();
  const encoder = new SnapshotEncoder(registry, { cache, shared: new SharedSnapshots(registry, { cache }) });
  let tick = 0;
  const next = () => {
    tick++;
    const oldest = table.frame(tick).entities.keys().next().value as number;
    table.remove(oldest);
    table.spawn(Car, car(tick % 100));
    return encoder.encode(table.frame(tick));
  };
  return { table, encoder, next, tick: () => tick };
}

describe('a client that acks none of 128 snapshots is stalled', () => {
  it('is sent empty snapshots until it acks one, then catches up, missed removals included', () => {
    const { table, encoder, next, tick } = churning();
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(next().bytes);
    encoder.receiveAck(decoder.ack());
    const held = [...table.frame(tick()).entities.keys()];

    // 130 snapshots the client never gets, nor acks: every car it holds is spent meanwhile.
    const records: number[] = [];
    for (let index = 0; index < 130; index++) records.push(next().sent.length);
    expect(encoder.stalled).toBe(true);
    expect(records.slice(0, 128).every((count) => count > 0)).toBe(true);
    expect(records.slice(128)).toEqual([0, 0]);
    const empty = next();
    expect(empty.sent).toEqual([]);
    expect(empty.complete).toBe(false);
    expect(empty.bytes.length).toBeLessThanOrEqual(16);

    // It gets the empty one and acks it: the stall ends, and it is sent the world and the removals.
    expect(decoder.decode(empty.bytes).kind).toBe('applied');
    encoder.receiveAck(decoder.ack());
    expect(encoder.stalled).toBe(false);
    for (let index = 0; index < 3; index++) {
      decoder.decode(next().bytes);
      encoder.receiveAck(decoder.ack());
    }
    for (const id of held) expect(decoder.get(id)).toBeUndefined();
    const server = table.frame(tick()).entities;
    expect(decoder.size).toBe(server.size);
    for (const [id, record] of server) expect(decoder.codesOf(id)).toEqual(record.codes);
  });

  it('asking for a resync with every ack stalls a client as never acking does', () => {
    const { encoder, next } = churning();
    const sizes: number[] = [];
    for (let index = 0; index < 200; index++) {
      const snapshot = next();
      sizes.push(snapshot.bytes.length);
      // The newest seq, so that every request is heard, and every snapshot before it "applied".
      encoder.receiveAck({ newest: snapshot.seq, previous: 0xffffffff, resync: true });
    }
    expect(encoder.stalled).toBe(true);
    expect(Math.max(...sizes.slice(-60))).toBeLessThanOrEqual(16);
    // An ack of the newest, without the request, ends it.
    const snapshot = next();
    encoder.receiveAck({ newest: snapshot.seq, previous: 0, resync: false });
    expect(encoder.stalled).toBe(false);
    expect(next().bytes.length).toBeGreaterThan(40);
  });
});
