import { ManualClock, RoomSync, type SyncMember } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { GAME_ENTITY_TYPES } from '../../../game/net/protocol/entity-types.js';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { ArenaAuthority } from '../../../game/net/server/authority.js';
import { measuredRttMs } from '../../../game/net/server/measured-rtt.js';
import {
  addPlayer,
  createMatch,
  findVehicle,
  type HitscanResolver,
  NEUTRAL_INPUT,
  stepGame,
  type VehicleInput,
  type World,
} from '../../../game/sim/index.js';
import { loneShooter } from './lone-shooter.js';

function arena() {
  const clock = new ManualClock(0);
  const members: SyncMember[] = [];
  const sync = new RoomSync({ clients: members, clock }, { types: GAME_ENTITY_TYPES });
  const authority = new ArenaAuthority<SyncMember>({ sync, sendApp: () => {}, now: () => clock.now() });
  const shooter = { away: false, link: { send: () => true } };
  const target = { away: false, link: { send: () => true } };
  return { authority, shooterId: authority.join(shooter), targetId: authority.join(target) };
}

describe('lag-compensated hitscan checks', () => {
  // The shooter stands at (70, 80) facing +x; the target crosses its line of fire (y = 80) at x = 85,
  // moving 0.2 units a tick, then goes on past it.
  const { authority, shooterId, targetId } = arena();
  const world = authority.world;
  let crossedAt = -1;
  for (let step = 0; step <= 75; step++) {
    const shooter = findVehicle(world, shooterId)!;
    Object.assign(shooter, { x: 70, y: 80, angle: 0, vx: 0, vy: 0, spin: 0 });
    const target = findVehicle(world, targetId)!;
    Object.assign(target, { x: 85, y: 70 + 0.2 * step, angle: Math.PI / 2, vx: 0, vy: 0, spin: 0 });
    authority.step();
    if (step === 50) crossedAt = world.tick;
  }
  const inputTick = world.tick;

  it('accepts a shot at the world the shooter saw, though the target has moved on since', () => {
    const seen = { ticksBack: inputTick - crossedAt, fraction: 0, interpDelayMs: 100 };
    expect(authority.checkShot(shooterId, inputTick, seen)).toEqual({
      ok: true,
      tick: inputTick,
      target: targetId,
    });
    // Against the present world the same shot misses: the target is 5 units off the line now.
    const now = { ticksBack: 0, fraction: 0, interpDelayMs: 0 };
    expect(authority.checkShot(shooterId, inputTick, now)).toEqual({
      ok: true,
      tick: inputTick,
      target: undefined,
    });
  });

  it('refuses a view older than its second of history', () => {
    const old = { ticksBack: 70, fraction: 0, interpDelayMs: 100 };
    expect(authority.checkShot(shooterId, inputTick, old)).toMatchObject({ ok: false, reason: 'too-old' });
  });

  it('judges an inflated interpolation delay at the allowance: no further back, and not refused', () => {
    // Stated as 400 ms back; compensated for 150: the view moves 250 ms (15 ticks) later, and misses.
    const inflated = { ticksBack: inputTick - crossedAt, fraction: 0, interpDelayMs: 400 };
    expect(authority.checkShot(shooterId, inputTick, inflated)).toEqual({
      ok: true,
      tick: inputTick,
      target: undefined,
      clampedMs: 250,
    });
  });

  it('refuses a view from the future and a fire without a view', () => {
    expect(
      authority.checkShot(shooterId, inputTick + 5, { ticksBack: 1, fraction: 0, interpDelayMs: 50 }),
    ).toMatchObject({
      ok: false,
      reason: 'future',
    });
    expect(authority.checkShot(shooterId, inputTick, undefined)).toMatchObject({
      ok: false,
      reason: 'no-view',
    });
  });
});

describe('lag compensation bounded by the shooter round trip', () => {
  /** A shooter whose measured round trip is 30 ms fires with `view`; what the server made of it. */
  function shoot(view: { ticksBack: number; fraction: number; interpDelayMs: number }, simulate: boolean) {
    const { authority, outcomes, send } = loneShooter(
      simulate ? (world, inputs, resolve) => void stepGameWith(world, inputs, resolve) : undefined,
    );
    for (let step = 0; step < 80; step++) authority.step();
    send(authority.world.tick, [{ input: { ...NEUTRAL_INPUT, fire: true }, view }]);
    authority.step();
    return outcomes;
  }

  for (const simulate of [false, true]) {
    const path = simulate ? 'through the rules' : 'by the authority itself';
    it(`refuses a view further back than the round trip and the delay explain (${path})`, () => {
      // 59 ticks (983 ms) back with no interpolation delay: a round trip of 30 ms cannot explain it.
      expect(shoot({ ticksBack: 59, fraction: 0, interpDelayMs: 0 }, simulate)).toEqual([
        expect.objectContaining({ ok: false, reason: 'rewind-too-far' }),
      ]);
      // Half the round trip, a tick or two of margin and 100 ms of delay: what an honest client claims.
      expect(shoot({ ticksBack: 9, fraction: 0.5, interpDelayMs: 100 }, simulate)).toEqual([
        expect.objectContaining({ ok: true }),
      ]);
    });

    it(`says by how much a refused view lay further back than judged (${path})`, () => {
      // 59 ticks (983 ms) back, against the round trip (30 ms), the slack (150 ms) and a tick.
      expect(shoot({ ticksBack: 59, fraction: 0, interpDelayMs: 0 }, simulate)).toEqual([
        expect.objectContaining({
          reason: 'rewind-too-far',
          excessMs: expect.closeTo(59 * TICK_MS - 30 - 150 - TICK_MS, 6),
        }),
      ]);
    });
  }
});

/** The rules' step with only the gun: a fire input asks the resolver, as stepGame does. */
function stepGameWith(
  world: World,
  inputs: ReadonlyMap<number, VehicleInput>,
  resolve: HitscanResolver,
): void {
  const match = createMatch({ warmupSeconds: 0 }, world.tick);
  for (const id of inputs.keys()) if (findVehicle(world, id)) addPlayer(match, world, id);
  stepGame(world, match, inputs, resolve);
}

describe('the round trip a shot is checked against', () => {
  it('is the largest measurement there is, or unknown while there is none', () => {
    expect(measuredRttMs(40, 65)).toBe(65);
    expect(measuredRttMs(0, Number.NaN)).toBeUndefined();
    expect(measuredRttMs(0, 30)).toBe(30);
    expect(measuredRttMs()).toBeUndefined();
  });
});
