import { isEntityOf } from 'vehikill-net/client';
import { angle, bool, entity, enumOf, float, int, quantizeState, type StateOf } from 'vehikill-net/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { expectTypesRefused, syncedMember } from '../support/synced-member.js';
import { tickingSyncRoom } from '../support/ticking-sync-room.js';

/*
 * A ported Colyseus fighter whose weapon was a nested schema with a mount schema inside: the room writes
 * the nested state object, a member reads the same nesting back, each change naming the group's field
 * that moved, and a page that declares the fields one by one (the same wire, other names) is refused.
 */

const Fighter = entity('fighter', {
  x: float({ min: 0, max: 1000, precision: 0.01 }),
  weapon: {
    ammo: int({ min: 0, max: 99 }),
    kind: enumOf(['gun', 'rocket']),
    mount: { turn: angle({ bits: 8 }), locked: bool() },
  },
});
type FighterState = StateOf<typeof Fighter>;

/** The same fields declared one by one: the bytes on the wire are alike, the schema is not. */
const FlatFighter = entity('fighter', {
  x: float({ min: 0, max: 1000, precision: 0.01 }),
  ammo: int({ min: 0, max: 99 }),
  kind: enumOf(['gun', 'rocket']),
  turn: angle({ bits: 8 }),
  locked: bool(),
});

/** The fighter at a tick: it moves every tick, fires every 5th, turns its mount every 10th. */
function fighterAt(tick: number): FighterState {
  return {
    x: tick * 0.5,
    weapon: {
      ammo: Math.max(0, 99 - Math.floor(tick / 5)),
      kind: 'rocket',
      mount: { turn: Math.floor(tick / 10) * 0.1, locked: true },
    },
  };
}

const FightRoom = tickingSyncRoom(Fighter, fighterAt);

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ fight: FightRoom });
});
afterAll(() => t.close());
afterEach(() => vi.restoreAllMocks());

describe('groups of fields in a synced entity, through a real server and client', () => {
  it('arrive nested and frozen, and a change names the group field that changed', async () => {
    const member = await syncedMember(t, [Fighter], { create: 'fight' }, 'fighter');
    const { state, changes, errors } = member;
    const fighter = () => {
      const [held] = [...state.entities()];
      return held !== undefined && isEntityOf(held, Fighter) ? held : undefined;
    };
    await eventually(() => (fighter()?.tick ?? 0) >= 25, 'the mount turned twice');
    const held = fighter();
    if (held === undefined) throw new Error('no fighter');
    // What the server held at that snapshot's tick, quantized, exactly, and nested as declared.
    expect(held.state).toEqual(quantizeState(Fighter, fighterAt(held.tick)));
    expect(held.state.weapon.mount.locked).toBe(true);
    // Every reader gets the same object: the group's objects are as read-only as the state.
    expect(Object.isFrozen(held.state.weapon)).toBe(true);
    expect(Object.isFrozen(held.state.weapon.mount)).toBe(true);

    const named = new Set(changes.flatMap((change) => change.changed));
    expect(named).toEqual(new Set(['x', 'weapon.ammo', 'weapon.mount.turn']));
    const count = (name: string) => changes.filter((change) => change.changed.includes(name)).length;
    // Snapshots may carry several ticks at once, so each count is at most its rate's.
    expect(count('weapon.mount.turn')).toBeLessThan(count('weapon.ammo'));
    expect(count('weapon.ammo')).toBeLessThan(count('x'));
    expect(errors).toEqual([]);
    member.close();
  });

  it('refuse a member whose page declares the fields one by one, with SYNC_TYPES_MISMATCH', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    const host = t.client({ serverLink: 'off', name: 'host' });
    await host.connect();
    const { roomId } = await host.create('fight');
    await expectTypesRefused(t, roomId, [FlatFighter]);
    host.close();
  });
});
