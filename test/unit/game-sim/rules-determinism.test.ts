import { quantizeState } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';
import {
  addPlayer,
  cloneMatch,
  cloneWorld,
  createMatch,
  createWorld,
  DEFAULT_ARENA,
  DETERMINISM_SCRIPT_SEED,
  DETERMINISM_SCRIPT_TICKS,
  GAME_DETERMINISM_MATCH,
  hashGame,
  hashMatch,
  MatchEntity,
  type MatchState,
  matchSyncState,
  PickupEntity,
  PlayerEntity,
  playerSyncState,
  runGameDeterminismScript,
  ScriptedPlayers,
  stepGame,
  type World,
} from '../../../game/sim/index.js';

/**
 * The hash after the last tick of the game's determinism script. Node computed it; Chromium and Firefox
 * must give the same (test/e2e/sim-determinism.browser.test.ts). If a deliberate change to the sim or
 * the rules moves it, update it here and say why in the commit.
 */
const GOLDEN_GAME_HASH = 166_583_993;

function eightPlayerGame(): { world: World; match: MatchState } {
  const world = createWorld(DEFAULT_ARENA);
  const match = createMatch(GAME_DETERMINISM_MATCH);
  for (let id = 1; id <= 8; id++) addPlayer(match, world, id, id - 1);
  return { world, match };
}

describe('rules: determinism of the whole game', () => {
  it('the game script gives its golden final hash, and the same hashes on every run', () => {
    const hashes = runGameDeterminismScript();
    expect(hashes).toHaveLength(DETERMINISM_SCRIPT_TICKS);
    expect(new Set(hashes).size).toBe(DETERMINISM_SCRIPT_TICKS);
    expect(hashes.at(-1)).toBe(GOLDEN_GAME_HASH);
    expect(runGameDeterminismScript()).toEqual(hashes);
  });

  it('the script plays a real match: shots, hits, rockets, a kill, a respawn, a pickup and the end', () => {
    const { world, match } = eightPlayerGame();
    const players = new ScriptedPlayers(DETERMINISM_SCRIPT_SEED);
    const seen = new Set<string>();
    for (let tick = 0; tick < DETERMINISM_SCRIPT_TICKS; tick++) {
      for (const event of stepGame(world, match, players.prepare(world, match))) {
        seen.add(event.type === 'damage' ? `damage:${event.weapon}` : event.type);
      }
    }
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'damage:gun',
        'damage:rocket',
        'kill',
        'match-ended',
        'match-started',
        'pickup-taken',
        'respawn',
        'rocket-fired',
        'shot',
      ]),
    );
    expect(match.players.some((player) => player.rejectedFires > 0)).toBe(true);
  });

  it('a cloned game continues exactly as the original', () => {
    const original = eightPlayerGame();
    const players = new ScriptedPlayers(99);
    const step = (game: { world: World; match: MatchState }) =>
      stepGame(game.world, game.match, players.prepare(game.world, game.match));
    for (let tick = 0; tick < 250; tick++) step(original);
    const clone = { world: cloneWorld(original.world), match: cloneMatch(original.match) };
    expect(hashGame(clone.world, clone.match)).toBe(hashGame(original.world, original.match));
    for (let tick = 0; tick < 350; tick++) {
      expect(step(clone)).toEqual(step(original));
      expect(hashGame(clone.world, clone.match)).toBe(hashGame(original.world, original.match));
    }
    expect(clone.match).toEqual(original.match);
  });

  it('the hash sees every kind of rules state, and a clone shares none of it', () => {
    const { match } = eightPlayerGame();
    const base = hashMatch(match);
    const changes: ((m: MatchState) => void)[] = [
      (m) => m.players[3]!.health--,
      (m) => m.players[0]!.rejectedFires++,
      (m) => {
        m.pickups[1]!.active = false;
      },
      (m) => m.killFeed.push({ tick: 1, killer: 1, victim: 2, weapon: 'ram' }),
      (m) => {
        m.phase = 'ended';
      },
      (m) => m.remaining--,
    ];
    for (const change of changes) {
      const copy = cloneMatch(match);
      change(copy);
      expect(hashMatch(copy)).not.toBe(base);
      expect(hashMatch(match)).toBe(base);
    }
  });

  it('sync states are exact under their schemas, and small', () => {
    const { match } = eightPlayerGame();
    const player = match.players[0]!;
    Object.assign(player, { alive: false, respawnTick: match.tick + 100, kills: 4, deaths: 2, score: 4 });
    const state = playerSyncState(match, player, true);
    expect(state).toMatchObject({
      alive: false,
      respawnIn: 2,
      kills: 4,
      health: 100,
      gunAmmo: 60,
      parked: true,
    });
    expect(quantizeState(PlayerEntity, state)).toEqual(state);
    expect(quantizeState(MatchEntity, matchSyncState(match))).toEqual({ phase: 'warmup', secondsLeft: 1 });
    expect([PlayerEntity.maxBits, PickupEntity.maxBits, MatchEntity.maxBits]).toEqual([57, 26, 14]);
  });
});
