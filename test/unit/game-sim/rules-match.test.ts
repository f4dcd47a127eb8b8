import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  createMatch,
  createWorld,
  findPlayer,
  findVehicle,
  type MatchOptions,
  matchSyncState,
  type RuleEvent,
  resolveMatchConfig,
  skipMatchTicks,
  stepGame,
} from '../../../game/sim/index.js';
import { input, OPEN_ARENA } from './support.js';

function threePlayers(options: MatchOptions) {
  const world = createWorld(OPEN_ARENA);
  const match = createMatch({ warmupSeconds: 0, pickups: [], ...options });
  for (let id = 1; id <= 3; id++) {
    addPlayer(match, world, id, 0);
    Object.assign(findVehicle(world, id)!, { x: 40 * id, y: 125, angle: 0 });
  }
  return { world, match };
}

describe('rules: match clock and end', () => {
  it('defaults: 5 minutes of play after 3 s of warmup, gun 10/s for 8 with 60 rounds, rockets 1/s for 35', () => {
    expect(resolveMatchConfig()).toMatchObject({
      matchTicks: 5 * 60 * 60,
      warmupTicks: 180,
      gunIntervalTicks: 6,
      gunDamage: 8,
      gunAmmoMax: 60,
      rocketIntervalTicks: 60,
      rocketDamage: 35,
      respawnTicks: 180,
      killScore: 1,
    });
    expect(() => resolveMatchConfig({ gunAmmoMax: 300 })).toThrow(/gunAmmoMax/);
    expect(() => resolveMatchConfig({ matchSeconds: 0 })).toThrow(/matchSeconds/);
  });

  it('ends after exactly the match time; the most kills win', () => {
    const { world, match } = threePlayers({ matchSeconds: 2 });
    findPlayer(match, 2)!.kills = 3;
    expect(matchSyncState(match)).toEqual({ phase: 'playing', secondsLeft: 2 });
    const events: RuleEvent[] = [];
    for (let tick = 0; tick < 119; tick++) events.push(...stepGame(world, match, new Map()));
    expect(matchSyncState(match)).toEqual({ phase: 'playing', secondsLeft: 1 });
    expect(events).toEqual([]);
    expect(stepGame(world, match, new Map())).toEqual([{ type: 'match-ended', winners: [2] }]);
    expect(match).toMatchObject({ phase: 'ended', remaining: 0, winners: [2] });
    expect(matchSyncState(match)).toEqual({ phase: 'ended', secondsLeft: 0 });
  });

  it('a tie shares the win', () => {
    const { world, match } = threePlayers({ matchSeconds: 1 });
    findPlayer(match, 1)!.kills = 2;
    findPlayer(match, 3)!.kills = 2;
    for (let tick = 0; tick < 60; tick++) stepGame(world, match, new Map());
    expect(match.winners).toEqual([1, 3]);
  });

  it('a match without a kill has no winner: a draw, not a win for everyone', () => {
    const { world, match } = threePlayers({ matchSeconds: 1 });
    const events: RuleEvent[] = [];
    for (let tick = 0; tick < 60; tick++) events.push(...stepGame(world, match, new Map()));
    expect(events).toEqual([{ type: 'match-ended', winners: [] }]);
    expect(match).toMatchObject({ phase: 'ended', winners: [] });
  });

  it('after the end nothing fires, hurts or respawns', () => {
    const { world, match } = threePlayers({ matchSeconds: 1 });
    // A rocket launched on the last tick is still in flight when the match ends.
    for (let tick = 0; tick < 59; tick++) stepGame(world, match, new Map());
    const last = stepGame(world, match, new Map([[1, input({ altFire: true })]]));
    expect(last.map((event) => event.type)).toEqual(['rocket-fired', 'match-ended']);
    findPlayer(match, 3)!.alive = false;
    const after: RuleEvent[] = [];
    let rocketHits = 0;
    for (let tick = 0; tick < 300; tick++) {
      after.push(...stepGame(world, match, new Map([[1, input({ fire: true, altFire: true })]]), () => 2));
      rocketHits += world.events.filter((event) => event.type === 'rocket-hit').length;
    }
    // The rocket hit car 2 (the sim still reports it) but the rules no longer count damage.
    expect(rocketHits).toBe(1);
    expect(after).toEqual([]);
    expect(match.players.map((player) => [player.health, player.rejectedFires])).toEqual([
      [100, 0],
      [100, 0],
      [100, 0],
    ]);
    expect(findPlayer(match, 3)!.alive).toBe(false);
  });

  it('ticks a stalled server skipped count down the warm-up, then play, and can end the match', () => {
    const { world, match } = threePlayers({ matchSeconds: 2, warmupSeconds: 1 });
    findPlayer(match, 1)!.kills = 1;
    world.tick += 50;
    expect(skipMatchTicks(match, world, 50)).toEqual([]);
    expect(match).toMatchObject({ tick: 50, phase: 'warmup', warmupRemaining: 10, remaining: 120 });
    // 10 ticks of warm-up left, then 30 of play.
    world.tick += 40;
    expect(skipMatchTicks(match, world, 40)).toEqual([{ type: 'match-started' }]);
    expect(match).toMatchObject({ phase: 'playing', warmupRemaining: 0, remaining: 90 });
    // Played on for 30 ticks, then a stall past the end: the match ends with the skip, once.
    for (let tick = 0; tick < 30; tick++) stepGame(world, match, new Map());
    world.tick += 100;
    expect(skipMatchTicks(match, world, 100)).toEqual([{ type: 'match-ended', winners: [1] }]);
    expect(match).toMatchObject({ tick: world.tick, phase: 'ended', remaining: 0, winners: [1] });
    world.tick += 10;
    expect(skipMatchTicks(match, world, 10)).toEqual([]);
  });
});
