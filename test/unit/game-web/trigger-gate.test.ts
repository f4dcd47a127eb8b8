import { describe, expect, it } from 'vitest';
import type { SessionView } from '../../../game/client/game-session.js';
import { NEUTRAL_INPUT, type PlayerSyncState } from '../../../game/sim/index.js';
import { TriggerGate } from '../../../game/web/input/trigger-gate.js';

const me = { gunAmmo: 60, rocketAmmo: 6, alive: true } as PlayerSyncState;
const view = (tick: number): SessionView => ({
  tick,
  playing: true,
  own: undefined,
  me,
  alive: true,
  others: [],
  parked: () => false,
  pickups: [],
});
const both = { ...NEUTRAL_INPUT, fire: true, altFire: true };

describe('TriggerGate', () => {
  it('lets one shot per weapon interval through', () => {
    const gate = new TriggerGate();
    expect(gate.apply(both, view(1_000))).toMatchObject({ fire: true, altFire: true });
    expect(gate.apply(both, view(1_001))).toMatchObject({ fire: false, altFire: false });
    expect(gate.apply(both, view(1_006))).toMatchObject({ fire: true, altFire: false });
    expect(gate.apply(both, view(1_060))).toMatchObject({ fire: true, altFire: true });
  });

  // The page keeps one gate for its session; every room's ticks start again from zero.
  it('fires at once in the next room, whose ticks start below the last room’s', () => {
    const gate = new TriggerGate();
    expect(gate.apply(both, view(90_000))).toMatchObject({ fire: true, altFire: true });
    expect(gate.apply(both, view(200))).toMatchObject({ fire: true, altFire: true });
    expect(gate.apply(both, view(201))).toMatchObject({ fire: false, altFire: false });
  });

  // The synced ammo is a round trip and an interpolation delay old: the gate counts its own shots down
  // from it, so the last round is the last shot, and no fire goes out for the server to refuse.
  it('stops when its own shots emptied the gun, before the synced state shows it', () => {
    const gate = new TriggerGate();
    const fire = { ...NEUTRAL_INPUT, fire: true };
    // Three rounds left as of server tick 100; the state keeps saying so for a while.
    const stale = (tick: number, gunAmmo: number, meTick: number): SessionView => ({
      ...view(tick),
      me: { ...me, gunAmmo },
      meTick,
    });
    expect(gate.apply(fire, stale(110, 3, 100)).fire).toBe(true);
    expect(gate.apply(fire, stale(116, 3, 100)).fire).toBe(true);
    expect(gate.apply(fire, stale(122, 3, 106)).fire).toBe(true);
    expect(gate.apply(fire, stale(128, 3, 106)).fire).toBe(false);
    // The state catches up (two shots counted by tick 117): still one spent that it does not show.
    expect(gate.apply(fire, stale(134, 1, 117)).fire).toBe(false);
    expect(gate.apply(fire, stale(140, 0, 123)).fire).toBe(false);
    // An ammo pickup refills it.
    expect(gate.apply(fire, stale(146, 60, 140)).fire).toBe(true);
  });

  // The car's state is sent only when it changes: a shot that changed nothing (its input lost, or
  // refused) is never shown as counted, and must not keep the last round from being fired for good.
  it('forgets a shot the synced state never counted after a second', () => {
    const gate = new TriggerGate();
    const fire = { ...NEUTRAL_INPUT, fire: true };
    const still = (tick: number): SessionView => ({ ...view(tick), me: { ...me, gunAmmo: 1 }, meTick: 100 });
    expect(gate.apply(fire, still(110)).fire).toBe(true); // lost on the way: the state stays as of 100
    expect(gate.apply(fire, still(140)).fire).toBe(false);
    expect(gate.apply(fire, still(169)).fire).toBe(false);
    expect(gate.apply(fire, still(171)).fire).toBe(true);
  });
});
