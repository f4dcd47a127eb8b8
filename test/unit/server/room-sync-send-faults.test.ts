import type { Channel } from 'vehikill-net/client';
import { CountingMetrics, ManualClock, RoomSync } from 'vehikill-net/server';
import { entity, int } from 'vehikill-net/sync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { syncMember } from '../../support/sync-member.js';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

describe('RoomSync: a member whose snapshot cannot be sent', () => {
  let errors: unknown[][];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => void errors.push(line));
  });
  afterEach(() => vi.restoreAllMocks());

  it("through the app's send that throws, costs that member its snapshot, not the members after it", () => {
    const clock = new ManualClock();
    const metrics = new CountingMetrics();
    const bad = syncMember('bad');
    const ada = syncMember('ada');
    const delivered: string[] = [];
    const sync = new RoomSync(
      { clients: [bad, ada], clock },
      {
        types: [Dot],
        metrics,
        send: (client) => {
          if (client === bad) throw new Error('socket gone');
          delivered.push(client.playerId);
        },
      },
    );
    sync.world.spawn(Dot, { x: 1 });
    expect(sync.flush(1)).toEqual([ada]);
    clock.advance(50);
    expect(sync.flush(2)).toEqual([ada]);
    expect(delivered).toEqual(['ada', 'ada']);
    const stats = sync.stats();
    expect(stats.snapshotsRefused).toBe(2);
    expect(stats.snapshotsSent).toBe(2);
    expect(stats.callbackErrors).toBe(2);
    expect(metrics.total('sync_callback_errors_total')).toBe(2);
    expect(metrics.total('sync_snapshots_refused_total')).toBe(2);
    // Said once (then throttled), naming the member and the error.
    expect(errors).toHaveLength(1);
    expect(String(errors[0]?.[0])).toContain('send threw for member bad');
    expect(errors[0]?.[1]).toEqual(new Error('socket gone'));
  });

  it("through a link of the app's own that throws, costs that member its snapshot, not the others", () => {
    const clock = new ManualClock();
    const closed = () => {
      throw new Error('closed');
    };
    const bad = syncMember('bad', { link: { send: closed } });
    const taken: Uint8Array[] = [];
    const ada = syncMember('ada', {
      link: { send: (_channel: Channel, bytes: Uint8Array) => taken.push(bytes) > 0 },
    });
    const sync = new RoomSync({ clients: [bad, ada], clock }, { types: [Dot] });
    sync.world.spawn(Dot, { x: 1 });
    expect(sync.flush(1)).toEqual([ada]);
    expect(taken).toHaveLength(1);
    expect(sync.stats()).toMatchObject({ snapshotsRefused: 1, snapshotsFailed: 1, callbackErrors: 0 });
    expect(String(errors[0]?.[0])).toContain("the member's link threw for member bad");
  });
});

describe('RoomSync: function options that are not functions', () => {
  it.each(['priority', 'tier', 'visible', 'viewGroup', 'send', 'random'])(
    'refuses a %s that is not a function at once, naming it',
    (name) => {
      const room = { clients: [syncMember('ada')], clock: new ManualClock() };
      expect(() => new RoomSync(room, { types: [Dot], [name]: 'nearest' })).toThrow(
        new TypeError(`RoomSync option '${name}' must be a function, got string`),
      );
    },
  );

  it.each([{}, null, 'metrics'])('refuses a metrics of %j, which has no count method', (metrics) => {
    const room = { clients: [syncMember('ada')], clock: new ManualClock() };
    expect(() => new RoomSync(room, { types: [Dot], metrics: metrics as never })).toThrow(
      new TypeError("RoomSync option 'metrics' must have a count method (pass the server's metrics)"),
    );
  });

  it('takes them left out, or given as undefined', () => {
    const room = { clients: [syncMember('ada')], clock: new ManualClock() };
    const options = { types: [Dot], priority: undefined, send: () => {}, metrics: new CountingMetrics() };
    expect(() => new RoomSync(room, options)).not.toThrow();
  });
});
