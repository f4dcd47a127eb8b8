import { Channel } from 'vehikill-net/client';
import { ManualClock, type RoomClient, RoomSync, type RoomSyncOptions } from 'vehikill-net/server';
import { decodeSyncFrame, encodeAckFrame, entity, int, SnapshotDecoder } from 'vehikill-net/sync';
import { describe, expect, it } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

/** Members on a perfect link: every snapshot decoded at once and acked. */
function room(names: readonly string[], viewGroup: NonNullable<RoomSyncOptions<RoomClient>['viewGroup']>) {
  const clock = new ManualClock();
  const clients = names.map(
    (name) => ({ playerId: name, userId: name, name, away: false, rttMs: 0 }) as unknown as RoomClient,
  );
  const decoders = new Map<RoomClient, SnapshotDecoder>();
  const sync: RoomSync = new RoomSync(
    { clients, clock },
    {
      types: [Dot],
      deflateAboveBytes: Number.POSITIVE_INFINITY,
      visible: (_client, _id, record) => (record.codes[0] as number) % 2 === 0,
      viewGroup,
      send: (client, bytes) => {
        const frame = decodeSyncFrame(bytes);
        if (frame.kind !== 'snapshot') throw new Error('a snapshot was expected');
        const decoder = decoders.get(client) as SnapshotDecoder;
        expect(decoder.decode(frame.payload).kind).toBe('applied');
        sync.receive(client, Channel.phys, encodeAckFrame(decoder.ack()));
      },
    },
  );
  for (const client of clients) decoders.set(client, new SnapshotDecoder(sync.registry));
  for (let x = 0; x < 8; x++) sync.world.spawn(Dot, { x });
  let tick = 0;
  const run = (ticks: number) => {
    for (let step = 0; step < ticks; step++) {
      sync.flush(++tick);
      clock.advance(50);
    }
  };
  return { sync, clients, decoders, run };
}

describe('RoomSync views', () => {
  it('serves the members of one group from shared bodies, whatever the key (NaN included)', () => {
    for (const key of [1, 'team', Number.NaN]) {
      const { sync, decoders, run } = room(['a', 'b'], () => key);
      run(20);
      // Both in step at the same frame every tick: one body for the two.
      expect(sync.sharedStats.reused, String(key)).toBeGreaterThan(10);
      for (const decoder of decoders.values()) expect([...decoder.ids()]).toEqual([0, 2, 4, 6]);
    }
  });

  it('gives a member of no group (undefined or null: a team not picked yet) a view of its own', () => {
    const teamOf = new Map<string, string>([['a', 'red']]);
    for (const none of [undefined, null]) {
      const { sync, decoders, run } = room(['a', 'b', 'c'], (client) => teamOf.get(client.name) ?? none);
      run(20);
      for (const decoder of decoders.values()) expect([...decoder.ids()]).toEqual([0, 2, 4, 6]);
      // Three views (red, b's own, c's own), each in step: three bodies a tick, none shared.
      const { bodies, reused } = sync.sharedStats;
      run(10);
      expect(sync.sharedStats.bodies - bodies, String(none)).toBe(30);
      expect(sync.sharedStats.reused - reused, String(none)).toBe(0);
    }
  });

  it('keeps a lone member of a NaN group in shared mode rather than moving it every tick', () => {
    const { sync, run } = room(['a'], () => Number.NaN);
    run(20);
    const { bodies } = sync.sharedStats;
    run(20);
    // In step: one body a tick; moved between new groups, it would be served per-client.
    expect(sync.sharedStats.bodies - bodies).toBe(20);
  });
});
