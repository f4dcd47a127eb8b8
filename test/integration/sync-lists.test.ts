import { isEntityOf } from 'vehikill-net/client';
import { entity, enumOf, float, int, list, quantizeState, type StateOf, string } from 'vehikill-net/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { expectTypesRefused, syncedMember } from '../support/synced-member.js';
import { tickingSyncRoom } from '../support/ticking-sync-room.js';

/*
 * A ported Colyseus player with small arrays of primitives: ammo per weapon, badges, lap times. The room
 * writes them as plain arrays, a member reads plain arrays back, and a member whose page declares a list
 * otherwise (another maxLength, another element range) is refused as for any other field.
 */

/** The racer type, with its ammo list as declared: `ammoMax` per weapon, `weapons` slots. */
function racerType(ammoMax: number, weapons: number) {
  return entity('racer', {
    x: float({ min: 0, max: 1000, precision: 0.01 }),
    ammo: list(int({ min: 0, max: ammoMax }), { maxLength: weapons }),
    badges: list(enumOf(['first-blood', 'ace', 'survivor']), { maxLength: 3 }),
    laps: list(float({ min: 0, max: 600, precision: 0.001 }), { maxLength: 5 }),
    names: list(string({ maxLength: 16 }), { maxLength: 2 }),
  });
}
const Racer = racerType(99, 4);
type RacerState = StateOf<typeof Racer>;
/** The same type with one more slot of ammo: another wire format. */
const LongerAmmo = racerType(99, 5);
/** The same type with ammo counts up to 100: the same bits, other codes. */
const OtherAmmoRange = racerType(100, 4);

/** The racer at a tick: it moves every tick, fires every 5th, wins a badge and finishes a lap now and then. */
function racerAt(tick: number): RacerState {
  const shots = Math.floor(tick / 5);
  return {
    x: tick * 0.5,
    ammo: [Math.max(0, 99 - shots), 12, 3],
    badges: tick >= 30 ? ['first-blood', 'ace'] : tick >= 10 ? ['first-blood'] : [],
    laps: Array.from({ length: Math.min(5, Math.floor(tick / 20)) }, (_, lap) => 61.2346 + lap),
    names: ['Ada', tick >= 20 ? 'Grace 🚗' : ''],
  };
}

const RaceRoom = tickingSyncRoom(Racer, racerAt);

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ race: RaceRoom });
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

describe('lists in a synced entity, through a real server and client', () => {
  it('arrive as plain arrays, quantized, and a change names the list that changed', async () => {
    const member = await syncedMember(t, [Racer], { create: 'race' }, 'racer');
    const { state, changes, errors } = member;
    const racer = () => {
      const [held] = [...state.entities()];
      return held !== undefined && isEntityOf(held, Racer) ? held : undefined;
    };
    await eventually(() => (racer()?.state.laps.length ?? 0) >= 2, 'two laps done');
    const held = racer();
    if (held === undefined) throw new Error('no racer');
    // What the server held at that snapshot's tick, quantized (the lap times on their 0.001 grid), exactly.
    expect(held.state).toEqual(quantizeState(Racer, racerAt(held.tick)));
    expect(held.state.laps[0]).toBeCloseTo(61.235, 9);
    expect(Array.isArray(held.state.ammo)).toBe(true);
    expect(held.state.names).toEqual(['Ada', 'Grace 🚗']);

    // The lists change at their own ticks: each change names them, and only when they changed.
    const named = new Set(changes.flatMap((change) => change.changed));
    expect(named).toEqual(new Set(['x', 'ammo', 'badges', 'laps', 'names']));
    const ammoChanges = changes.filter((change) => change.changed.includes('ammo')).length;
    const xChanges = changes.filter((change) => change.changed.includes('x')).length;
    // Ammo changes every 5th tick, x every tick (snapshots may carry several ticks at once).
    expect(ammoChanges).toBeLessThan(xChanges);
    expect(errors).toEqual([]);
    member.close();
  });

  it('refuse a member whose page declares a list otherwise, with SYNC_TYPES_MISMATCH', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const host = t.client({ serverLink: 'off', name: 'host' });
    await host.connect();
    const { roomId } = await host.create('race');
    for (const types of [[LongerAmmo], [OtherAmmoRange]]) await expectTypesRefused(t, roomId, types);
    host.close();
  });
});
