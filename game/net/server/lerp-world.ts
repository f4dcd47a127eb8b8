import type { Vehicle, World } from '../../sim/index.js';
import { shortTurn } from '../protocol/angles.js';

/**
 * The world `t` (0..1) of the way from `a` to `b` (consecutive ticks), for checking a shot against what a
 * player drew between two ticks: vehicles present in both are placed in between (headings the short
 * way round); everything else is taken from `a`.
 */
export function lerpWorld(a: World, b: World, t: number): World {
  const vehicles: Vehicle[] = a.vehicles.map((from) => {
    const to = b.vehicles.find((vehicle) => vehicle.id === from.id);
    if (!to) return { ...from };
    const turn = shortTurn(from.angle, to.angle);
    return {
      ...from,
      x: from.x + (to.x - from.x) * t,
      y: from.y + (to.y - from.y) * t,
      angle: from.angle + turn * t,
    };
  });
  return { ...a, vehicles, rockets: a.rockets.map((rocket) => ({ ...rocket })), events: [] };
}
