import { SharedSnapshots, type SnapshotAck, SnapshotDecoder, SnapshotEncoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { applied, Car, car, checkComplete, registry, world } from './harness.js';

/*
 * Clients that have acked nothing yet (a match starting, a room filling at once) hold nothing for sure:
 * their snapshots are every entity in full plus the removals of what they may have been sent, the same
 * for every client that started at the same frame, so one body serves them all.
 */

function newClient(shared: SharedSnapshots) {
  return { encoder: new SnapshotEncoder(registry, { shared }), decoder: new SnapshotDecoder(registry) };
}

describe('the first snapshots of clients that have acked nothing', () => {
  it('come from one body per frame, with the removals of what a client may hold', () => {
    const table = world(10);
    const shared = new SharedSnapshots(registry);
    const clients = Array.from({ length: 8 }, () => newClient(shared));
    // Acks are held back for three ticks (a long round trip): until then no client has acked anything.
    const heldAcks: SnapshotAck[][] = clients.map(() => []);
    for (let tick = 0; tick < 3; tick++) {
      if (tick === 1) table.remove(4);
      if (tick === 2) table.spawn(Car, car(33));
      table.update(0, Car, car(tick * 2));
      const frame = table.frame(tick);
      const before = shared.stats;
      clients.forEach(({ encoder, decoder }, index) => {
        const snapshot = encoder.encode(frame);
        expect(snapshot.complete).toBe(true);
        expect(encoder.inSharedMode).toBe(true);
        applied(decoder.decode(snapshot.bytes));
        checkComplete(decoder, frame);
        heldAcks[index]?.push(decoder.ack());
      });
      expect(shared.stats.bodies - before.bodies).toBe(1);
      expect(shared.stats.reused - before.reused).toBe(clients.length - 1);
    }
    // The acks arrive: each client is in step at the newest frame it acked, and the next snapshot is a
    // delta against it (entity 0 alone changed), still one body for all.
    clients.forEach(({ encoder }, index) => {
      for (const ack of heldAcks[index] ?? []) encoder.receiveAck(ack);
    });
    table.update(0, Car, car(50));
    const frame = table.frame(3);
    const before = shared.stats.bodies;
    for (const { encoder, decoder } of clients) {
      const snapshot = encoder.encode(frame);
      expect(snapshot.sent).toEqual([0]);
      applied(decoder.decode(snapshot.bytes));
      checkComplete(decoder, frame);
    }
    expect(shared.stats.bodies - before).toBe(1);
  });

  it('removes what a client was sent whose first snapshot was lost, and tells apart clients that started later', () => {
    const table = world(6);
    const shared = new SharedSnapshots(registry);
    const early = newClient(shared);
    // Its first snapshot is lost: it holds nothing, and is sent everything again.
    early.encoder.encode(table.frame(0));
    table.remove(2);
    const late = newClient(shared);
    const frame = table.frame(1);
    const before = shared.stats.bodies;
    for (const { encoder, decoder } of [early, late]) {
      applied(decoder.decode(encoder.encode(frame).bytes));
      checkComplete(decoder, frame);
    }
    // The early client may hold entity 2 (sent at frame 0), the late one was never sent it: two bodies.
    expect(shared.stats.bodies - before).toBe(2);
  });

  it('go per-client when the whole world does not fit the budget, without a body built for each joiner', () => {
    const table = world(20);
    const shared = new SharedSnapshots(registry);
    const budgetBytes = 60;
    const first = newClient(shared);
    const snapshot = first.encoder.encode(table.frame(0), { budgetBytes });
    expect(snapshot.bytes.length).toBeLessThanOrEqual(budgetBytes);
    expect(snapshot.complete).toBe(false);
    expect(first.encoder.inSharedMode).toBe(false);
    // The first joiner's try showed the full world is larger than such a budget: the next goes
    // per-client at once, no body built for it.
    const bodies = shared.stats.bodies;
    const second = newClient(shared);
    second.encoder.encode(table.frame(1), { budgetBytes });
    expect(second.encoder.inSharedMode).toBe(false);
    expect(shared.stats.bodies).toBe(bodies);
    // Both converge as their budgets allow.
    for (let tick = 2; tick < 40; tick++) {
      const frame = table.frame(tick);
      for (const { encoder, decoder } of [first, second]) {
        applied(decoder.decode(encoder.encode(frame, { budgetBytes }).bytes));
        encoder.receiveAck(decoder.ack());
      }
    }
    for (const { decoder } of [first, second]) checkComplete(decoder, table.frame(39));
  });

  it('are tried shared again once the too large body seen is 64 frames old: the world may have shrunk', () => {
    const table = world(20);
    const shared = new SharedSnapshots(registry);
    const budgetBytes = 60;
    const first = newClient(shared);
    first.encoder.encode(table.frame(0), { budgetBytes });
    expect(shared.emptyBodyOver(budgetBytes)).toBe(true);
    for (let id = 2; id < 20; id++) table.remove(id);
    for (let tick = 1; tick <= 65; tick++) {
      applied(first.decoder.decode(first.encoder.encode(table.frame(tick), { budgetBytes }).bytes));
      first.encoder.receiveAck(first.decoder.ack());
    }
    expect(shared.emptyBodyOver(budgetBytes)).toBe(false);
    const late = newClient(shared);
    const frame = table.frame(66);
    applied(late.decoder.decode(late.encoder.encode(frame, { budgetBytes }).bytes));
    expect(late.encoder.inSharedMode).toBe(true);
    checkComplete(late.decoder, frame);
  });

  it('leave the empty base after 64 unacked snapshots: a stalled joiner still learns what went since its first', () => {
    const table = world(6);
    const shared = new SharedSnapshots(registry);
    const { encoder, decoder } = newClient(shared);
    // The client applies its first snapshot (entities 0..5), and then hears nothing for 130 snapshots
    // (it acks none): entity 3 goes meanwhile, and with it every removal sent of it.
    applied(decoder.decode(encoder.encode(table.frame(0)).bytes));
    table.remove(3);
    for (let tick = 1; tick <= 130; tick++) {
      table.update(0, Car, car(tick % 50));
      encoder.encode(table.frame(tick));
      // Never held in the empty base past the 64 snapshots an acked one could be named back.
      if (tick >= 64) expect(encoder.inSharedMode).toBe(false);
    }
    expect(encoder.stalled).toBe(true);
    // It gets the (empty) snapshot of a stalled client and acks it: the stall ends, and the removal of
    // entity 3, which it still holds, reaches it with the world.
    applied(decoder.decode(encoder.encode(table.frame(131)).bytes));
    encoder.receiveAck(decoder.ack());
    expect(decoder.get(3)).toBeDefined();
    let frame = table.frame(132);
    for (let tick = 132; tick < 136; tick++) {
      frame = table.frame(tick);
      applied(decoder.decode(encoder.encode(frame).bytes));
      encoder.receiveAck(decoder.ack());
    }
    checkComplete(decoder, frame);
    expect(encoder.inSharedMode).toBe(true);
  });
});
