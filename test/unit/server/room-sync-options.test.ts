import { ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });
const client = { playerId: 'a', userId: 'a', name: 'a', away: false, link: { send: () => true } };
const room = { clients: [client as unknown as RoomClient], clock: new ManualClock() };

// Budgets are in room-sync-budget.test.ts, adaptive options in room-sync-rates.test.ts.
describe('RoomSync numeric options', () => {
  it.each([Number.NaN, -1, 0, 0.5, 121, Number.POSITIVE_INFINITY])(
    'refuses a rateHz of %s when made and when set, naming its range',
    (rateHz) => {
      expect(() => new RoomSync(room, { types: [Dot], rateHz })).toThrow(
        new RangeError(`rateHz must be in 1..120, got ${rateHz}`),
      );
      const sync = new RoomSync(room, { types: [Dot] });
      expect(() => sync.setRate(room.clients[0] as RoomClient, rateHz)).toThrow(RangeError);
    },
  );

  it('takes a fractional rate (one snapshot every 400 ms)', () => {
    const sync = new RoomSync(room, { types: [Dot], rateHz: 2.5 });
    expect(sync.rateOf(room.clients[0] as RoomClient).rateHz).toBe(2.5);
  });

  it.each([Number.NaN, -1, Number.NEGATIVE_INFINITY])(
    'refuses a deflateAboveBytes of %s',
    (deflateAboveBytes) => {
      expect(() => new RoomSync(room, { types: [Dot], deflateAboveBytes })).toThrow(
        new RangeError(`deflateAboveBytes must be ≥ 0, got ${deflateAboveBytes}`),
      );
    },
  );

  it('takes a deflateAboveBytes of 0 (try every snapshot) and Infinity (never deflate)', () => {
    expect(new RoomSync(room, { types: [Dot], deflateAboveBytes: 0 })).toBeDefined();
    expect(new RoomSync(room, { types: [Dot], deflateAboveBytes: Number.POSITIVE_INFINITY })).toBeDefined();
  });
});
