import { describe, expect, it } from 'vitest';
import {
  addVehicle,
  createWorld,
  DEFAULT_ARENA,
  defineArena,
  findVehicle,
  MAX_VEHICLE_ID,
  removeVehicle,
  spawnIsClear,
  stepWorld,
  VEHICLE_RADIUS,
} from '../../../game/sim/index.js';

describe('the default arena', () => {
  it('is 240 x 160 with 16 clear spawn points, well apart, each facing the centre', () => {
    expect(DEFAULT_ARENA).toMatchObject({ width: 240, height: 160 });
    expect(DEFAULT_ARENA.spawns).toHaveLength(16);
    DEFAULT_ARENA.spawns.forEach((spawn, index) => {
      expect(spawnIsClear(DEFAULT_ARENA, spawn), `spawn ${index}`).toBe(true);
      const towardCentre = Math.atan2(80 - spawn.y, 120 - spawn.x);
      expect(spawn.angle).toBeCloseTo(towardCentre, 12);
      for (const other of DEFAULT_ARENA.spawns.slice(index + 1)) {
        expect(Math.hypot(other.x - spawn.x, other.y - spawn.y)).toBeGreaterThan(10 * VEHICLE_RADIUS);
      }
    });
    expect(Object.isFrozen(DEFAULT_ARENA.boxes[0])).toBe(true);
  });

  it('refuses arenas that do not fit the position fields or put a spawn in a wall', () => {
    const base = {
      name: 'test',
      width: 100,
      height: 100,
      boxes: [],
      circles: [],
      spawns: [{ x: 50, y: 50, angle: 0 }],
    };
    expect(() => defineArena({ ...base, width: 300 })).toThrow(/not within/);
    expect(() => defineArena({ ...base, spawns: [] })).toThrow(/spawn point/);
    expect(() => defineArena({ ...base, circles: [{ x: 50, y: 51, radius: 2 }] })).toThrow(/spawn 0/);
    expect(() => defineArena({ ...base, boxes: [{ minX: 5, minY: 5, maxX: 4, maxY: 6 }] })).toThrow(/box 0/);
    expect(() => defineArena({ ...base, spawns: [{ x: 0.5, y: 50, angle: 0 }] })).toThrow(/spawn 0/);
  });
});

describe('world membership', () => {
  it('spawns each new vehicle at the free spawn point farthest from the others', () => {
    const world = createWorld(DEFAULT_ARENA);
    for (let id = 16; id >= 1; id--) addVehicle(world, id);
    const places = new Set(world.vehicles.map((vehicle) => `${vehicle.x},${vehicle.y}`));
    expect(places.size).toBe(16);
    expect(world.vehicles.map((vehicle) => vehicle.id)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    // All 16 start clear of each other: the first step reports no collision.
    expect(stepWorld(world, new Map()).filter((event) => event.type === 'vehicle-collision')).toEqual([]);
  });

  it('keeps vehicles in id order and finds, removes and refuses them by id', () => {
    const world = createWorld(DEFAULT_ARENA);
    addVehicle(world, 7, 0);
    addVehicle(world, 3, 1);
    addVehicle(world, 12, 2);
    expect(world.vehicles.map((vehicle) => vehicle.id)).toEqual([3, 7, 12]);
    expect(findVehicle(world, 12)?.x).toBe(DEFAULT_ARENA.spawns[2]!.x);
    expect(() => addVehicle(world, 7)).toThrow(/already exists/);
    expect(() => addVehicle(world, MAX_VEHICLE_ID + 1)).toThrow(RangeError);
    expect(() => addVehicle(world, 1.5)).toThrow(RangeError);
    expect(() => addVehicle(world, 20, 16)).toThrow(/spawn 16/);
    expect(removeVehicle(world, 7)).toBe(true);
    expect(removeVehicle(world, 7)).toBe(false);
    expect(world.vehicles.map((vehicle) => vehicle.id)).toEqual([3, 12]);
    expect(findVehicle(world, 7)).toBeUndefined();
  });

  it('counts ticks from the start tick given', () => {
    const world = createWorld(DEFAULT_ARENA, { tick: 500 });
    stepWorld(world, new Map());
    expect(world.tick).toBe(501);
    expect(() => createWorld(DEFAULT_ARENA, { tick: -1 })).toThrow(RangeError);
  });
});
