import { atan2 } from './trig.js';
import { VEHICLE_RADIUS } from './vehicle-constants.js';

/*
 * World units are metres-ish: a vehicle is 2.5 x 1.5 units. The arena is the rectangle [0, width] x
 * [0, height], walled on all four sides, with axis-aligned boxes and round pillars inside.
 */

/** An arena side may not exceed this: the position fields' range is 0..256 at 1/512 (see schema.ts). */
export const MAX_ARENA_SIZE = 255;

export interface BoxObstacle {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

export interface CircleObstacle {
  readonly x: number;
  readonly y: number;
  readonly radius: number;
}

/** Where a vehicle appears, facing `angle` (radians from +x toward +y). */
export interface SpawnPoint {
  readonly x: number;
  readonly y: number;
  readonly angle: number;
}

export interface Arena {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly boxes: readonly BoxObstacle[];
  readonly circles: readonly CircleObstacle[];
  readonly spawns: readonly SpawnPoint[];
}

/**
 * Checks an arena and freezes it (a world shares its arena with every clone, so it must not change).
 * Throws a RangeError naming the problem: a side past MAX_ARENA_SIZE, an inside-out box, a spawn point
 * that a vehicle would not fit on.
 */
export function defineArena(arena: Arena): Arena {
  const { name, width, height } = arena;
  const sideOk = (side: number) =>
    Number.isFinite(side) && side > 4 * VEHICLE_RADIUS && side <= MAX_ARENA_SIZE;
  if (!sideOk(width) || !sideOk(height)) {
    throw new RangeError(
      `arena ${name}: ${width} x ${height} is not within ${4 * VEHICLE_RADIUS}..${MAX_ARENA_SIZE}`,
    );
  }
  arena.boxes.forEach((box, index) => {
    if (!(box.minX < box.maxX && box.minY < box.maxY)) {
      throw new RangeError(`arena ${name}: box ${index} is empty or inside out`);
    }
  });
  arena.circles.forEach((circle, index) => {
    if (!(circle.radius > 0)) throw new RangeError(`arena ${name}: circle ${index} has no radius`);
  });
  if (arena.spawns.length === 0) throw new RangeError(`arena ${name}: needs at least one spawn point`);
  arena.spawns.forEach((spawn, index) => {
    if (!spawnIsClear(arena, spawn)) {
      throw new RangeError(`arena ${name}: spawn ${index} (${spawn.x}, ${spawn.y}) is not clear of walls`);
    }
  });
  return Object.freeze({
    name,
    width,
    height,
    boxes: Object.freeze(arena.boxes.map((box) => Object.freeze({ ...box }))),
    circles: Object.freeze(arena.circles.map((circle) => Object.freeze({ ...circle }))),
    spawns: Object.freeze(arena.spawns.map((spawn) => Object.freeze({ ...spawn }))),
  });
}

/** Whether a vehicle's collision circle at the spawn point touches no wall, box or pillar. */
export function spawnIsClear(arena: Arena, spawn: SpawnPoint): boolean {
  const r = VEHICLE_RADIUS;
  if (spawn.x < r || spawn.y < r || spawn.x > arena.width - r || spawn.y > arena.height - r) return false;
  for (const box of arena.boxes) {
    const dx = spawn.x - Math.min(Math.max(spawn.x, box.minX), box.maxX);
    const dy = spawn.y - Math.min(Math.max(spawn.y, box.minY), box.maxY);
    if (dx * dx + dy * dy < r * r) return false;
  }
  for (const circle of arena.circles) {
    const dx = spawn.x - circle.x;
    const dy = spawn.y - circle.y;
    const reach = r + circle.radius;
    if (dx * dx + dy * dy < reach * reach) return false;
  }
  return true;
}

const DEFAULT_WIDTH = 240;
const DEFAULT_HEIGHT = 160;

/** A spawn facing the arena's centre, so nobody starts nose to a wall. */
function facingCentre(x: number, y: number): SpawnPoint {
  return { x, y, angle: atan2(DEFAULT_HEIGHT / 2 - y, DEFAULT_WIDTH / 2 - x) };
}

/**
 * "Crossroads", the default arena: 240 x 160 units, sized for 8-16 vehicles (about 2,400 square units
 * each at 16, so a fight is never more than a few seconds' drive away). Point-symmetric about the centre
 * so no spawn side is favoured: four long walls give cover from rockets, two bars split the top and bottom
 * lanes, a big central pillar and six small ones break lines of sight and make drift lines. Sixteen spawn
 * points along the edges and the middle, all facing the centre.
 */
export const DEFAULT_ARENA: Arena = defineArena({
  name: 'crossroads',
  width: DEFAULT_WIDTH,
  height: DEFAULT_HEIGHT,
  boxes: [
    { minX: 52, minY: 24, maxX: 60, maxY: 56 },
    { minX: 180, minY: 104, maxX: 188, maxY: 136 },
    { minX: 52, minY: 104, maxX: 60, maxY: 136 },
    { minX: 180, minY: 24, maxX: 188, maxY: 56 },
    { minX: 100, minY: 30, maxX: 140, maxY: 36 },
    { minX: 100, minY: 124, maxX: 140, maxY: 130 },
  ],
  circles: [
    { x: 120, y: 80, radius: 7 },
    { x: 30, y: 80, radius: 4 },
    { x: 210, y: 80, radius: 4 },
    { x: 88, y: 58, radius: 3 },
    { x: 152, y: 102, radius: 3 },
    { x: 88, y: 102, radius: 3 },
    { x: 152, y: 58, radius: 3 },
  ],
  spawns: [
    facingCentre(20, 12),
    facingCentre(220, 148),
    facingCentre(220, 12),
    facingCentre(20, 148),
    facingCentre(80, 12),
    facingCentre(160, 148),
    facingCentre(160, 12),
    facingCentre(80, 148),
    facingCentre(12, 40),
    facingCentre(228, 120),
    facingCentre(12, 120),
    facingCentre(228, 40),
    facingCentre(120, 16),
    facingCentre(120, 144),
    facingCentre(76, 80),
    facingCentre(164, 80),
  ],
});
