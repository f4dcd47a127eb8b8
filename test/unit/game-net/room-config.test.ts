import { describe, expect, it } from 'vitest';
import { roomConfigProblem } from '../../../game/server/room-config.js';
import { vehikillRoom } from '../../../game/server/vehikill-room.js';

/*
 * A server's room settings are checked where they are given: a value every room would refuse at its
 * creation must stop `vehikillRoom(config)`, naming the field, rather than start a server whose every
 * room is refused (JOIN_REJECTED) or, for the anti-cheat, one that kicks no one.
 */
describe('roomConfigProblem', () => {
  it('passes the defaults and sane settings', () => {
    expect(roomConfigProblem({})).toBeUndefined();
    expect(
      roomConfigProblem({
        snapshotHz: 20,
        budgetBytes: 800,
        reloadHoldSeconds: 600,
        antiCheat: { windowMs: 5_000, limits: { 'shot-claim': 4 } },
      } as never),
    ).toBeUndefined();
  });

  it.each([
    ['snapshotHz', { snapshotHz: 0 }],
    ['snapshotHz', { snapshotHz: 500 }],
    ['budgetBytes', { budgetBytes: 4 }],
    ['budgetBytes', { budgetBytes: 1_000_000 }],
    ['reloadHoldSeconds', { reloadHoldSeconds: 0 }],
    ['reloadHoldSeconds', { reloadHoldSeconds: 601 }],
    ['reloadHoldSeconds', { reloadHoldSeconds: 2.5 }],
    ['antiCheat', { antiCheat: { windowMs: 0 } }],
    ['antiCheat', { antiCheat: { limits: { 'shot-claim': -1 } } }],
    ['antiCheat', { antiCheat: { limits: { 'shot-claim': Number.NaN } } }],
  ])('names %s in %j, and vehikillRoom refuses it', (field, config) => {
    expect(roomConfigProblem(config as never)?.field).toBe(field);
    expect(() => vehikillRoom(config as never)).toThrow(RangeError);
  });
});
