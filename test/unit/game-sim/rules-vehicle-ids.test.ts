import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  createMatch,
  createWorld,
  findPlayer,
  findVehicle,
  fireRocket,
  freeVehicleId,
  NEUTRAL_INPUT,
  type RuleEvent,
  removePlayer,
  stepGame,
} from '../../../game/sim/index.js';

describe('vehicle ids for new players', () => {
  it('skip players, vehicles and reserved ids', () => {
    const world = createWorld();
    const match = createMatch({ warmupSeconds: 0 }, 0);
    addPlayer(match, world, 0);
    addPlayer(match, world, 2);
    expect(freeVehicleId(match, world)).toBe(1);
    expect(freeVehicleId(match, world, [1, 3])).toBe(4);
  });

  it("are not a leaver's while its rocket flies: the rocket's kill scores for nobody", () => {
    const world = createWorld();
    const match = createMatch({ warmupSeconds: 0 }, 0);
    addPlayer(match, world, 0);
    addPlayer(match, world, 1);
    Object.assign(findVehicle(world, 0) ?? {}, { x: 20, y: 30, angle: 0, vx: 0, vy: 0, spin: 0 });
    Object.assign(findVehicle(world, 1) ?? {}, { x: 45, y: 30, angle: 0, vx: 0, vy: 0, spin: 0 });
    const victim = findPlayer(match, 1);
    if (victim) victim.health = 1;
    fireRocket(world, 0);
    // Player 0 leaves with the rocket in flight; a newcomer joins.
    removePlayer(match, world, 0);
    const newcomer = freeVehicleId(match, world);
    expect(newcomer).toBe(2);
    addPlayer(match, world, newcomer);
    Object.assign(findVehicle(world, newcomer) ?? {}, { x: 5, y: 5 });
    const inputs = new Map([
      [newcomer, NEUTRAL_INPUT],
      [1, NEUTRAL_INPUT],
    ]);
    const kills: RuleEvent[] = [];
    for (let tick = 0; tick < 120 && kills.length === 0; tick++) {
      for (const event of stepGame(world, match, inputs)) if (event.type === 'kill') kills.push(event);
    }
    expect(kills).toEqual([{ type: 'kill', killer: 0, victim: 1, weapon: 'rocket' }]);
    expect(findPlayer(match, newcomer)?.kills).toBe(0);
    // Once the rocket is gone the id is free again.
    expect(world.rockets).toHaveLength(0);
    expect(freeVehicleId(match, world)).toBe(0);
  });
});
