import { ManualClock, RoomSync, type SyncMember } from 'vehikill-net/server';
import { encodeAppFrame } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { describe, expect, it } from 'vitest';
import { GAME_ENTITY_TYPES } from '../../../game/net/protocol/entity-types.js';
import { encodeInputMessage } from '../../../game/net/protocol/messages.js';
import { TICK_MS } from '../../../game/net/protocol/timeline.js';
import { ArenaAuthority } from '../../../game/net/server/authority.js';
import { ServerLoop } from '../../../game/net/server/server-loop.js';
import { findVehicle, NEUTRAL_INPUT } from '../../../game/sim/index.js';

/** An authority run by a ServerLoop as a Vehikill room runs it, with one player. */
function arena() {
  const clock = new ManualClock(0);
  const members: SyncMember[] = [];
  /** The stalls the loop reported: [ticks left due, local time]. */
  const stalls: [number, number][] = [];
  const sync = new RoomSync({ clients: members, clock }, { types: GAME_ENTITY_TYPES });
  const loop = new ServerLoop({
    tick: () => authority.world.tick,
    skip: (ticks) => authority.skip(ticks),
    onStall: (ticks, nowMs) => stalls.push([ticks, nowMs]),
  });
  const authority: ArenaAuthority<SyncMember> = new ArenaAuthority({
    sync,
    sendApp: () => {},
    now: () => loop.serverTime(clock.now()),
    dueTick: () => loop.dueTick(clock.now()),
  });
  const player: SyncMember = { away: false, link: { send: () => true } } as never;
  const vehicleId = authority.join(player);
  loop.start(clock.now());
  /** Lets `ms` pass, then runs the ticks due (none while `stalled`). */
  const wait = (ms: number) => {
    clock.advance(ms);
    const due = loop.advance(clock.now());
    for (let tick = 0; tick < due; tick++) authority.step();
    return due;
  };
  /** The player's inputs for `count` ticks from `firstTick`, as one packet. */
  const send = (firstTick: number, count: number) => {
    const inputs = Array.from({ length: count }, () => ({ input: NEUTRAL_INPUT }));
    authority.receive(player, Channel.phys, encodeAppFrame(encodeInputMessage({ firstTick, inputs })));
  };
  return { clock, loop, authority, player, vehicleId, wait, send, stalls };
}

describe('the server loop through a stall', () => {
  it('keeps tick k at server time k * TICK_MS: catches up a second of ticks, skips the rest', () => {
    const { clock, loop, authority, wait, stalls } = arena();
    for (let tick = 0; tick < 60; tick++) expect(wait(TICK_MS)).toBe(1);
    expect(authority.world.tick).toBe(60);
    // A 2.5 s stall: the ticks owed are part of the time told and of the tick due.
    clock.advance(2_500);
    expect(loop.serverTime(clock.now())).toBeCloseTo(clock.now(), 6);
    expect(loop.dueTick(clock.now())).toBe(210);
    expect(wait(0)).toBe(60);
    expect(loop.skippedTicks).toBe(90);
    expect(authority.world.tick).toBe(210);
    expect(loop.serverTime(clock.now())).toBeCloseTo(clock.now(), 6);
    // A stall of 150 ticks, run and skipped, reported once.
    expect(stalls).toEqual([[150, clock.now()]]);
    // On the same grid afterwards.
    expect(wait(TICK_MS)).toBe(1);
    expect(authority.world.tick).toBe(211);
  });

  it('reports a stall of more than 6 ticks due at once, by its length; a late timer is none', () => {
    const { wait, stalls } = arena();
    expect(wait(TICK_MS * 6)).toBe(6);
    expect(stalls).toEqual([]);
    expect(wait(150)).toBe(9);
    expect(stalls.map(([ticks]) => ticks)).toEqual([9]);
  });

  it('judges inputs that arrive during a stall against the tick it is due at, and uses them', () => {
    const { clock, authority, player, wait, send } = arena();
    send(0, 3);
    for (let tick = 0; tick < 60; tick++) {
      wait(TICK_MS);
      send(tick + 3, 1);
    }
    // Stalled for 800 ms: the player kept sending (48 ticks' worth) and all of it is read at once.
    clock.advance(800);
    for (let tick = 63; tick < 111; tick++) send(tick, 1);
    expect(authority.countersOf(player)?.inputs).toEqual({ stale: 0, future: 0, rate: 0 });
    const missed = authority.countersOf(player)?.missedInputs;
    expect(wait(0)).toBe(48);
    expect(authority.countersOf(player)?.missedInputs).toBe(missed);
  });

  it('skips ticks with the world standing still, and keeps that world in the shot history', () => {
    const { clock, authority, vehicleId, wait } = arena();
    for (let tick = 0; tick < 60; tick++) wait(TICK_MS);
    const before = { ...findVehicle(authority.world, vehicleId) };
    clock.advance(1_500);
    expect(wait(0)).toBe(60);
    // Ticks 61..90 were skipped, 91..150 simulated: the history still holds the world of a skipped tick
    // (a shot aimed just before the stall is checked against it), where the car stood still.
    expect(authority.world.tick).toBe(150);
    expect(authority.vehicleAt(90, vehicleId)).toMatchObject({ x: before.x, y: before.y });
  });
});
