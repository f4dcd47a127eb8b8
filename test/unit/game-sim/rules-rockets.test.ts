import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  createMatch,
  createWorld,
  findPlayer,
  findVehicle,
  type MatchState,
  type RuleEvent,
  stepGame,
  type World,
} from '../../../game/sim/index.js';
import { input, OPEN_ARENA } from './support.js';

/** Players with ids 1.. at the given places in the open arena, all facing +x. */
function placed(places: readonly [number, number][]): { world: World; match: MatchState } {
  const world = createWorld(OPEN_ARENA);
  const match = createMatch({ warmupSeconds: 0, pickups: [] });
  places.forEach(([x, y], index) => {
    addPlayer(match, world, index + 1, 0);
    Object.assign(findVehicle(world, index + 1)!, { x, y, angle: 0 });
  });
  return { world, match };
}

/** Player 1 launches one rocket, then everyone waits until it is gone; returns the rules' events. */
function launch(world: World, match: MatchState): RuleEvent[] {
  const events = stepGame(world, match, new Map([[1, input({ altFire: true })]]));
  for (let tick = 0; tick < 200 && (world.rockets.length > 0 || tick === 0); tick++) {
    events.push(...stepGame(world, match, new Map()));
  }
  return events;
}

const healths = (match: MatchState) => match.players.map((player) => player.health);

describe('rules: rockets', () => {
  it('a direct hit takes 35; the splash hurts others near the blast, less with distance, never the owner', () => {
    // 2 sits on the rocket's line 30 u ahead; 3 is 4 u beside the impact (3 u from its hull: half the
    // 6 u splash radius, so half the 20 splash damage); 4 is out of reach.
    const { world, match } = placed([
      [50, 125],
      [80, 125],
      [78.75, 129],
      [80, 140],
    ]);
    const damage = launch(world, match).filter((event) => event.type === 'damage');
    expect(damage).toEqual([
      { type: 'damage', target: 2, attacker: 1, weapon: 'rocket', amount: 35, health: 65 },
      { type: 'damage', target: 3, attacker: 1, weapon: 'rocket', amount: 10, health: 90 },
    ]);
    expect(healths(match)).toEqual([100, 65, 90, 100]);
  });

  it('a rocket bursting on a wall splashes cars near the blast but not the car that fired it', () => {
    // The owner is 4 u from the boundary wall at x = 250, 3 u from the blast at its hull: it would be hit.
    const { world, match } = placed([
      [245, 125],
      [247, 129],
    ]);
    const events = launch(world, match);
    expect(events.filter((event) => event.type === 'damage')).toMatchObject([
      { target: 2, attacker: 1, weapon: 'rocket' },
    ]);
    expect(findPlayer(match, 1)!.health).toBe(100);
    expect(findPlayer(match, 2)!.health).toBeLessThan(100);
  });

  it('a rocket that wrecks its target scores the kill for its owner', () => {
    const { world, match } = placed([
      [50, 125],
      [80, 125],
    ]);
    findPlayer(match, 2)!.health = 30;
    const events = launch(world, match);
    expect(events.filter((event) => event.type === 'kill')).toEqual([
      { type: 'kill', killer: 1, victim: 2, weapon: 'rocket' },
    ]);
    expect(findPlayer(match, 1)).toMatchObject({ kills: 1, score: 1 });
    expect(findPlayer(match, 2)).toMatchObject({ alive: false, deaths: 1, health: 0, damage: 'wrecked' });
  });
});
