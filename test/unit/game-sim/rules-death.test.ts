import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  createMatch,
  createWorld,
  DEFAULT_ARENA,
  damageStateOf,
  findPlayer,
  findVehicle,
  type RuleEvent,
  stepGame,
  stepWorld,
} from '../../../game/sim/index.js';
import { input, OPEN_ARENA } from './support.js';

const FIRE = new Map([[1, input({ fire: true })]]);
const alwaysHits2 = () => 2;

describe('rules: damage, death and respawn', () => {
  it('the damage state follows health: intact, damaged, critical, wrecked', () => {
    expect([100, 70, 69, 35, 34, 1, 0].map(damageStateOf)).toEqual([
      'intact',
      'intact',
      'damaged',
      'damaged',
      'critical',
      'critical',
      'wrecked',
    ]);
    const world = createWorld(OPEN_ARENA);
    const match = createMatch({ warmupSeconds: 0, pickups: [] });
    addPlayer(match, world, 1, 0);
    addPlayer(match, world, 2, 0);
    const target = findPlayer(match, 2)!;
    const seen: string[] = [];
    for (let tick = 0; tick < 6 * 13; tick++) {
      stepGame(world, match, FIRE, alwaysHits2);
      if (seen.at(-1) !== target.damage) seen.push(target.damage);
    }
    expect(seen).toEqual(['intact', 'damaged', 'critical', 'wrecked']);
  });

  it('at 0 health a car is wrecked: kill credited and fed, and 3 s later it respawns fully armed at the clearest spawn', () => {
    const world = createWorld(DEFAULT_ARENA);
    const match = createMatch({ warmupSeconds: 0, pickups: [] });
    for (let id = 1; id <= 4; id++) addPlayer(match, world, id, id - 1);
    const victim = findPlayer(match, 2)!;
    victim.health = 8;
    victim.gunAmmo = 1;
    const events = stepGame(world, match, FIRE, alwaysHits2);
    const deathTick = world.tick;
    expect(events.filter((event) => event.type === 'kill')).toEqual([
      { type: 'kill', killer: 1, victim: 2, weapon: 'gun' },
    ]);
    expect(victim).toMatchObject({ alive: false, health: 0, deaths: 1, damage: 'wrecked' });
    expect(findPlayer(match, 1)).toMatchObject({ kills: 1, score: 1, deaths: 0 });
    expect(match.killFeed).toEqual([{ tick: deathTick, killer: 1, victim: 2, weapon: 'gun' }]);
    expect(findVehicle(world, 2)).toBeUndefined();

    const later: RuleEvent[] = [];
    for (let tick = 1; tick < 180; tick++) later.push(...stepGame(world, match, new Map()));
    expect(later.filter((event) => event.type === 'respawn')).toEqual([]);
    const respawn = stepGame(world, match, new Map()).filter((event) => event.type === 'respawn');
    expect(world.tick - deathTick).toBe(180);
    const car = findVehicle(world, 2)!;
    expect(respawn).toEqual([{ type: 'respawn', player: 2, x: car.x, y: car.y }]);
    expect(victim).toMatchObject({ alive: true, health: 100, gunAmmo: 60, rocketAmmo: 6, deaths: 1 });
    // The clearest spawn: none lies farther from every other car.
    const nearestCar = (x: number, y: number) =>
      Math.min(...world.vehicles.filter((v) => v.id !== 2).map((v) => Math.hypot(v.x - x, v.y - y)));
    const chosen = nearestCar(car.x, car.y);
    for (const spawn of DEFAULT_ARENA.spawns)
      expect(nearestCar(spawn.x, spawn.y)).toBeLessThanOrEqual(chosen + 0.01);
  });

  it('a wrecked car neither collides nor can be hit until it respawns', () => {
    const world = createWorld(OPEN_ARENA);
    const match = createMatch({ warmupSeconds: 0, pickups: [] });
    addPlayer(match, world, 1, 0);
    addPlayer(match, world, 2, 0);
    addPlayer(match, world, 3, 0);
    Object.assign(findVehicle(world, 1)!, { x: 50, y: 125, angle: 0 });
    Object.assign(findVehicle(world, 2)!, { x: 70, y: 125 });
    Object.assign(findVehicle(world, 3)!, { x: 80, y: 125, angle: Math.PI });
    findPlayer(match, 2)!.health = 8;
    stepGame(world, match, FIRE);
    expect(findPlayer(match, 2)!.alive).toBe(false);

    // Shots along the same line now reach 3 behind the wreck; a resolver still naming 2 does nothing.
    for (let tick = 0; tick < 6; tick++) stepGame(world, match, new Map());
    stepGame(world, match, FIRE);
    expect(findPlayer(match, 3)!.health).toBe(92);
    for (let tick = 0; tick < 6; tick++) stepGame(world, match, new Map());
    const claimed = stepGame(world, match, FIRE, alwaysHits2);
    expect(claimed.filter((event) => event.type === 'damage')).toEqual([]);

    // 3 drives through where 2 was: no contact with anything.
    const drive = new Map([[3, input({ throttle: 1 })]]);
    findVehicle(world, 3)!.vx = -20;
    for (let tick = 0; tick < 60; tick++) {
      const simEvents = stepWorld(world, drive);
      expect(simEvents.filter((event) => event.type === 'vehicle-collision')).toEqual([]);
    }
    expect(findVehicle(world, 3)!.x).toBeLessThan(65);
  });

  it('ramming hurts both cars by the impulse above the threshold; bumps are free', () => {
    const crash = (speed: number) => {
      const world = createWorld(OPEN_ARENA);
      const match = createMatch({ warmupSeconds: 0, pickups: [] });
      addPlayer(match, world, 1, 0);
      addPlayer(match, world, 2, 0);
      Object.assign(findVehicle(world, 1)!, { x: 100, y: 125, angle: 0, vx: speed });
      Object.assign(findVehicle(world, 2)!, { x: 102.2, y: 125, angle: Math.PI, vx: -speed });
      let impulse = 0;
      for (let tick = 0; tick < 10; tick++) {
        stepGame(world, match, new Map());
        for (const event of world.events) if (event.type === 'vehicle-collision') impulse = event.impulse;
      }
      return { impulse, healths: match.players.map((player) => player.health) };
    };
    const hard = crash(20);
    expect(hard.impulse).toBeGreaterThan(25);
    const expected = 100 - Math.round((hard.impulse - 10) * 0.5);
    expect(hard.healths).toEqual([expected, expected]);
    const bump = crash(3);
    expect(bump.impulse).toBeGreaterThan(0);
    expect(bump.healths).toEqual([100, 100]);
  });
});
