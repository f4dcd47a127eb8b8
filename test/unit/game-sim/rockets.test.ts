import { describe, expect, it } from 'vitest';
import {
  addVehicle,
  createWorld,
  DEFAULT_ARENA,
  fireRocket,
  ROCKET_RADIUS,
  ROCKET_SPAWN_DISTANCE,
  ROCKET_SPEED,
  ROCKET_TTL_TICKS,
  RocketEntity,
  raycastVehicles,
  raycastWalls,
  type SimEvent,
  stepWorld,
  TICK_DT,
  VEHICLE_RADIUS,
  type World,
} from '../../../game/sim/index.js';
import { OPEN_ARENA } from './support.js';

function parkedWorld(arena = OPEN_ARENA, places: readonly [number, number][] = []): World {
  const world = createWorld(arena);
  places.forEach(([x, y], index) => {
    const vehicle = addVehicle(world, index + 1, 0);
    Object.assign(vehicle, { x, y, angle: 0 });
  });
  return world;
}

/** Steps until something happens to a rocket (or `limit` ticks); returns that event and the tick count. */
function untilRocketEvent(world: World, limit = 300): { event: SimEvent | undefined; ticks: number } {
  for (let ticks = 1; ticks <= limit; ticks++) {
    const event = stepWorld(world, new Map()).find((candidate) => candidate.type.startsWith('rocket'));
    if (event !== undefined) return { event, ticks };
  }
  return { event: undefined, ticks: limit };
}

describe('rockets', () => {
  it('fly straight at a fixed speed from the nose of the firing vehicle', () => {
    const world = parkedWorld(OPEN_ARENA, [[20, 125]]);
    const rocket = fireRocket(world, 1);
    expect(rocket).toMatchObject({ id: 1, owner: 1, ttl: ROCKET_TTL_TICKS, angle: 0, y: 125 });
    expect(rocket.x).toBeCloseTo(20 + ROCKET_SPAWN_DISTANCE, 2);
    const start = rocket.x;
    for (let tick = 0; tick < 100; tick++) stepWorld(world, new Map());
    // Snapping to 1/512 each tick costs under 0.1% of the distance.
    const distance = 100 * ROCKET_SPEED * TICK_DT;
    expect(Math.abs(rocket.x - start - distance)).toBeLessThan(0.001 * distance);
    expect(rocket.y).toBe(125);
    expect(rocket.ttl).toBe(ROCKET_TTL_TICKS - 100);
    expect(fireRocket(world, 1).id).toBe(2);
  });

  it('hits a vehicle in its path, reporting where and whose it was', () => {
    const world = parkedWorld(OPEN_ARENA, [
      [50, 125],
      [80, 125.5],
    ]);
    const rocket = fireRocket(world, 1);
    const { event, ticks } = untilRocketEvent(world);
    expect(event).toMatchObject({ type: 'rocket-hit', rocket: rocket.id, owner: 1, vehicle: 2 });
    const hit = event as Extract<SimEvent, { type: 'rocket-hit' }>;
    expect(Math.hypot(hit.x - 80, hit.y - 125.5)).toBeCloseTo(VEHICLE_RADIUS + ROCKET_RADIUS, 3);
    expect(ticks).toBe(Math.ceil((80 - 50 - ROCKET_SPAWN_DISTANCE - 1.25) / (ROCKET_SPEED * TICK_DT)));
    expect(world.rockets).toHaveLength(0);
  });

  it('passes through its owner and misses vehicles off its line', () => {
    const world = parkedWorld(OPEN_ARENA, [
      [50, 125],
      [90, 125],
      [70, 128],
    ]);
    fireRocket(world, 1);
    // The owner jumps ahead into the rocket's path: it is not hit, vehicle 2 behind it is; 3 is 3 u off.
    const owner = world.vehicles[0]!;
    owner.x = 60;
    const { event } = untilRocketEvent(world);
    expect(event).toMatchObject({ type: 'rocket-hit', owner: 1, vehicle: 2 });
  });

  it('explodes on the first wall or obstacle in its path and expires after its time to live', () => {
    const world = parkedWorld(DEFAULT_ARENA, [[100, 80]]);
    fireRocket(world, 1);
    const { event } = untilRocketEvent(world);
    // The central pillar: centre (120, 80), radius 7.
    expect(event).toMatchObject({ type: 'rocket-exploded', owner: 1 });
    expect((event as { x: number }).x).toBeCloseTo(113, 3);

    const boundary = parkedWorld(DEFAULT_ARENA, [[100, 150]]);
    boundary.vehicles[0]!.angle = Math.PI / 2;
    fireRocket(boundary, 1);
    expect(untilRocketEvent(boundary).event).toMatchObject({ type: 'rocket-exploded' });
    expect(boundary.rockets).toHaveLength(0);
    expect(untilRocketEvent(boundary, 10).event).toBeUndefined();

    const open = parkedWorld(OPEN_ARENA, [[10, 125]]);
    fireRocket(open, 1);
    const expired = untilRocketEvent(open);
    expect(expired.event).toMatchObject({ type: 'rocket-expired', owner: 1 });
    expect(expired.ticks).toBe(ROCKET_TTL_TICKS);
  });

  it('keeps flying after its owner leaves, and needs an existing owner to be fired', () => {
    const world = parkedWorld(OPEN_ARENA, [[20, 125]]);
    fireRocket(world, 1);
    world.vehicles.length = 0;
    stepWorld(world, new Map());
    expect(world.rockets).toHaveLength(1);
    expect(() => fireRocket(world, 1)).toThrow(RangeError);
  });

  it('are entities of the rocket schema', () => {
    expect(RocketEntity.fieldNames).toEqual(['x', 'y', 'angle', 'owner', 'ttl']);
  });
});

