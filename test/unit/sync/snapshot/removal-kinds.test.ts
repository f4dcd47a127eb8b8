import {
  type EntityTable,
  frameView,
  type RemovalKind,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type SnapshotOutcome,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../../../src/protocol/index.js';
import { kindBits, RecordKind, readKind, writeKind } from '../../../../src/sync/snapshot/wire.js';
import { applied, Car, car, registry, world } from './harness.js';

/*
 * A removal says whether the entity left the world (destroyed) or only the client's view: a game with fog
 * of war plays an explosion for the one and not for the other.
 */

/** The removals an outcome reports, as id → kind. */
function removals(outcome: SnapshotOutcome): Record<number, RemovalKind> {
  const { removed, removedKinds } = applied(outcome);
  expect(removedKinds.length).toBe(removed.length);
  return Object.fromEntries(removed.map((id, index) => [id, removedKinds[index] as RemovalKind]));
}

/** The view of the table at `tick` without the `hidden` ids. */
function viewOf(table: EntityTable, tick: number, hidden: ReadonlySet<number>): WorldFrame {
  return frameView(table.frame(tick), (id) => !hidden.has(id));
}

function client(shared?: SharedSnapshots) {
  return {
    encoder: new SnapshotEncoder(registry, shared === undefined ? {} : { shared }),
    decoder: new SnapshotDecoder(registry),
  };
}

describe('the removal record', () => {
  it('is "111" and one bit: 0 removed from the world, 1 left the view; other kinds as they were', () => {
    const writer = new BitWriter(8);
    for (const kind of Object.values(RecordKind)) writeKind(writer, kind);
    // delta '0', full '10', named delta '110', remove '1110', leave '1111' (in wire order).
    expect(writer.bitLength).toBe(1 + 2 + 3 + 4 + 4);
    expect(Object.values(RecordKind).map(kindBits)).toEqual([1, 2, 3, 4, 4]);
    const reader = new BitReader(writer.finish());
    expect(Object.values(RecordKind).map(() => readKind(reader))).toEqual(Object.values(RecordKind));
    const bits = new BitReader(Uint8Array.of(0b1111_0111));
    expect([readKind(bits), readKind(bits)]).toEqual([RecordKind.remove, RecordKind.leave]);
  });

  it('a removal cut before its last bit is BAD_FRAME, not a guess', () => {
    const reader = new BitReader(Uint8Array.of(0b1110_0000));
    reader.readBits(5);
    expect(() => readKind(reader)).toThrow(/record kind/);
  });
});

describe('removal kinds, per client', () => {
  it('without views, every removal is destroyed', () => {
    const table = world(3);
    const { encoder, decoder } = client();
    applied(decoder.decode(encoder.encode(table.frame(0)).bytes));
    encoder.receiveAck(decoder.ack());
    table.remove(1);
    expect(removals(decoder.decode(encoder.encode(table.frame(1)).bytes))).toEqual({ 1: 'destroyed' });
  });

  it('tells an entity that left the view from one destroyed in it', () => {
    const table = world(4);
    const hidden = new Set<number>();
    const { encoder, decoder } = client();
    applied(decoder.decode(encoder.encode(viewOf(table, 0, hidden)).bytes));
    encoder.receiveAck(decoder.ack());
    hidden.add(1);
    table.remove(2);
    expect(removals(decoder.decode(encoder.encode(viewOf(table, 1, hidden)).bytes))).toEqual({
      1: 'leftView',
      2: 'destroyed',
    });
    encoder.receiveAck(decoder.ack());
    // Destroyed while out of view, after the client applied and acked its leaving: nothing more to say.
    table.remove(1);
    expect(encoder.encode(viewOf(table, 2, hidden)).sent).toEqual([]);
  });

  it('a view of a view still tells the world apart', () => {
    const table = world(3);
    const { encoder, decoder } = client();
    const view = (tick: number, hide: number | undefined) =>
      frameView(
        frameView(table.frame(tick), (id) => id !== 0),
        (id) => id !== hide,
      );
    applied(decoder.decode(encoder.encode(view(0, undefined)).bytes));
    encoder.receiveAck(decoder.ack());
    expect(removals(decoder.decode(encoder.encode(view(1, 2)).bytes))).toEqual({ 2: 'leftView' });
  });

  it('a removal sent again after a loss keeps its kind', () => {
    const table = world(3);
    const hidden = new Set<number>();
    const { encoder, decoder } = client();
    applied(decoder.decode(encoder.encode(viewOf(table, 0, hidden)).bytes));
    encoder.receiveAck(decoder.ack());
    hidden.add(0);
    table.remove(2);
    encoder.encode(viewOf(table, 1, hidden)); // lost
    encoder.encode(viewOf(table, 2, hidden)); // lost
    const again = encoder.encode(viewOf(table, 3, hidden));
    expect(again.sent).toEqual([0, 2]);
    expect(removals(decoder.decode(again.bytes))).toEqual({ 0: 'leftView', 2: 'destroyed' });
  });

  it('left the view, then destroyed before the client heard: the removal sent again says destroyed', () => {
    const table = world(3);
    const hidden = new Set<number>();
    const { encoder, decoder } = client();
    // A second decoder in the same state, to read the first removal the first one lost.
    const twin = new SnapshotDecoder(registry);
    const first = encoder.encode(viewOf(table, 0, hidden)).bytes;
    applied(decoder.decode(first));
    applied(twin.decode(first));
    encoder.receiveAck(decoder.ack());
    hidden.add(1);
    const left = encoder.encode(viewOf(table, 1, hidden)); // lost
    table.remove(1);
    const again = encoder.encode(viewOf(table, 2, hidden));
    expect(again.sent).toEqual([1]);
    expect(removals(decoder.decode(again.bytes))).toEqual({ 1: 'destroyed' });
    // The lost one said the truth of its own tick.
    expect(removals(twin.decode(left.bytes))).toEqual({ 1: 'leftView' });
  });

  it('left the view, applied but not acked, then destroyed: the second removal changes nothing', () => {
    const table = world(3);
    const hidden = new Set<number>();
    const { encoder, decoder } = client();
    applied(decoder.decode(encoder.encode(viewOf(table, 0, hidden)).bytes));
    encoder.receiveAck(decoder.ack());
    hidden.add(1);
    expect(removals(decoder.decode(encoder.encode(viewOf(table, 1, hidden)).bytes))).toEqual({
      1: 'leftView',
    }); // its ack is lost
    table.remove(1);
    const again = encoder.encode(viewOf(table, 2, hidden));
    expect(again.sent).toEqual([1]);
    // The client holds nothing of entity 1 any more: no second removal event.
    expect(removals(decoder.decode(again.bytes))).toEqual({});
    encoder.receiveAck(decoder.ack());
    expect(encoder.encode(viewOf(table, 3, hidden)).sent).toEqual([]);
  });

  it('a client moved to another view is sent what it no longer sees as left the view', () => {
    const table = world(4);
    const sharedA = new SharedSnapshots(registry);
    const sharedB = new SharedSnapshots(registry);
    const { encoder, decoder } = client(sharedA);
    const seesA = (tick: number) => frameView(table.frame(tick), (id) => id !== 3);
    const seesB = (tick: number) => frameView(table.frame(tick), (id) => id >= 2);
    applied(decoder.decode(encoder.encode(seesA(0)).bytes));
    encoder.receiveAck(decoder.ack());
    encoder.shareWith(sharedB);
    table.remove(0);
    const moved = applied(decoder.decode(encoder.encode(seesB(1)).bytes));
    expect(removals(moved)).toEqual({ 0: 'destroyed', 1: 'leftView' });
    expect(moved.created).toEqual([3]);
  });
});

describe('removal kinds, shared bodies', () => {
  /** Clients in step at the same frame of one view, served from one SharedSnapshots. */
  function inStep(table: EntityTable, count: number, hidden: ReadonlySet<number>) {
    const shared = new SharedSnapshots(registry);
    const clients = Array.from({ length: count }, () => client(shared));
    const frame = viewOf(table, 0, hidden);
    for (const { encoder, decoder } of clients) {
      applied(decoder.decode(encoder.encode(frame).bytes));
      encoder.receiveAck(decoder.ack());
    }
    expect(clients.every(({ encoder }) => encoder.inSharedMode)).toBe(true);
    return { shared, clients };
  }

  it('one body tells every client of the view the same kinds', () => {
    const table = world(5);
    const hidden = new Set<number>();
    const { shared, clients } = inStep(table, 3, hidden);
    hidden.add(1);
    table.remove(3);
    table.update(4, Car, car(40));
    const frame = viewOf(table, 1, hidden);
    const bodies = shared.stats.bodies;
    for (const { encoder, decoder } of clients) {
      const snapshot = encoder.encode(frame);
      expect(removals(decoder.decode(snapshot.bytes))).toEqual({ 1: 'leftView', 3: 'destroyed' });
      encoder.receiveAck(decoder.ack());
    }
    expect(shared.stats.bodies - bodies).toBe(1);
    expect(clients.every(({ encoder }) => encoder.inSharedMode)).toBe(true);
  });

  it('without views, a shared body says destroyed', () => {
    const table = world(3);
    const shared = new SharedSnapshots(registry);
    const { encoder, decoder } = client(shared);
    applied(decoder.decode(encoder.encode(table.frame(0)).bytes));
    encoder.receiveAck(decoder.ack());
    expect(encoder.inSharedMode).toBe(true);
    const bodies = shared.stats.bodies;
    table.remove(0);
    expect(removals(decoder.decode(encoder.encode(table.frame(1)).bytes))).toEqual({ 0: 'destroyed' });
    expect(shared.stats.bodies - bodies).toBe(1);
  });

  it('a client behind (its snapshots lost) is sent the removal again, and destroyed once it is', () => {
    const table = world(3);
    const hidden = new Set<number>();
    const { clients } = inStep(table, 2, hidden);
    const [ahead, behind] = clients as [ReturnType<typeof client>, ReturnType<typeof client>];
    hidden.add(1);
    let frame = viewOf(table, 1, hidden);
    expect(removals(ahead.decoder.decode(ahead.encoder.encode(frame).bytes))).toEqual({ 1: 'leftView' });
    ahead.encoder.receiveAck(ahead.decoder.ack());
    behind.encoder.encode(frame); // lost
    frame = viewOf(table, 2, hidden);
    // Still only out of view: the body against the older frame says so again.
    behind.encoder.encode(frame); // lost as well
    expect(ahead.encoder.encode(frame).sent).toEqual([]);
    table.remove(1);
    frame = viewOf(table, 3, hidden);
    const again = behind.encoder.encode(frame);
    expect(behind.encoder.inSharedMode).toBe(true);
    expect(removals(behind.decoder.decode(again.bytes))).toEqual({ 1: 'destroyed' });
    // The client that applied the leaving is told nothing more.
    expect(ahead.encoder.encode(frame).sent).toEqual([]);
  });

  it('a removal sent again while the entity is still out of view says left the view each time', () => {
    const table = world(3);
    const hidden = new Set<number>();
    const { clients } = inStep(table, 1, hidden);
    const { encoder, decoder } = clients[0] as ReturnType<typeof client>;
    hidden.add(2);
    encoder.encode(viewOf(table, 1, hidden)); // lost
    const again = encoder.encode(viewOf(table, 2, hidden));
    expect(encoder.inSharedMode).toBe(true);
    expect(removals(decoder.decode(again.bytes))).toEqual({ 2: 'leftView' });
  });
});
