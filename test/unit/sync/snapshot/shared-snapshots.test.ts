import { PriorityAccumulator, SharedSnapshots, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { applied, Car, car, checkComplete, registry, world } from './harness.js';

describe('SharedSnapshots', () => {
  it('costs one body encode per tick for any number of clients in step at the same frame', () => {
    const table = world(20);
    const shared = new SharedSnapshots(registry);
    const clients = Array.from({ length: 16 }, () => ({
      encoder: new SnapshotEncoder(registry, { shared }),
      decoder: new SnapshotDecoder(registry),
    }));
    const exchange = (tick: number) => {
      const frame = table.frame(tick);
      for (const { encoder, decoder } of clients) {
        applied(decoder.decode(encoder.encode(frame).bytes));
        encoder.receiveAck(decoder.ack());
      }
    };
    // The first snapshot (nothing acked yet: every entity in full) is one body too; its ack puts every
    // client in step at its frame.
    exchange(0);
    expect(shared.stats).toMatchObject({ bodies: 1, reused: clients.length - 1 });
    expect(clients.every(({ encoder }) => encoder.inSharedMode)).toBe(true);
    for (let tick = 1; tick <= 10; tick++) {
      for (let id = 0; id < 20; id += 3) table.update(id, Car, car(id + tick, 100 - tick));
      const before = shared.stats;
      exchange(tick);
      expect(shared.stats.bodies - before.bodies).toBe(1);
      expect(shared.stats.reused - before.reused).toBe(clients.length - 1);
    }
    for (const { decoder } of clients) checkComplete(decoder, table.frame(11));
  });

  it('gives a client acking every snapshot what a per-client encoder gives it, in no more bytes', () => {
    const table = world(6, 2);
    const shared = new SharedSnapshots(registry);
    const sharing = {
      encoder: new SnapshotEncoder(registry, { shared }),
      decoder: new SnapshotDecoder(registry),
    };
    const alone = { encoder: new SnapshotEncoder(registry), decoder: new SnapshotDecoder(registry) };
    for (let tick = 0; tick < 12; tick++) {
      if (tick % 2 === 0) table.update(tick % 6, Car, car(tick * 1.5, 90 - tick));
      if (tick === 3) table.spawn(Car, car(50));
      if (tick === 5) table.remove(1);
      const frame = table.frame(tick);
      const bytes = [sharing, alone].map(({ encoder, decoder }) => {
        const snapshot = encoder.encode(frame);
        applied(decoder.decode(snapshot.bytes));
        encoder.receiveAck(decoder.ack());
        return snapshot.bytes;
      });
      // The first two are the same bytes; from the third on, the shared body names its predictor
      // (7 header bits more, and 2 bits per mode), which it only uses when that is smaller.
      if (tick < 2) expect(bytes[0]).toEqual(bytes[1]);
      else expect(bytes[0]?.length).toBeLessThanOrEqual((bytes[1]?.length ?? 0) + 1);
      checkComplete(sharing.decoder, frame);
      checkComplete(alone.decoder, frame);
    }
    // One per tick: the first against nothing acked, the others against the tick before.
    expect(shared.stats.bodies).toBe(12);
  });

  it('writes steady motion against the predicted course: a few bits an entity however far it went', () => {
    const cars = 40;
    const table = world(cars);
    const shared = new SharedSnapshots(registry);
    const encoder = new SnapshotEncoder(registry, { shared });
    const decoder = new SnapshotDecoder(registry);
    const sizes: number[] = [];
    // Each car moves at its own speed; acks arrive two snapshots late, so the baseline is 3 ticks old.
    const pending: ReturnType<SnapshotDecoder['ack']>[] = [];
    for (let tick = 0; tick < 30; tick++) {
      for (let id = 0; id < cars; id++) table.update(id, Car, car(-90 + id + tick * (0.5 + id * 0.11)));
      const frame = table.frame(tick);
      const snapshot = encoder.encode(frame);
      applied(decoder.decode(snapshot.bytes));
      checkComplete(decoder, frame);
      sizes.push(snapshot.bytes.length);
      pending.push(decoder.ack());
      if (pending.length > 2) encoder.receiveAck(pending.shift() as ReturnType<SnapshotDecoder['ack']>);
    }
    expect(shared.stats.predicted).toBeGreaterThan(20);
    // Against the baseline a car 3 ticks on moved 150-1,400 steps (2 + 8 or 12 bits); predicted, the
    // rounding is all that is left (2 + 4 bits), plus gap, kind and mask (4 bits): ~10 bits a car.
    expect(Math.max(...sizes.slice(10))).toBeLessThan(14 + (cars * 11) / 8);
  });

  it('goes per-client when the body does not fit the budget, names no baseline it cannot, and comes back', () => {
    const table = world(12);
    const shared = new SharedSnapshots(registry);
    // Entity 0 never wins a place in a packet that is short.
    const priority = new PriorityAccumulator({ priority: (id) => (id === 0 ? 0 : 1) });
    const encoder = new SnapshotEncoder(registry, { shared, priority });
    const decoder = new SnapshotDecoder(registry);
    let tick = 0;
    const send = (budgetBytes = Number.POSITIVE_INFINITY) =>
      encoder.encode(table.frame(tick++), { budgetBytes });
    applied(decoder.decode(send().bytes));
    encoder.receiveAck(decoder.ack());
    expect(encoder.inSharedMode).toBe(true);
    // In step at a snapshot that does not carry entity 0.
    table.update(1, Car, car(1, 99));
    applied(decoder.decode(send().bytes));
    encoder.receiveAck(decoder.ack());

    // Entity 0 changes in a shared snapshot the client loses.
    table.update(0, Car, car(0, 10));
    expect(send().sent).toEqual([0]);
    // Every car changes and the budget is short: the body does not fit, the client goes per-client.
    for (let id = 0; id < 12; id++) table.update(id, Car, car(id + 0.5, 20, 'longname'));
    const cut = send(60);
    expect(encoder.inSharedMode).toBe(false);
    expect(cut.complete).toBe(false);
    expect(cut.sent).not.toContain(0);
    applied(decoder.decode(cut.bytes));
    encoder.receiveAck(decoder.ack());
    // The client's copy of entity 0 is from the very first snapshot: the server knows its codes but not
    // which snapshot it came in, so it must send entity 0 in full rather than name a baseline.
    const next = send();
    expect(next.complete).toBe(true);
    applied(decoder.decode(next.bytes));
    checkComplete(decoder, table.frame(tick));
    encoder.receiveAck(decoder.ack());
    expect(encoder.inSharedMode).toBe(true);
    const quiet = send();
    expect(quiet.sent).toEqual([]);
    applied(decoder.decode(quiet.bytes));
  });

  it('lets the implied baseline be a copy older than the 64-snapshot window', () => {
    const table = world(2);
    const shared = new SharedSnapshots(registry);
    const encoder = new SnapshotEncoder(registry, { shared });
    const decoder = new SnapshotDecoder(registry);
    let tick = 0;
    // Entity 0 is sent once and stays unchanged for 70 snapshots, all acked.
    for (; tick < 70; tick++) {
      table.update(1, Car, car(1 + tick));
      applied(decoder.decode(encoder.encode(table.frame(tick)).bytes));
      encoder.receiveAck(decoder.ack());
    }
    // Then it changes twice before the ack of the first change comes back: both deltas are against the
    // copy the client got 70 snapshots ago, which the decoder must still hold after the first.
    table.update(0, Car, car(5));
    applied(decoder.decode(encoder.encode(table.frame(tick++)).bytes));
    table.update(0, Car, car(6));
    const second = encoder.encode(table.frame(tick++));
    expect(second.sent).toEqual([0]);
    applied(decoder.decode(second.bytes));
    expect(decoder.stateOf(0, Car)).toEqual(car(6));
  });

  it("gives each client bytes of its own that later snapshots and other clients' writes leave alone", () => {
    const table = world(30);
    const shared = new SharedSnapshots(registry);
    const clients = Array.from({ length: 8 }, () => ({
      encoder: new SnapshotEncoder(registry, { shared }),
      decoder: new SnapshotDecoder(registry),
    }));
    // Bytes kept across many ticks (the slab they are copied to fills and moves on), with a copy to
    // compare against; each snapshot is scribbled over after it was applied, as a transport might.
    const kept: { bytes: Uint8Array; copy: Uint8Array }[] = [];
    for (let tick = 0; tick < 60; tick++) {
      for (let id = 0; id < 30; id += 2) table.update(id, Car, car(id + tick * 2, 100 - tick));
      const frame = table.frame(tick);
      const snapshots = clients.map(({ encoder }) => encoder.encode(frame).bytes);
      snapshots.forEach((bytes, index) => {
        const client = clients[index] as (typeof clients)[number];
        const copy = bytes.slice();
        applied(client.decoder.decode(bytes));
        client.encoder.receiveAck(client.decoder.ack());
        if (tick % 7 === 0) kept.push({ bytes, copy });
        else bytes.fill(0xff);
      });
      for (const { decoder } of clients) checkComplete(decoder, frame);
    }
    expect(shared.stats.reused).toBeGreaterThan(0);
    for (const { bytes, copy } of kept) expect(bytes).toEqual(copy);
  });

  it('refuses an encoder whose registry is not the shared one', () => {
    const shared = new SharedSnapshots(registry);
    expect(() => new SnapshotEncoder({ ...registry }, { shared })).toThrow(RangeError);
  });
});
