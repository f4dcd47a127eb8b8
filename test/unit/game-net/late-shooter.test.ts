import { describe, expect, it } from 'vitest';
import type { NetInput } from '../../../game/net/protocol/net-input.js';
import type { ShotOutcome } from '../../../game/net/server/authority.js';
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

/** An honest claim: 9 ticks (150 ms) back with 100 ms of delay, for a round trip of 30 ms. */
const NORMAL_TICKS_BACK = 9;
const LEAD = 2;

/**
 * A shooter (round trip 30 ms) sends each tick's input LEAD ticks ahead for a second, then its process
 * stalls for `stallTicks` ticks of the server's timeline (nothing arrives: the server misses its ticks),
 * then, `resumeAfter` ticks of on-time inputs later, one packet brings the inputs from the stall on, the
 * last firing with the view drawn before the stall (the frame on screen while it stalled) plus `extra`
 * ticks. What the server made of that shot.
 */
function stalledShot(stallTicks: number, extra = 0, resumeAfter = 0, simulate = false): ShotOutcome[] {
  const { authority, outcomes, send } = loneShooter(
    simulate ? (world, inputs, resolve) => void stepGameWith(world, inputs, resolve) : undefined,
  );
  const idle: NetInput = { input: NEUTRAL_INPUT };
  for (let step = 0; step < 60; step++) {
    send(authority.world.tick + LEAD, [idle]);
    authority.step();
  }
  // The last input that arrived was for this tick + LEAD - 1; the stall starts with the next one.
  const stalledFrom = authority.world.tick + LEAD;
  // Seen before the stall: what its frame showed when it ran tick `stalledFrom`.
  const viewTick = stalledFrom - NORMAL_TICKS_BACK - extra;
  for (let step = 0; step < stallTicks; step++) authority.step();
  for (let step = 0; step < resumeAfter; step++) {
    send(authority.world.tick + LEAD, [idle]);
    authority.step();
  }
  const fireTick = authority.world.tick + LEAD;
  const from = resumeAfter > 0 ? fireTick : stalledFrom;
  const inputs: NetInput[] = [];
  for (let tick = from; tick < fireTick; tick++) inputs.push(idle);
  inputs.push({
    input: { ...NEUTRAL_INPUT, fire: true },
    view: { ticksBack: fireTick - viewTick, fraction: 0, interpDelayMs: 100 },
  });
  send(from, inputs);
  for (let step = 0; step <= LEAD; step++) authority.step();
  return outcomes;
}

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

describe('a shooter whose own inputs arrive late', () => {
  for (const simulate of [false, true]) {
    const path = simulate ? 'through the rules' : 'by the authority itself';
    it(`has its shot judged when it comes after a stall of its process, aimed at the frame drawn before it (${path})`, () => {
      // 400 ms without inputs: the frame on screen is 400 ms older than the inputs that follow.
      expect(stalledShot(24, 0, 0, simulate)).toEqual([expect.objectContaining({ ok: true })]);
    });
  }

  it('gains no more reach than its inputs were late', () => {
    // 24 ticks late, claiming 15 ticks (250 ms) further than that explains.
    expect(stalledShot(24, 15)).toEqual([expect.objectContaining({ ok: false, reason: 'rewind-too-far' })]);
  });

  it('gains nothing once its inputs arrive on time again', () => {
    // It stalled, then sent on time for 10 ticks: the shot comes with on-time inputs.
    expect(stalledShot(24, 0, 10)).toEqual([
      expect.objectContaining({ ok: false, reason: 'rewind-too-far' }),
    ]);
  });

  it('gains nothing when its inputs were not late (the same claim, on time)', () => {
    expect(stalledShot(0, 24)).toEqual([expect.objectContaining({ ok: false, reason: 'rewind-too-far' })]);
    expect(stalledShot(0)).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('stalled past the history, has its shot refused as a late view: a miss, not a forged reach', () => {
    // 58 ticks without inputs: the frame it shows is older than the second the server keeps.
    expect(stalledShot(58)).toEqual([expect.objectContaining({ ok: false, reason: 'late-view' })]);
    // Claiming 15 ticks (250 ms) further back than the stall explains: past the history, and no stall's.
    expect(stalledShot(58, 15)).toEqual([expect.objectContaining({ ok: false, reason: 'too-old' })]);
  });
});
