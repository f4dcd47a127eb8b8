import { ManualClock, RoomSync, type SyncMember } from 'vehikill-net/server';
import { describe, expect, it } from 'vitest';
import { GAME_ENTITY_TYPES } from '../../../game/net/protocol/entity-types.js';
import { ArenaAuthority } from '../../../game/net/server/authority.js';
import { findVehicle } from '../../../game/sim/index.js';

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

  it('refuses an inflated interpolation delay, even for a view it holds', () => {
    const inflated = { ticksBack: inputTick - crossedAt, fraction: 0, interpDelayMs: 400 };
    expect(authority.checkShot(shooterId, inputTick, inflated)).toMatchObject({
      ok: false,
      reason: 'delay-too-large',
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
