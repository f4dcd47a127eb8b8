import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  createMatch,
  createWorld,
  findPlayer,
  findVehicle,
  pickupSyncState,
  type RuleEvent,
  stepGame,
} from '../../../game/sim/index.js';
import { OPEN_ARENA } from './support.js';

/** Player 1 parked on pickup 1 (repair at 100, 125), player 2 on pickup 2 (ammo at 150, 125). */
function parkedOnPickups() {
  const world = createWorld(OPEN_ARENA);
  const match = createMatch({
    warmupSeconds: 0,
    pickupRespawnSeconds: 2,
    pickups: [
      { kind: 'repair', x: 100, y: 125 },
      { kind: 'ammo', x: 150, y: 125 },
    ],
  });
  addPlayer(match, world, 1, 0);
  addPlayer(match, world, 2, 0);
  Object.assign(findVehicle(world, 1)!, { x: 100, y: 127 });
  Object.assign(findVehicle(world, 2)!, { x: 152, y: 125 });
  return { world, match, medic: findPlayer(match, 1)!, gunner: findPlayer(match, 2)! };
}

describe('rules: pickups', () => {
  it('repair heals by 50 up to full, ammo refills both weapons; each is gone until it respawns', () => {
    const { world, match, medic, gunner } = parkedOnPickups();
    medic.health = 40;
    gunner.gunAmmo = 3;
    gunner.rocketAmmo = 0;
    const events = stepGame(world, match, new Map());
    expect(events).toEqual([
      { type: 'pickup-taken', pickup: 1, kind: 'repair', player: 1 },
      { type: 'pickup-taken', pickup: 2, kind: 'ammo', player: 2 },
    ]);
    expect(medic).toMatchObject({ health: 90, damage: 'intact' });
    expect(gunner).toMatchObject({ gunAmmo: 60, rocketAmmo: 6 });
    expect(match.pickups.map(pickupSyncState)).toEqual([
      { kind: 'repair', x: 100, y: 125, active: false },
      { kind: 'ammo', x: 150, y: 125, active: false },
    ]);

    // Still parked on them and in need again: nothing until the 2 s are up, then back and taken at once.
    medic.health = 60;
    const later: RuleEvent[] = [];
    for (let tick = 1; tick < 120; tick++) later.push(...stepGame(world, match, new Map()));
    expect(later).toEqual([]);
    expect(stepGame(world, match, new Map())).toEqual([
      { type: 'pickup-respawned', pickup: 1 },
      { type: 'pickup-respawned', pickup: 2 },
    ]);
    expect(stepGame(world, match, new Map())).toEqual([
      { type: 'pickup-taken', pickup: 1, kind: 'repair', player: 1 },
    ]);
    expect(medic.health).toBe(100);
  });

  it('a car that needs nothing leaves the pickup for others, and one out of reach cannot take it', () => {
    const { world, match, medic } = parkedOnPickups();
    expect(stepGame(world, match, new Map())).toEqual([]);
    expect(match.pickups.every((pickup) => pickup.active)).toBe(true);
    medic.health = 50;
    // The hull must come within 1.5 u of the pickup's centre: 2.6 u between centres is out of reach.
    Object.assign(findVehicle(world, 1)!, { x: 100, y: 127.6 });
    expect(stepGame(world, match, new Map())).toEqual([]);
    Object.assign(findVehicle(world, 1)!, { x: 100, y: 127.4 });
    expect(stepGame(world, match, new Map())).toMatchObject([{ type: 'pickup-taken', player: 1 }]);
  });
});
