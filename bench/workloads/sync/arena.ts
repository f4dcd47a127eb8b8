/**
 * The W2 arena trace: a seeded, deterministic kinematic simulation at 60 Hz. 32 vehicles drive smooth
 * curves inside a 1000 x 1000 arena (heading, speed, hp); each fires ~2 projectiles/s that fly 1-2 s
 * (or until they leave the arena) and are removed.
 */
import { mulberry32 } from './rng.js';

export const SIM_HZ = 60;
export const VEHICLES = 32;
export const ARENA = 1000;

export interface VehicleFrame {
  readonly x: number;
  readonly y: number;
  /** Radians in [-π, π). */
  readonly heading: number;
  /** m/s, 5..25. */
  readonly speed: number;
  readonly hp: number;
}

export interface ProjectileFrame {
  /** Unique, increasing: the order projectiles were fired in. */
  readonly pid: number;
  readonly owner: number;
  readonly x: number;
  readonly y: number;
}

export interface ArenaFrame {
  readonly tick: number;
  readonly vehicles: readonly VehicleFrame[];
  /** Ascending pid. */
  readonly projectiles: readonly ProjectileFrame[];
}

interface Vehicle {
  x: number;
  y: number;
  heading: number;
  speed: number;
  hp: number;
  turnFrequency: number;
  turnPhase: number;
  speedFrequency: number;
  speedPhase: number;
}

interface Projectile {
  pid: number;
  owner: number;
  x: number;
  y: number;
  vx: number;
  vy: number;
  expires: number;
}

const wrap = (a: number) => {
  const turned = (a + Math.PI) % (2 * Math.PI);
  return (turned < 0 ? turned + 2 * Math.PI : turned) - Math.PI;
};

export function arenaTrace(seconds: number, seed: number): ArenaFrame[] {
  return [...arenaFrames(seconds, seed)];
}

/**
 * The same frames as `arenaTrace`, made one at a time as they are asked for: a run of minutes holds one
 * frame, not the whole trace (tens of MB that would sit in the old generation beside the systems measured).
 */
export function* arenaFrames(seconds: number, seed: number): Generator<ArenaFrame> {
  const random = mulberry32(seed);
  const dt = 1 / SIM_HZ;
  const vehicles: Vehicle[] = Array.from({ length: VEHICLES }, () => ({
    x: 100 + random() * 800,
    y: 100 + random() * 800,
    heading: wrap(random() * 2 * Math.PI),
    speed: 15,
    hp: 100,
    turnFrequency: 0.05 + random() * 0.15,
    turnPhase: random() * 2 * Math.PI,
    speedFrequency: 0.03 + random() * 0.1,
    speedPhase: random() * 2 * Math.PI,
  }));
  let projectiles: Projectile[] = [];
  let nextPid = 0;
  for (let tick = 0; tick < seconds * SIM_HZ; tick++) {
    const time = tick * dt;
    for (const [owner, v] of vehicles.entries()) {
      let turnRate = 0.8 * Math.sin(2 * Math.PI * v.turnFrequency * time + v.turnPhase);
      const margin = Math.min(v.x, v.y, ARENA - v.x, ARENA - v.y);
      if (margin < 150) {
        // steer toward the centre, harder the nearer the wall
        const toCentre = Math.atan2(ARENA / 2 - v.y, ARENA / 2 - v.x);
        const error = wrap(toCentre - v.heading);
        turnRate = Math.sign(error) * Math.min(Math.abs(error) * 4, 1.5 + (150 - margin) / 50);
      }
      v.heading = wrap(v.heading + turnRate * dt);
      v.speed = 15 + 10 * Math.sin(2 * Math.PI * v.speedFrequency * time + v.speedPhase);
      v.x = Math.min(ARENA - 1, Math.max(1, v.x + Math.cos(v.heading) * v.speed * dt));
      v.y = Math.min(ARENA - 1, Math.max(1, v.y + Math.sin(v.heading) * v.speed * dt));
      if (random() < 0.5 / SIM_HZ) {
        v.hp -= 5 + Math.floor(random() * 21);
        if (v.hp <= 0) v.hp = 100; // respawn
      }
      if (random() < 2 / SIM_HZ) {
        const muzzle = 200;
        projectiles.push({
          pid: nextPid++,
          owner,
          x: v.x,
          y: v.y,
          vx: Math.cos(v.heading) * (muzzle + v.speed),
          vy: Math.sin(v.heading) * (muzzle + v.speed),
          expires: tick + SIM_HZ + Math.floor(random() * SIM_HZ),
        });
      }
    }
    projectiles = projectiles.filter((p) => {
      p.x += p.vx * dt;
      p.y += p.vy * dt;
      return tick < p.expires && p.x >= 0 && p.x <= ARENA && p.y >= 0 && p.y <= ARENA;
    });
    yield {
      tick,
      vehicles: vehicles.map(({ x, y, heading, speed, hp }) => ({ x, y, heading, speed, hp })),
      projectiles: projectiles.map(({ pid, owner, x, y }) => ({ pid, owner, x, y })),
    };
  }
}
