import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import {
  decodeAck,
  EncodingCache,
  EntityTable,
  encodeAck,
  entity,
  entityRegistry,
  SchemaError,
  SnapshotDecoder,
  SnapshotEncoder,
  string,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { applied, Car, car, Pickup, registry, world } from './harness.js';

describe('SnapshotEncoder and SnapshotDecoder', () => {
  it('creates entities with full states, then sends only what changed against acked baselines', () => {
    const table = world(3, 1);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);

    const first = encoder.encode(table.frame(1));
    expect(first.sent).toEqual([0, 1, 2, 3]);
    expect(applied(decoder.decode(first.bytes)).created).toEqual([0, 1, 2, 3]);
    expect(decoder.stateOf(1, Car)).toEqual(car(1));
    expect(decoder.stateOf(3, Pickup)).toEqual({ kind: 'ammo', active: true });
    expect(decoder.stateOf(3, Car)).toBeUndefined();

    // Not acked yet: the unchanged entities still go, in full, until the client acks one.
    const again = encoder.encode(table.frame(2));
    expect(again.sent).toEqual([0, 1, 2, 3]);
    encoder.receiveAck(decoder.ack());

    table.update(2, Car, car(2, 40));
    const delta = encoder.encode(table.frame(3));
    expect(delta.sent).toEqual([2]);
    expect(delta.complete).toBe(true);
    // Header: seq 16 + stream 16 + tick 8 + complete 1 + acked snapshot 7 + checksum 32 + count 8 bits; the
    // record: gap 6 (id 2) + kind 1 (a delta against the copy of the acked snapshot, no reference) + mask 3 +
    // hp 7.
    expect(delta.bytes.length).toBe(Math.ceil((88 + 17) / 8));
    const outcome = applied(decoder.decode(delta.bytes));
    expect(outcome).toMatchObject({
      seq: 2,
      tick: 3,
      complete: true,
      created: [],
      updated: [2],
      removed: [],
    });
    expect(decoder.stateOf(2, Car)).toEqual(car(2, 40));
    expect(decoder.get(2)).toMatchObject({ seq: 2, tick: 3 });
    expect(decoder.get(1)).toMatchObject({ seq: 0, tick: 1 });
  });

  it('sends nothing for entities the client holds up to date: an empty, complete snapshot', () => {
    const table = world(2);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(decoder.ack());
    const idle = encoder.encode(table.frame(1));
    expect(idle).toMatchObject({ sent: [], complete: true, leftOut: 0 });
    expect(applied(decoder.decode(idle.bytes)).updated).toEqual([]);
  });

  it('resends a change that reverted before the ack came: the client may hold the in-between state', () => {
    const table = world(1);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(decoder.ack());
    table.update(0, Car, car(0, 10));
    decoder.decode(encoder.encode(table.frame(1)).bytes); // its ack is lost
    table.update(0, Car, car(0));
    const back = encoder.encode(table.frame(2));
    expect(back.sent).toEqual([0]);
    decoder.decode(back.bytes);
    expect(decoder.stateOf(0, Car)).toEqual(car(0));
  });

  it('retransmits a removal until a snapshot carrying it is acked, then forgets the entity', () => {
    const table = world(2);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(decoder.ack());
    table.remove(1);
    expect(encoder.encode(table.frame(1)).sent).toEqual([1]); // lost
    const retry = encoder.encode(table.frame(2));
    expect(retry.sent).toEqual([1]);
    expect(applied(decoder.decode(retry.bytes)).removed).toEqual([1]);
    expect(decoder.get(1)).toBeUndefined();
    encoder.receiveAck(decoder.ack());
    expect(encoder.encode(table.frame(3)).sent).toEqual([]);
  });

  it('drops snapshots older than the newest applied, and does not ack them', () => {
    const table = world(1);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const older = encoder.encode(table.frame(0));
    const newer = encoder.encode(table.frame(1));
    applied(decoder.decode(newer.bytes));
    expect(decoder.decode(older.bytes)).toEqual({ kind: 'stale', seq: 0 });
    expect(decoder.ack()).toEqual({ newest: 1, previous: 0, resync: false });
  });

  it('acks the newest snapshot and which of the 32 before it arrived', () => {
    const table = world(1);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const snapshots = Array.from({ length: 40 }, (_, tick) => encoder.encode(table.frame(tick)));
    for (const seq of [0, 2, 3, 39]) decoder.decode(snapshots[seq]!.bytes);
    // 39 is newest; 3 is 36 back, past the 32 the field covers; bit i = 39 - 1 - i.
    expect(decoder.ack()).toEqual({ newest: 39, previous: 0, resync: false });
    decoder.decode(encoder.encode(table.frame(40)).bytes);
    expect(decoder.ack()).toEqual({ newest: 40, previous: 1, resync: false });
  });

  it('answers a delta against a baseline it never had with a resync, and recovers with full states', () => {
    const table = world(2);
    const encoder = new SnapshotEncoder(registry);
    const first = new SnapshotDecoder(registry);
    first.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(first.ack());
    table.update(0, Car, car(0, 1));

    const fresh = new SnapshotDecoder(registry); // a client that lost everything it held
    const outcome = fresh.decode(encoder.encode(table.frame(1)).bytes);
    expect(outcome).toMatchObject({ kind: 'resync', seq: 1 });
    expect(fresh.size).toBe(0);
    expect(fresh.ack()).toEqual({ newest: undefined, previous: 0, resync: true });

    encoder.receiveAck(decodeAck(encodeAck(fresh.ack())));
    const full = encoder.encode(table.frame(2));
    expect(full.sent).toEqual([0, 1]);
    expect(applied(fresh.decode(full.bytes)).created).toEqual([0, 1]);
    expect(fresh.resyncRequested).toBe(false);
    expect(fresh.stateOf(0, Car)).toEqual(car(0, 1));
    // A request from before the reset (reordered) does not reset the server again.
    encoder.receiveAck({ newest: 0, previous: 0, resync: true });
    encoder.receiveAck(fresh.ack());
    table.update(1, Car, car(1, 5));
    expect(encoder.encode(table.frame(3)).sent).toEqual([1]);
  });

  it('answers a delta whose baseline differs from the server one (checksum) with a resync', () => {
    const table = world(1);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(decoder.ack());
    // Another server's snapshot 0 with different content: same seq, other state.
    const other = new SnapshotEncoder(registry);
    const otherTable = world(1);
    otherTable.update(0, Car, car(7));
    const impostor = new SnapshotDecoder(registry);
    impostor.decode(other.encode(otherTable.frame(0)).bytes);
    table.update(0, Car, car(0, 3));
    expect(impostor.decode(encoder.encode(table.frame(1)).bytes)).toMatchObject({
      kind: 'resync',
      reason: expect.stringContaining('checksum'),
    });
    expect(impostor.stateOf(0, Car)).toEqual(car(7));
  });

  it('keeps decoding deltas after a lost snapshot whose ack never came, against the acked copy', () => {
    const table2 = world(1);
    const encoder2 = new SnapshotEncoder(registry);
    const decoder2 = new SnapshotDecoder(registry);
    decoder2.decode(encoder2.encode(table2.frame(0)).bytes);
    encoder2.receiveAck(decoder2.ack());
    table2.update(0, Car, car(0, 5));
    const dropped = encoder2.encode(table2.frame(1)); // lost
    table2.update(0, Car, car(0, 6));
    const late = encoder2.encode(table2.frame(2));
    // The client's ack of snapshot 2 never reaches the server; a later snapshot must still decode.
    decoder2.decode(late.bytes);
    table2.update(0, Car, car(0, 7));
    const third = encoder2.encode(table2.frame(3));
    expect(dropped.sent).toEqual([0]);
    expect(applied(decoder2.decode(third.bytes)).updated).toEqual([0]);
    expect(decoder2.stateOf(0, Car)).toEqual(car(0, 7));
  });

  it('names a far baseline by its seq when the client has not acked for more than 64 snapshots', () => {
    const table = world(2);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(decoder.ack());
    for (let tick = 1; tick <= 70; tick++) encoder.encode(table.frame(tick)); // nothing to send, no acks
    table.update(0, Car, car(0, 1));
    const far = encoder.encode(table.frame(71));
    // Header 82 bits (no acked snapshot: 1 bit) and the types' fingerprint 32, then gap 1 + kind 3 +
    // baseline seq 17 + mask 3 + hp 7.
    expect(far.bytes.length).toBe(Math.ceil((82 + 32 + 31) / 8));
    expect(applied(decoder.decode(far.bytes)).updated).toEqual([0]);
    expect(decoder.stateOf(0, Car)).toEqual(car(0, 1));
  });

  it("sends a delta against a baseline older than 64 snapshots when it is the client's newest copy", () => {
    const table = world(2);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(decoder.ack());
    for (let tick = 1; tick <= 70_000; tick++) {
      table.update(1, Car, car(1, tick % 101));
      decoder.decode(encoder.encode(table.frame(tick)).bytes);
      encoder.receiveAck(decoder.ack());
    }
    // Entity 0's baseline is snapshot 0, 70,000 snapshots (more than a wrap) back.
    table.update(0, Car, car(0, 1));
    const late = encoder.encode(table.frame(70_001));
    expect(late.sent).toEqual([0]);
    // A delta, not a full state: header 104 bits (tick in 3 bytes), gap 1 + kind 1 + mask 3 + hp 7.
    expect(late.bytes.length).toBe(Math.ceil((104 + 12) / 8));
    expect(applied(decoder.decode(late.bytes)).updated).toEqual([0]);
    expect(decoder.stateOf(0, Car)).toEqual(car(0, 1));
  });

  it('recovers when acks stop for longer than it keeps unacked records', () => {
    const table = world(3);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    decoder.decode(encoder.encode(table.frame(0)).bytes);
    encoder.receiveAck(decoder.ack());
    for (let tick = 1; tick <= 200; tick++) {
      table.update(tick % 3, Car, car(tick, tick % 101));
      decoder.decode(encoder.encode(table.frame(tick)).bytes); // every ack lost
    }
    encoder.receiveAck(decoder.ack());
    for (let tick = 201; tick < 205; tick++) {
      const outcome = decoder.decode(encoder.encode(table.frame(tick)).bytes);
      expect(outcome.kind).toBe('applied');
      encoder.receiveAck(decoder.ack());
    }
    expect(encoder.encode(table.frame(205))).toMatchObject({ sent: [], complete: true });
    for (let id = 0; id < 3; id++) expect(decoder.get(id)?.codes).toEqual(table.get(id)?.codes);
  });

  it('keeps within the byte budget; the rest waits, with its priority, for later packets', () => {
    const table = world(30);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const seen = new Set<number>();
    for (let tick = 0; tick < 20 && decoder.size < 30; tick++) {
      const snapshot = encoder.encode(table.frame(tick), { budgetBytes: 60 });
      expect(snapshot.bytes.length).toBeLessThanOrEqual(60);
      expect(snapshot.sent.length).toBeGreaterThan(0);
      expect(snapshot.complete).toBe(snapshot.leftOut === 0);
      for (const id of snapshot.sent) seen.add(id);
      decoder.decode(snapshot.bytes);
      encoder.receiveAck(decoder.ack());
    }
    expect(decoder.size).toBe(30);
    // A budget below the header still sends the header alone.
    const tiny = encoder.encode(world(30).frame(99), { budgetBytes: 1 });
    expect(tiny.sent).toEqual([]);
    expect(applied(decoder.decode(tiny.bytes)).complete).toBe(true);
  });

  it('names what cannot go even alone in the budget, and sends it once the budget allows', () => {
    const Banner = entity('banner', { text: string({ maxLength: 200 }) });
    const banners = entityRegistry([Banner]);
    const table = new EntityTable();
    const small = table.spawn(Banner, { text: 'hi' });
    const large = table.spawn(Banner, { text: 'x'.repeat(150) });
    const encoder = new SnapshotEncoder(banners);
    const decoder = new SnapshotDecoder(banners);
    const tight = encoder.encode(table.frame(0), { budgetBytes: 60 });
    expect(tight.sent).toEqual([small]);
    expect(tight.overBudget).toHaveLength(1);
    expect(tight.overBudget[0]).toMatchObject({ id: large, type: Banner });
    // What it would take: more than the budget, and enough to carry it (checked below).
    const needed = tight.overBudget[0]?.bytes as number;
    expect(needed).toBeGreaterThan(150);
    expect(needed).toBeLessThan(200);
    decoder.decode(tight.bytes);
    encoder.receiveAck(decoder.ack());
    const roomy = encoder.encode(table.frame(1), { budgetBytes: needed });
    expect(roomy).toMatchObject({ sent: [large], overBudget: [], complete: true });
    expect(roomy.bytes.length).toBeLessThanOrEqual(needed);
    // Left out for priority alone is not over budget: it fits alone, just not with the rest.
    const many = world(30);
    const crowded = new SnapshotEncoder(registry).encode(many.frame(0), { budgetBytes: 60 });
    expect(crowded.leftOut).toBeGreaterThan(0);
    expect(crowded.overBudget).toEqual([]);
  });

  it('reuses encodings across clients that hold the same baseline', () => {
    const table = world(4);
    const cache = new EncodingCache();
    const a = new SnapshotEncoder(registry, { cache });
    const b = new SnapshotEncoder(registry, { cache });
    a.encode(table.frame(0));
    expect(cache.stats).toEqual({ hits: 0, misses: 4 });
    b.encode(table.frame(0));
    expect(cache.stats).toEqual({ hits: 4, misses: 4 });
  });

  it('refuses bad options and unregistered types as bugs, not wire faults', () => {
    const encoder = new SnapshotEncoder(entityRegistry([Pickup]));
    expect(() => encoder.encode(world(1).frame(0))).toThrow(RangeError);
    expect(() => encoder.encode(world(0).frame(-1))).toThrow(RangeError);
    expect(() => encoder.encode(world(0).frame(0), { budgetBytes: Number.NaN })).toThrow(RangeError);
    expect(() => entityRegistry([])).toThrow(SchemaError);
    expect(() => entityRegistry([Car, Car])).toThrow(SchemaError);
    expect(entityRegistry([Car]).typeBits).toBe(0);
    expect(entityRegistry([Car, Pickup]).typeBits).toBe(1);
  });

  it('refuses a frame older than one it encoded, and goes on with the next in time order', () => {
    const table = world(3);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    const older = table.frame(4);
    table.remove(1);
    applied(decoder.decode(encoder.encode(table.frame(5)).bytes));
    // The client dropped entity 1 with its copies: a world from before would bring it back.
    expect(() => encoder.encode(older)).toThrow(
      new RangeError('frames must be encoded in time order: tick 4 after tick 5'),
    );
    applied(decoder.decode(encoder.encode(table.frame(5)).bytes));
    table.update(2, Car, car(40));
    applied(decoder.decode(encoder.encode(table.frame(6)).bytes));
    expect(decoder.stateOf(2, Car)).toEqual(car(40));
    expect(decoder.get(1)).toBeUndefined();
  });
});

