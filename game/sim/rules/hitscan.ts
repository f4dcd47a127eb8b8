import { type Point, raycastVehicles, raycastWalls } from '../raycast.js';
import type { World } from '../world.js';

/**
 * Decides what a gun shot hits: the vehicle id, or null for a miss. The shot starts at `origin` (the
 * shooter's centre) along the unit vector `direction` and reaches `range` units. Injected so that the
 * authoritative server resolves a shot against the world rewound to what the shooter saw (lag
 * compensation), while a client predicts against its own world for visuals only. The rules ignore an
 * answer naming the shooter, an unknown player or a dead one.
 */
export type HitscanResolver = (
  shooterId: number,
  origin: Point,
  direction: Point,
  range: number,
) => number | null;

/** The default resolver: the first vehicle on the ray in `world`, unless a wall, box or pillar is nearer. */
export function hitscanOnWorld(world: World): HitscanResolver {
  return (shooterId, origin, direction, range) => {
    const hit = raycastVehicles(world, origin, direction, range, shooterId);
    if (hit === null) return null;
    const wall = raycastWalls(world, origin, direction, range);
    return wall !== null && wall < hit.distance ? null : hit.vehicleId;
  };
}
