import {
  type EntityTable,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
  type WorldFrame,
} from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import { applied, Car, car, checkComplete, glide, registry, world } from './harness.js';

/**
 * Two clients of one world, acking at once: `lossy` loses the snapshot of tick 2 and applies its own of
 * tick 3; `steady` applies all. Steady's snapshot of tick 4 is written against tick 3 with tick 2 as its
 * predictor: lossy, which holds tick 3, can apply it once it holds tick 2 too. The two encoders number
 * their snapshots alike, so each snapshot names the same seqs for both.
 */
function lostThenNewer(change: (table: EntityTable, tick: number) => void = () => {}) {
  const table = world(6, 1);
  const ids = [0, 1, 2, 3, 4, 5];
  const shared = new SharedSnapshots(registry);
  const lossy = {
    encoder: new SnapshotEncoder(registry, { shared }),
    decoder: new SnapshotDecoder(registry, { resent: true }),
  };
  const steady = {
    encoder: new SnapshotEncoder(registry, { shared }),
    decoder: new SnapshotDecoder(registry),
  };
  const frames: WorldFrame[] = [];
  let lost: Uint8Array | undefined;
  let next: Uint8Array | undefined;
  for (let tick = 0; tick <= 4; tick++) {
    glide(table, ids, tick);
    change(table, tick);
    const frame = table.frame(tick);
    frames.push(frame);
    // Not at tick 4: steady's body is then its own (lossy's, against tick 3 with tick 1 as predictor,
    // would serve steady too).
    const forLossy = tick < 4 ? lossy.encoder.encode(frame) : undefined;
    const forSteady = steady.encoder.encode(frame);
    if (tick === 2) lost = forLossy?.bytes.slice();
    else if (forLossy !== undefined) {
      applied(lossy.decoder.decode(forLossy.bytes));
      lossy.encoder.receiveAck(lossy.decoder.ack());
    }
    if (tick === 4) next = forSteady.bytes.slice();
    applied(steady.decoder.decode(forSteady.bytes));
    steady.encoder.receiveAck(steady.decoder.ack());
  }
  return { table, decoder: lossy.decoder, lost: lost as Uint8Array, next: next as Uint8Array, frames };
}

/** Bit `back` - 1 of the ack's field: whether the snapshot `back` before the newest was applied. */
function ackedBack(decoder: SnapshotDecoder, back: number): boolean {
  return Math.floor(decoder.ack().previous / 2 ** (back - 1)) % 2 === 1;
}

describe('late fill of a resent snapshot', () => {
  it('keeps its copies for a later snapshot that names it, and marks it applied in the ack', () => {
    const { decoder, lost, next, frames } = lostThenNewer();
    expect(ackedBack(decoder, 1)).toBe(false);
    const before = [...decoder.ids()].map((id) => decoder.get(id));

    expect(decoder.decodeResent(lost)).toEqual({
      kind: 'filled',
      seq: 2,
      tick: 2,
      created: [],
      updated: [],
      removed: [],
      removedKinds: [],
    });
    // Nothing current changed: tick 3 is still what the client holds.
    expect([...decoder.ids()].map((id) => decoder.get(id))).toEqual(before);
    checkComplete(decoder, frames[3] as WorldFrame);
    expect(decoder.ack()).toMatchObject({ newest: 3, resync: false });
    expect(ackedBack(decoder, 1)).toBe(true);

    applied(decoder.decode(next));
    checkComplete(decoder, frames[4] as WorldFrame);
  });

  it('is needed: without it the later snapshot cannot be followed', () => {
    const { decoder, next } = lostThenNewer();
    expect(decoder.decode(next).kind).toBe('resync');
  });

  it('skips an entity removed since, and ignores its own removals', () => {
    // Car 1 changes at tick 2 (in the lost snapshot) and is removed at tick 3; car 5 goes at tick 2.
    const { decoder, lost, next, frames } = lostThenNewer((table, tick) => {
      if (tick === 2) table.update(1, Car, car(42, 7));
      if (tick === 2) table.remove(5);
      if (tick === 3) table.remove(1);
    });
    expect(decoder.get(1)).toBeUndefined();
    expect(decoder.decodeResent(lost).kind).toBe('filled');
    expect(decoder.get(1)).toBeUndefined();
    expect(decoder.get(5)).toBeUndefined();
    applied(decoder.decode(next));
    checkComplete(decoder, frames[4] as WorldFrame);
  });

  it('answers a checksum mismatch with a resync and keeps nothing', () => {
    const { decoder, lost } = lostThenNewer();
    const held = [...decoder.ids()].map((id) => decoder.get(id));
    // The tick is in the checksum: one bit of it changed (2 -> 3, not later than the newest) fails it.
    const damaged = lost.slice();
    damaged[4] = (damaged[4] as number) ^ 1;
    const outcome = decoder.decodeResent(damaged);
    expect(outcome).toMatchObject({ kind: 'resync', seq: 2 });
    expect(outcome.kind === 'resync' && outcome.reason).toMatch(/checksum/);
    expect([...decoder.ids()].map((id) => decoder.get(id))).toEqual(held);
    expect(ackedBack(decoder, 1)).toBe(false);
    expect(decoder.ack().resync).toBe(true);
  });

  it('changes nothing for a snapshot already applied', () => {
    const { decoder, lost, next } = lostThenNewer();
    expect(decoder.decodeResent(lost).kind).toBe('filled');
    const ack = decoder.ack();
    const held = [...decoder.ids()].map((id) => decoder.get(id));
    expect(decoder.decodeResent(lost)).toEqual({ kind: 'stale', seq: 2 });
    expect(decoder.ack()).toEqual(ack);
    expect([...decoder.ids()].map((id) => decoder.get(id))).toEqual(held);
    applied(decoder.decode(next));
  });

  it('leaves an old snapshot that was not resent stale, as a per-client snapshot must be', () => {
    const { decoder, lost, next } = lostThenNewer();
    expect(decoder.decode(lost)).toEqual({ kind: 'stale', seq: 2 });
    expect(ackedBack(decoder, 1)).toBe(false);
    expect(decoder.decode(next).kind).toBe('resync');
  });

  it('applies a resent snapshot newer than the newest applied as an ordinary one', () => {
    const table = world(3);
    const encoder = new SnapshotEncoder(registry, { shared: new SharedSnapshots(registry) });
    const decoder = new SnapshotDecoder(registry);
    applied(decoder.decode(encoder.encode(table.frame(0)).bytes));
    encoder.receiveAck(decoder.ack());
    table.update(2, Car, car(9));
    const outcome = decoder.decodeResent(encoder.encode(table.frame(1)).bytes);
    expect(applied(outcome as Parameters<typeof applied>[0]).updated).toEqual([2]);
    checkComplete(decoder, table.frame(1));
  });
});
