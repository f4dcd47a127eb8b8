import { describe, expect, it } from 'vitest';
import type { NetInput } from '../../../game/net/protocol/net-input.js';
import type { ShotOutcome } from '../../../game/net/server/authority.js';
import { NEUTRAL_INPUT } from '../../../game/sim/index.js';
import { loneShooter } from './lone-shooter.js';

/** The shooter's interpolation delay: 6 ticks (100 ms) behind the server's time. */
const DELAY_TICKS = 6;

/*
 * A client sends each tick's input ahead of the server by half its round trip plus the margin its rate
 * controller keeps: at least 1-2 ticks over every second, so on a jittery link, or a busy machine, most
 * inputs arrive far earlier than that. Its frame on screen then lies that much further back from the tick
 * it fires for, and an honest shot reaches back that much further than its round trip explains.
 */

/**
 * A shooter (round trip 30 ms) whose inputs arrive `leadTicks` ahead of the server for a second, then
 * fires, claiming the frame `DELAY_TICKS` behind the server's time when it sent the input, plus `extra`
 * ticks. What the server made of the shot.
 */
function shotWithLead(leadTicks: number, extra = 0): ShotOutcome[] {
  const shooter = loneShooter();
  const { authority, outcomes } = shooter;
  // Each packet repeats the inputs not consumed yet, as a client's does: a copy arriving later than the
  // first must not count as the input's arrival.
  const sent: NetInput[] = [];
  const send = () => shooter.send(authority.world.tick, sent.slice(authority.world.tick));
  for (let tick = 0; tick < leadTicks; tick++) sent.push({ input: NEUTRAL_INPUT });
  for (let step = 0; step < 60; step++) {
    sent.push({ input: NEUTRAL_INPUT });
    send();
    authority.step();
  }
  const fireTick = authority.world.tick + leadTicks;
  sent.push({
    input: { ...NEUTRAL_INPUT, fire: true },
    view: { ticksBack: leadTicks + DELAY_TICKS + extra, fraction: 0, interpDelayMs: DELAY_TICKS * 16 },
  });
  for (let step = 0; step <= leadTicks; step++) {
    send();
    authority.step();
  }
  expect(authority.world.tick).toBeGreaterThan(fireTick);
  return outcomes;
}

describe('a shooter whose inputs arrive early', () => {
  it('has its shot judged in the frame it drew, a jitter margin (333 ms) before the tick it fired for', () => {
    expect(shotWithLead(20)).toEqual([expect.objectContaining({ ok: true })]);
  });

  it('aiming at a frame up to its lead older (a stall its lead hid), misses without it being held against it', () => {
    // 15 ticks (250 ms) further back than judged: what a process stalled for less than its lead draws.
    expect(shotWithLead(20, 15)).toEqual([expect.objectContaining({ ok: false, reason: 'late-view' })]);
  });

  it('gains no more reach than its input was early, and is held to that', () => {
    expect(shotWithLead(20, 33)).toEqual([expect.objectContaining({ ok: false, reason: 'rewind-too-far' })]);
  });

  it('gains nothing when its inputs arrive just in time (the same claim)', () => {
    expect(shotWithLead(2, 18)).toEqual([expect.objectContaining({ ok: false, reason: 'rewind-too-far' })]);
    expect(shotWithLead(2)).toEqual([expect.objectContaining({ ok: true })]);
  });
});
