import { ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { EntityTable, entity, int, vec2 } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Car = entity('car', {
  position: vec2({ min: -100, max: 100, precision: 0.01 }),
  hp: int({ min: 0, max: 100 }),
});
const Pickup = entity('pickup', { position: vec2({ min: -100, max: 100, precision: 0.01 }) });
const Rocket = entity('rocket', { t: int({ min: 0, max: 10 }) });

function room() {
  const client = { playerId: 'a', userId: 'a', name: 'a', away: false, rttMs: 0 } as unknown as RoomClient;
  return { clients: [client], clock: new ManualClock() };
}

/** Flushes `tick` 50 ms after the last: a snapshot is due each time at the default 20 Hz. */
function flushAt(sync: RoomSync, clock: ManualClock, tick: number): void {
  clock.advance(50);
  sync.flush(tick);
}

describe("RoomSync's world takes only the registered entity types", () => {
  it('refuses to spawn a type left out of `types`, naming it and the registered ones; sync goes on', () => {
    const sent: Uint8Array[] = [];
    const synced = room();
    const sync = new RoomSync(synced, { types: [Car, Pickup], send: (_client, bytes) => sent.push(bytes) });
    sync.world.spawn(Car, { position: { x: 0, y: 0 }, hp: 100 });
    flushAt(sync, synced.clock, 1);
    let error: unknown;
    try {
      // @ts-expect-error: not one of the RoomSync's types
      sync.world.spawn(Rocket, { t: 1 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RangeError);
    const message = (error as Error).message;
    expect(message).toContain("'rocket'");
    expect(message).toContain('car, pickup');
    expect(sync.world.size).toBe(1);
    flushAt(sync, synced.clock, 2);
    flushAt(sync, synced.clock, 3);
    expect(sync.stats()).toMatchObject({ snapshotsFailed: 0, snapshotsSent: 3 });
    expect(sent).toHaveLength(3);
  });

  it('a RoomSync typed with the default (any) types still takes its registered ones', () => {
    const sync: RoomSync = new RoomSync(room(), { types: [Car, Pickup], send: () => {} });
    sync.world.spawn(Pickup, { position: { x: 1, y: 1 } });
    expect(() => sync.world.spawn(Rocket, { t: 1 })).toThrow(/'rocket'.*car, pickup/);
  });

  it('an EntityTable made with types refuses others; one made without takes any', () => {
    const table = new EntityTable({ types: [Car] });
    table.spawn(Car, { position: { x: 0, y: 0 }, hp: 1 });
    // @ts-expect-error: not one of the table's types
    expect(() => table.spawn(Pickup, { position: { x: 0, y: 0 } })).toThrow(RangeError);
    expect(new EntityTable().spawn(Rocket, { t: 2 })).toBe(0);
  });
});