describe('raycasts', () => {
  const world = parkedWorld(DEFAULT_ARENA, [
    [100, 20],
    [60, 20],
    [80, 20.5],
  ]);

  it('raycastVehicles returns the nearest vehicle on the ray and its distance', () => {
    expect(raycastVehicles(world, { x: 10, y: 20 }, { x: 1, y: 0 }, 200)).toEqual({
      vehicleId: 2,
      distance: 60 - VEHICLE_RADIUS - 10,
    });
    // dir need not be unit length
    expect(raycastVehicles(world, { x: 10, y: 20 }, { x: 5, y: 0 }, 200)?.vehicleId).toBe(2);
    // from the other side the nearest is vehicle 1
    expect(raycastVehicles(world, { x: 200, y: 20 }, { x: -1, y: 0 }, 200)?.vehicleId).toBe(1);
  });

  it('skips the ignored vehicle, and misses past maxDist or off the line', () => {
    const hit = raycastVehicles(world, { x: 10, y: 20 }, { x: 1, y: 0 }, 200, 2);
    expect(hit?.vehicleId).toBe(3);
    expect(hit?.distance).toBeCloseTo(80 - 10 - Math.sqrt(1 - 0.25), 9);
    expect(raycastVehicles(world, { x: 10, y: 20 }, { x: 1, y: 0 }, 48)).toBeNull();
    expect(raycastVehicles(world, { x: 10, y: 22 }, { x: 1, y: 0 }, 200)).toBeNull();
    expect(raycastVehicles(world, { x: 10, y: 20 }, { x: -1, y: 0 }, 200)).toBeNull();
    expect(() => raycastVehicles(world, { x: 10, y: 20 }, { x: 0, y: 0 }, 200)).toThrow(RangeError);
  });

  it('raycastWalls returns the distance to the first wall, box or pillar', () => {
    // pillar (30, 80) radius 4
    expect(raycastWalls(world, { x: 10, y: 80 }, { x: 1, y: 0 }, 300)).toBeCloseTo(16, 12);
    // the left boundary
    expect(raycastWalls(world, { x: 10, y: 80 }, { x: -1, y: 0 }, 300)).toBeCloseTo(10, 12);
    // box x 52..60, y 24..56, from below
    expect(raycastWalls(world, { x: 56, y: 10 }, { x: 0, y: 1 }, 300)).toBeCloseTo(14, 12);
    expect(raycastWalls(world, { x: 56, y: 10 }, { x: 0, y: 1 }, 13)).toBeNull();
    // from inside a box: distance 0
    expect(raycastWalls(world, { x: 56, y: 30 }, { x: 1, y: 0 }, 300)).toBe(0);
  });
});