describe('EntityTable', () => {
  it('keeps the codes array while the state does not change, and checks the type on update', () => {
    const table = world(1);
    const before = table.get(0)!;
    table.update(0, Car, car(0.001)); // below the 0.01 precision: the same codes
    expect(table.get(0)).toBe(before);
    table.update(0, Car, car(1));
    expect(table.get(0)).not.toBe(before);
    expect(() => table.update(0, Pickup, { kind: 'ammo', active: true })).toThrow(RangeError);
    expect(() => table.update(5, Car, car(1))).toThrow(RangeError);
    const frame = table.frame(3);
    table.remove(0);
    expect(frame.entities.size).toBe(1);
    expect(table.size).toBe(0);
  });
});

describe('ack messages', () => {
  it('round-trip, and take 7 bytes (1 before the first snapshot)', () => {
    const ack = { newest: 65535, previous: 0xffffffff, resync: true };
    expect(encodeAck(ack)).toHaveLength(7);
    expect(decodeAck(encodeAck(ack))).toEqual(ack);
    const none = { newest: undefined, previous: 0, resync: false };
    expect(encodeAck(none)).toEqual(new Uint8Array([0]));
    expect(decodeAck(encodeAck(none))).toEqual(none);
  });

  it('refuse truncated, padded and overlong input with BAD_FRAME', () => {
    for (const bytes of [
      new Uint8Array([]),
      new Uint8Array([1, 2]),
      new Uint8Array([0, 0]),
      new Uint8Array([4]),
    ]) {
      expect(() => decodeAck(bytes)).toThrow(ProtocolError);
      try {
        decodeAck(bytes);
      } catch (error) {
        expect((error as ProtocolError).code).toBe(ErrorCode.BAD_FRAME);
      }
    }
  });
});
