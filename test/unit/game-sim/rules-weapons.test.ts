import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  createMatch,
  createWorld,
  findPlayer,
  findVehicle,
  type MatchOptions,
  type RuleEvent,
  stepGame,
  type VehicleInput,
  weaponReady,
} from '../../../game/sim/index.js';
import { input, OPEN_ARENA } from './support.js';

/** Players 1 and 2 far apart in an open arena, 1 facing away from 2 so its shots hit nothing. */
function duel(options: MatchOptions = {}) {
  const world = createWorld(OPEN_ARENA);
  const match = createMatch({ warmupSeconds: 0, pickups: [], ...options });
  addPlayer(match, world, 1, 0);
  addPlayer(match, world, 2, 0);
  Object.assign(findVehicle(world, 1)!, { x: 50, y: 125, angle: Math.PI });
  Object.assign(findVehicle(world, 2)!, { x: 200, y: 125 });
  return { world, match, shooter: findPlayer(match, 1)! };
}

function hold(
  ticks: number,
  held: Partial<VehicleInput>,
  step: (inputs: Map<number, VehicleInput>) => RuleEvent[],
) {
  const fired: { tick: number; event: RuleEvent }[] = [];
  const inputs = new Map([[1, input(held)]]);
  for (let tick = 0; tick < ticks; tick++) {
    for (const event of step(inputs)) {
      if (event.type === 'shot' || event.type === 'rocket-fired') fired.push({ tick, event });
    }
  }
  return fired;
}

describe('rules: weapons', () => {
  it('the gun fires 10 shots a second while the trigger is held; the other fire inputs are counted as rejected', () => {
    const { world, match, shooter } = duel();
    const fired = hold(60, { fire: true }, (inputs) => stepGame(world, match, inputs));
    expect(fired.map(({ tick }) => tick)).toEqual([0, 6, 12, 18, 24, 30, 36, 42, 48, 54]);
    expect(shooter.gunAmmo).toBe(50);
    expect(shooter.rejectedFires).toBe(50);
  });

  it('an empty gun fires nothing; fire inputs past its cooldown are excused for a second, then counted', () => {
    const { world, match, shooter } = duel({ gunAmmoMax: 3 });
    // Held every tick: shots at 0, 6 and 12; the 15 ticks of cooldown between them count.
    const fired = hold(72, { fire: true }, (inputs) => stepGame(world, match, inputs));
    expect(fired).toHaveLength(3);
    expect(shooter.gunAmmo).toBe(0);
    expect(weaponReady(shooter, 'gun')).toBe(false);
    expect(shooter.rejectedFires).toBe(15);
    // Empty since tick 12: ticks 18-71 fall within the second an honest client needs to see it.
    expect(shooter.excusedFires).toBe(54);
    // (The match counts its ticks from 1: the third shot was its tick 13.)
    expect(shooter.gunEmptiedTick).toBe(13);
    hold(3, { fire: true }, (inputs) => stepGame(world, match, inputs));
    expect(shooter.excusedFires).toBe(55);
    expect(shooter.rejectedFires).toBe(17);
  });

  // A page that learns of its empty gun a round trip and an interpolation delay late sends one more
  // trigger pull, a gun interval after the last shot: it does nothing, and is held against nobody.
  it('the honest trailing shot on an empty gun is excused, a faster one is not', () => {
    const { world, match, shooter } = duel({ gunAmmoMax: 2 });
    const fireOn = new Set([0, 6, 12, 18]);
    for (let tick = 0; tick < 20; tick++) {
      stepGame(world, match, new Map([[1, input({ fire: fireOn.has(tick) })]]));
    }
    expect(shooter.gunAmmo).toBe(0);
    expect(shooter.rejectedFires).toBe(0);
    expect(shooter.excusedFires).toBe(2);
    // Cooling down is never excused: firing faster than the gun is the cheat.
    const { world: world2, match: match2, shooter: shooter2 } = duel({ gunAmmoMax: 1 });
    stepGame(world2, match2, new Map([[1, input({ fire: true })]]));
    stepGame(world2, match2, new Map([[1, input({ fire: true })]]));
    expect(shooter2.rejectedFires).toBe(1);
    expect(shooter2.excusedFires).toBe(0);
  });

  it('fire inputs while wrecked are refused and never held against the player', () => {
    const { world, match, shooter } = duel();
    // Wrecked by someone at tick 0 (as the rules do it); it respawns 3 s later.
    stepGame(world, match, new Map());
    Object.assign(shooter, { alive: false, respawnTick: match.tick + match.config.respawnTicks });
    for (let tick = 0; tick < 90; tick++) {
      stepGame(world, match, new Map([[1, input({ fire: true, altFire: true })]]));
    }
    expect(shooter.alive).toBe(false);
    expect(shooter.excusedFires).toBe(180);
    expect(shooter.rejectedFires).toBe(0);
  });

  it('rockets: at most one a second, launched into the world, none without ammo', () => {
    const { world, match, shooter } = duel({ rocketAmmoMax: 2 });
    const fired = hold(180, { altFire: true }, (inputs) => stepGame(world, match, inputs));
    expect(fired.map(({ tick, event }) => [tick, event.type])).toEqual([
      [0, 'rocket-fired'],
      [60, 'rocket-fired'],
    ]);
    expect(shooter.rocketAmmo).toBe(0);
    // Cooling down 118 ticks; empty from tick 120, of which the first is within a second of the last shot.
    expect(shooter.rejectedFires).toBe(177);
    expect(shooter.excusedFires).toBe(1);
    // Fired away from everyone: both flew until they hit the wall behind the shooter.
    expect(world.nextRocketId).toBe(3);
  });

  it('weaponReady says when a fire input would be honoured, so an honest client is never rejected', () => {
    const { world, match, shooter } = duel();
    let shots = 0;
    for (let tick = 0; tick < 120; tick++) {
      const fire = weaponReady(shooter, 'gun');
      shots += stepGame(world, match, new Map([[1, input({ fire })]])).filter(
        (e) => e.type === 'shot',
      ).length;
    }
    expect(shots).toBe(20);
    expect(shooter.rejectedFires).toBe(0);
  });

  it('fire inputs during warmup do nothing and are not counted; play starts when warmup ends', () => {
    const { world, match, shooter } = duel({ warmupSeconds: 1 });
    expect(match.phase).toBe('warmup');
    const events: RuleEvent[] = [];
    for (let tick = 0; tick < 61; tick++)
      events.push(...stepGame(world, match, new Map([[1, input({ fire: true })]])));
    expect(events.map((event) => event.type)).toEqual(['match-started', 'shot']);
    expect(shooter.rejectedFires).toBe(0);
    expect(match.phase).toBe('playing');
  });
});
