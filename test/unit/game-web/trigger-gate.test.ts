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
});
