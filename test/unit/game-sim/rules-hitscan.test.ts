import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  createMatch,
  createWorld,
  DEFAULT_ARENA,
  findPlayer,
  findVehicle,
  type HitscanResolver,
  type Point,
  type RuleEvent,
  stepGame,
} from '../../../game/sim/index.js';
import { input, OPEN_ARENA } from './support.js';

/** Player 1 at (50, 125) facing +x with player 2 `distance` ahead on the same line. */
function lineUp(distance: number, arena = OPEN_ARENA, y = 125) {
  const world = createWorld(arena);
  const match = createMatch({ warmupSeconds: 0, pickups: [] });
  addPlayer(match, world, 1, 0);
  addPlayer(match, world, 2, 0);
  Object.assign(findVehicle(world, 1)!, { x: 50, y, angle: 0 });
  Object.assign(findVehicle(world, 2)!, { x: 50 + distance, y, angle: 0 });
  return { world, match, target: findPlayer(match, 2)! };
}

const FIRE = new Map([[1, input({ fire: true })]]);
const damageOf = (events: RuleEvent[]) => events.filter((event) => event.type === 'damage');

describe('rules: hitscan gun', () => {
  it('asks the injected resolver from the shooter centre along its heading, and damages whom it names', () => {
    const { world, match, target } = lineUp(200);
    const calls: [number, Point, Point, number][] = [];
    const resolver: HitscanResolver = (shooter, origin, direction, range) => {
      calls.push([shooter, { ...origin }, { ...direction }, range]);
      return 2; // The server's rewound world says: hit, though this world has 2 far out of range.
    };
    const events = stepGame(world, match, FIRE, resolver);
    const shooter = findVehicle(world, 1)!;
    expect(calls).toEqual([[1, { x: shooter.x, y: shooter.y }, { x: 1, y: 0 }, 80]]);
    expect(damageOf(events)).toEqual([
      { type: 'damage', target: 2, attacker: 1, weapon: 'gun', amount: 8, health: 92 },
    ]);
    expect(target.health).toBe(92);
    expect(events.find((event) => event.type === 'shot')).toMatchObject({ shooter: 1, target: 2 });
  });

  it('a resolver that says "no hit" deals no damage, even with the target point-blank ahead', () => {
    const { world, match, target } = lineUp(5);
    const events = stepGame(world, match, FIRE, () => null);
    expect(damageOf(events)).toEqual([]);
    expect(target.health).toBe(100);
    expect(events.find((event) => event.type === 'shot')).toMatchObject({ target: null });
  });

  it('ignores a resolver naming the shooter or a car that is not playing', () => {
    for (const claimed of [1, 7]) {
      const { world, match } = lineUp(5);
      const events = stepGame(world, match, FIRE, () => claimed);
      expect(damageOf(events)).toEqual([]);
      expect(match.players.map((player) => player.health)).toEqual([100, 100]);
    }
  });

  it('by default hits the first car on the line within range, with the tracer ending at it', () => {
    const near = lineUp(30);
    const events = stepGame(near.world, near.match, FIRE);
    expect(near.target.health).toBe(92);
    const shot = events.find((event) => event.type === 'shot')!;
    expect(shot).toMatchObject({ target: 2 });
    if (shot.type === 'shot') expect(shot.toX).toBeCloseTo(findVehicle(near.world, 2)!.x, 1);

    const far = lineUp(85);
    stepGame(far.world, far.match, FIRE);
    expect(far.target.health).toBe(100);
  });

  it('by default does not shoot through walls', () => {
    // The crossroads box spanning x 52..60 at y 24..56 stands between the two cars.
    const { world, match, target } = lineUp(25, DEFAULT_ARENA, 40);
    Object.assign(findVehicle(world, 1)!, { x: 45 });
    const events = stepGame(world, match, FIRE);
    expect(target.health).toBe(100);
    const shot = events.find((event) => event.type === 'shot')!;
    expect(shot).toMatchObject({ target: null });
    if (shot.type === 'shot') expect(shot.toX).toBeCloseTo(52, 1);
  });
});
