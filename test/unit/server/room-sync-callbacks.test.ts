import { Channel } from 'vehikill-net/client';
import {
  CountingMetrics,
  ManualClock,
  type RoomClient,
  RoomSync,
  type RoomSyncOptions,
} from 'vehikill-net/server';
import { decodeSyncFrame, encodeAckFrame, entity, int, SnapshotDecoder } from 'vehikill-net/sync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

type Callbacks = Pick<RoomSyncOptions, 'priority' | 'tier' | 'visible' | 'budgetBytes'>;

/** Members `a` and `b` on a perfect link (decoded and acked at once), 40 dots, the app's callbacks. */
function room(callbacks: Callbacks) {
  const clock = new ManualClock();
  const metrics = new CountingMetrics();
  const clients = ['a', 'b'].map(
    (name) => ({ playerId: name, userId: name, name, away: false, rttMs: 0 }) as unknown as RoomClient,
  );
  const decoders = new Map<RoomClient, SnapshotDecoder>();
  const received = new Map<string, number>(clients.map((client) => [client.playerId, 0]));
  const sync: RoomSync = new RoomSync(
    { clients, clock },
    {
      types: [Dot],
      deflateAboveBytes: Number.POSITIVE_INFINITY,
      metrics,
      ...callbacks,
      send: (client, bytes) => {
        const frame = decodeSyncFrame(bytes);
        if (frame.kind !== 'snapshot') throw new Error('a snapshot was expected');
        const decoder = decoders.get(client) as SnapshotDecoder;
        expect(decoder.decode(frame.payload).kind).toBe('applied');
        sync.receive(client, Channel.phys, encodeAckFrame(decoder.ack()));
        received.set(client.playerId, (received.get(client.playerId) ?? 0) + 1);
      },
    },
  );
  for (const client of clients) decoders.set(client, new SnapshotDecoder(sync.registry));
  for (let x = 0; x < 40; x++) sync.world.spawn(Dot, { x });
  let tick = 0;
  const run = (ticks: number) => {
    for (let step = 0; step < ticks; step++) {
      // Every dot moves: each snapshot has all 40 to send.
      for (let id = 0; id < 40; id++) sync.world.update(id, Dot, { x: (id + tick) % 1000 });
      sync.flush(++tick);
      clock.advance(50);
    }
  };
  return { sync, clients, decoders, received, metrics, clock, run };
}

describe('RoomSync and the app callbacks', () => {
  let errors: unknown[][];
  beforeEach(() => {
    errors = [];
    vi.spyOn(console, 'error').mockImplementation((...line: unknown[]) => void errors.push(line));
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    [
      'priority',
      { budgetBytes: 40, priority: (client: RoomClient) => (client.playerId === 'a' ? Number.NaN : 1) },
    ],
    [
      'priority (throws)',
      {
        budgetBytes: 40,
        priority: (client: RoomClient) => {
          if (client.playerId === 'a') throw new Error('no position yet');
          return 1;
        },
      },
    ],
    [
      'visible (throws)',
      {
        visible: (client: RoomClient) => {
          if (client.playerId === 'a') throw new Error('no team yet');
          return true;
        },
      },
    ],
  ] as [string, Callbacks][])(
    'a %s that fails for one member costs that member its snapshots, not the others',
    (_name, callbacks) => {
      const { sync, received, metrics, clock, run } = room(callbacks);
      run(20);
      expect(received.get('a')).toBe(0);
      expect(received.get('b')).toBe(20);
      expect(sync.stats()).toMatchObject({ snapshotsSent: 20, snapshotsFailed: 20 });
      expect(metrics.snapshot()).toMatchObject({ sync_snapshot_errors_total: 20 });
      // Said once, naming the member, with the app's error; then at most once per 10 s with the count.
      expect(errors).toHaveLength(1);
      expect(errors[0]?.[0]).toBe(
        'vehikill-net: RoomSync could not write a snapshot for member a (the others get theirs):',
      );
      expect(errors[0]?.[1]).toBeInstanceOf(Error);
      clock.advance(10_000);
      run(1);
      expect(errors).toHaveLength(2);
      expect(errors[1]?.[0]).toBe(
        'vehikill-net: RoomSync could not write 20 more snapshots since (member a, the latest):',
      );
    },
  );

  it('members converge once the callback is fixed', () => {
    let broken = true;
    const { decoders, clients, sync, run } = room({
      budgetBytes: 40,
      priority: (client) => (broken && client.playerId === 'a' ? -1 : 1),
    });
    run(5);
    broken = false;
    run(40);
    for (const client of clients) {
      const decoder = decoders.get(client) as SnapshotDecoder;
      expect([...decoder.ids()]).toHaveLength(40);
      for (const id of decoder.ids()) expect(decoder.get(id)?.codes).toEqual(sync.world.get(id)?.codes);
    }
  });
});
