import { Channel } from 'vehikill-net/client';
import { CountingMetrics, ManualClock, type RoomClient, RoomSync } from 'vehikill-net/server';
import { encodeAckFrame, entity, int } from 'vehikill-net/sync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

/** A member as an app's own SyncMember may have it: its membership is whatever the app put there. */
function player(name: string, membership: number): RoomClient {
  return { playerId: name, userId: name, name, away: false, rttMs: 0, membership } as unknown as RoomClient;
}

function setup(clients: RoomClient[]) {
  const clock = new ManualClock();
  const metrics = new CountingMetrics();
  const sent = new Map<RoomClient, number>();
  const sync = new RoomSync(
    { clients, clock },
    { types: [Dot], metrics, send: (client) => void sent.set(client, (sent.get(client) ?? 0) + 1) },
  );
  sync.world.spawn(Dot, { x: 1 });
  return { clock, metrics, sent, sync };
}

describe('RoomSync: a member whose membership no snapshot can name', () => {
  let errors: unknown[][];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => void errors.push(line));
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([256, -1, 1.5, Number.NaN])('of %s costs that member its snapshots, not the room', (membership) => {
    const bad = player('bad', membership);
    const ada = player('ada', 3);
    const { clock, metrics, sent, sync } = setup([bad, ada]);
    expect(sync.flush(1)).toEqual([ada]);
    clock.advance(50);
    expect(sync.flush(2)).toEqual([ada]);
    expect(sent.get(bad)).toBeUndefined();
    expect(sync.stats().snapshotsFailed).toBe(2);
    expect(metrics.total('sync_snapshot_errors_total')).toBe(2);
    expect(String(errors[0]?.[0])).toContain('member bad');
    // What else the room does with the member neither throws nor loses the app's bytes.
    expect(
      sync.receive(
        bad,
        Channel.phys,
        encodeAckFrame({ newest: 0, previous: 0, resync: false }, Uint8Array.of(9)),
      ),
    ).toEqual(Uint8Array.of(9));
    expect(() => sync.setRate(bad, 10)).not.toThrow();
    expect(() => sync.setBudget(bad, 500)).not.toThrow();
  });

  it('renumbered to one no snapshot can name, is skipped until it has a good one again', () => {
    const bob = player('bob', 1);
    const ada = player('ada', 3);
    const { clock, sent, sync } = setup([bob, ada]);
    expect(sync.flush(1)).toEqual([bob, ada]);
    (bob as unknown as { membership: number }).membership = 300;
    clock.advance(50);
    expect(sync.flush(2)).toEqual([ada]);
    (bob as unknown as { membership: number }).membership = 2;
    clock.advance(50);
    expect(sync.flush(3)).toEqual([bob, ada]);
    expect(sent.get(bob)).toBe(2);
  });
});
