import {
  EncodingCache,
  type EntityCodes,
  type EntityRecord,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { settledCollection } from '../../../support/garbage.js';
import { applied, Car, car, registry, world } from './harness.js';

/*
 * A server runs a match for hours: what it keeps for its encoders must not grow with the ticks played.
 * These tests hold weak references to the states of early ticks, play on, collect garbage and check that
 * the early states are gone.
 */

const CARS = 60;
/** Room for a fraction of the cars' changes: snapshots are cut by the budget, so clients are tracked per entity. */
const BUDGET_BYTES = 120;

/**
 * Plays `ticks` ticks of cars that all move every tick to one client that acks (or not). Answers weak
 * references to the states of the first 20 ticks, and the world and encoder, which the caller must keep
 * alive through the collection: what an encoder wrongly keeps hangs off them.
 */
function play(options: {
  ticks: number;
  budgetBytes: number;
  acks: boolean;
  resend?: boolean;
  /** The first of the 20 ticks whose states are watched; default 0. */
  watchFrom?: number;
}) {
  const table = world(CARS);
  const cache = new EncodingCache();
  const shared = new SharedSnapshots(registry, { cache });
  const encoder = new SnapshotEncoder(registry, { cache, shared, resend: options.resend === true });
  const decoder = new SnapshotDecoder(registry, { resent: options.resend === true });
  const early: WeakRef<EntityCodes>[] = [];
  const watchFrom = options.watchFrom ?? 0;
  for (let tick = 0; tick < options.ticks; tick++) {
    for (let id = 0; id < CARS; id++) table.update(id, Car, car(((tick * 7 + id) % 200) - 100));
    if (tick >= watchFrom && tick < watchFrom + 20) {
      for (let id = 0; id < CARS; id++) early.push(new WeakRef((table.get(id) as EntityRecord).codes));
    }
    const snapshot = encoder.encode(table.frame(tick), { budgetBytes: options.budgetBytes });
    decoder.decode(snapshot.bytes);
    if (options.acks) encoder.receiveAck(decoder.ack());
  }
  return { early, table, encoder };
}

/** The early states still held once garbage is collected, with the world and its encoder still in use. */
async function heldAfterCollection(played: ReturnType<typeof play>): Promise<number> {
  await settledCollection();
  const held = played.early.filter((ref) => ref.deref() !== undefined).length;
  // Used after the collection, so that neither was collectable during it.
  played.encoder.encode(played.table.frame(Number.MAX_SAFE_INTEGER));
  return held;
}

describe('what the encoders keep', () => {
  it('lets the states of earlier ticks go while a client acks snapshots cut by the budget', async () => {
    const played = play({ ticks: 400, budgetBytes: BUDGET_BYTES, acks: true });
    // Every early state was superseded and acked long ago: none is still needed.
    expect(await heldAfterCollection(played)).toBe(0);
  });

  it('lets a world go a few snapshots after its ack, when snapshots may be sent again (RoomSync)', async () => {
    // Watched: the states of 20 ticks that are 20 to 39 snapshots old at the end, all acked at once. A
    // snapshot is kept to be sent again for 32 snapshots, and a decoder keeps copies as of 64 back, but a
    // world kept that long outlives the collector's young generation: it is let go once eight newer
    // acked snapshots can serve as predictors instead.
    const played = play({
      ticks: 60,
      budgetBytes: Number.POSITIVE_INFINITY,
      acks: true,
      resend: true,
      watchFrom: 20,
    });
    expect(await heldAfterCollection(played)).toBe(0);
  });

  it.each([
    ['whole', Number.POSITIVE_INFINITY],
    ['cut by the budget', BUDGET_BYTES],
  ])('keeps a bounded past for a client that never acks, snapshots %s', async (_, budgetBytes) => {
    const played = play({ ticks: 400, budgetBytes, acks: false });
    // Unacked snapshots are kept for PENDING_SNAPSHOTS (128) and records per entity for 64: after 400
    // ticks the first 20 are past both.
    expect(await heldAfterCollection(played)).toBe(0);
  });
});

describe('what a decoder keeps', () => {
  it('lets removed entities go after a snapshot it could not read', async () => {
    const table = world(CARS);
    const encoder = new SnapshotEncoder(registry);
    const decoder = new SnapshotDecoder(registry);
    applied(decoder.decode(encoder.encode(table.frame(0)).bytes));
    encoder.receiveAck(decoder.ack());
    const copies: WeakRef<EntityCodes>[] = [];
    for (let id = 0; id < CARS; id++) copies.push(new WeakRef(decoder.peekCodes(id) as EntityCodes));
    // Every car moves; the snapshot arrives cut short, after most of its records were read.
    for (let id = 0; id < CARS; id++) table.update(id, Car, car(id + 1));
    const whole = encoder.encode(table.frame(1)).bytes;
    expect(() => decoder.decode(whole.subarray(0, whole.length - 2))).toThrow(/BAD_FRAME|past|needs/);
    // Then every car is destroyed, and the client applies that a few removals a snapshot (smaller
    // snapshots than the one that failed).
    for (let id = 0; id < CARS; id++) table.remove(id);
    for (let tick = 2; decoder.size > 0 && tick < 200; tick++) {
      const outcome = applied(decoder.decode(encoder.encode(table.frame(tick), { budgetBytes: 20 }).bytes));
      expect(outcome.removed.length).toBeLessThan(CARS / 2);
      encoder.receiveAck(decoder.ack());
    }
    await settledCollection();
    // Nothing of the cars is needed any more: the snapshot that failed must not have kept them.
    expect(copies.filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    expect(decoder.size).toBe(0);
  });
});
