import { Channel } from 'vehikill-net/client';
import {
  CountingMetrics,
  ManualClock,
  type RoomClient,
  RoomSync,
  type RoomSyncOptions,
} from 'vehikill-net/server';
import {
  decodeSyncFrame,
  encodeAckFrame,
  entity,
  int,
  SnapshotDecoder,
  SnapshotEncoder,
  type Tier,
} from 'vehikill-net/sync';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const Dot = entity('dot', { x: int({ min: 0, max: 1000 }) });

type Callbacks = Pick<RoomSyncOptions, 'priority' | 'tier' | 'visible' | 'viewGroup' | 'budgetBytes'>;

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
  const run = (ticks: number, moving = true) => {
    for (let step = 0; step < ticks; step++) {
      // Every dot jumps somewhere else (no motion to predict): each snapshot has 40 records to send,
      // more than a budget of 40 bytes carries.
      for (let id = 0; moving && id < 40; id++)
        sync.world.update(id, Dot, { x: ((id + 1) * 7_919 * (tick + 3)) % 1000 });
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
      'priority that returns NaN',
      { budgetBytes: 40, priority: (client: RoomClient) => (client.playerId === 'a' ? Number.NaN : 1) },
      'priority failed for member a on entity 0 (dot); it counts as 0',
    ],
    [
      'priority that throws',
      {
        budgetBytes: 40,
        priority: (client: RoomClient) => {
          if (client.playerId === 'a') throw new Error('no position yet');
          return 1;
        },
      },
      'priority threw for member a on entity 0 (dot); it counts as 0',
    ],
    [
      'tier that returns no tier',
      {
        budgetBytes: 40,
        tier: (client: RoomClient) => (client.playerId === 'a' ? 'urgent' : 'normal') as Tier,
      },
      'tier failed for member a on entity 0 (dot); it counts as normal',
    ],
    [
      'visible that throws',
      {
        visible: (client: RoomClient) => {
          if (client.playerId === 'a') throw new Error('no team yet');
          return true;
        },
      },
      'visible threw for member a on entity 0 (dot); the entity is left out',
    ],
    [
      'visible that returns no boolean',
      {
        visible: (client: RoomClient) => (client.playerId === 'a' ? ('no' as unknown as boolean) : true),
      },
      'visible failed for member a on entity 0 (dot); the entity is left out',
    ],
  ] as [string, Callbacks, string][])(
    'a %s for one member is replaced by what hurts least; every member gets every snapshot',
    (_name, callbacks, said) => {
      const { sync, received, metrics, clock, run } = room(callbacks);
      run(20);
      expect(received.get('a')).toBe(20);
      expect(received.get('b')).toBe(20);
      const { callbackErrors } = sync.stats();
      expect(callbackErrors).toBeGreaterThanOrEqual(20);
      expect(sync.stats().snapshotsFailed).toBe(0);
      const callback = said.split(' ')[0] as string;
      expect(metrics.snapshot()).toMatchObject({
        [`sync_callback_errors_total{callback=${callback}}`]: callbackErrors,
      });
      // Said once, naming the member and the entity, with the error; then at most once per 10 s.
      expect(errors).toHaveLength(1);
      expect(errors[0]?.[0]).toBe(`vehikill-net: RoomSync: ${said}:`);
      expect(errors[0]?.[1]).toBeInstanceOf(Error);
      clock.advance(10_000);
      const before = sync.stats().callbackErrors;
      run(1);
      expect(sync.stats().callbackErrors).toBeGreaterThan(before);
      expect(errors).toHaveLength(2);
      expect(errors[1]?.[0]).toMatch(
        /^vehikill-net: RoomSync: \d+ more such failures since; the latest: .+:$/,
      );
    },
  );

  it('hides from a member whatever its visible callback failed on', () => {
    const { decoders, clients, run } = room({
      visible: (client, id) => {
        if (client.playerId === 'a' && id % 2 === 1) throw new Error('no team yet');
        return true;
      },
    });
    run(5);
    const [a, b] = clients.map((client) => [...(decoders.get(client) as SnapshotDecoder).ids()]);
    expect(a).toEqual(Array.from({ length: 20 }, (_, index) => index * 2));
    expect(b).toHaveLength(40);
  });

  it('hides from a member whatever its visible callback returned other than true or false', () => {
    // Truthy junk once showed the entity: a string, a number, a promise from an async callback.
    const junk: unknown[] = ['no', 1, Promise.resolve(false), {}, undefined];
    const { sync, decoders, clients, run } = room({
      visible: (client, id) => (client.playerId === 'a' && id % 2 === 1 ? junk[id % 5] : true) as boolean,
    });
    run(5);
    const [a, b] = clients.map((client) => [...(decoders.get(client) as SnapshotDecoder).ids()]);
    expect(a).toEqual(Array.from({ length: 20 }, (_, index) => index * 2));
    expect(b).toHaveLength(40);
    expect(sync.stats().callbackErrors).toBe(5 * 20);
  });

  it('an async viewGroup gives each member a view of its own, said, rather than a new view every tick', () => {
    // A promise is a new key at every call: each member was moved to a view made for it alone at every
    // tick, so it never came in step at a frame and was never served from a shared body, with nothing said.
    const { sync, received, run } = room({
      visible: () => true,
      viewGroup: (async () => 'red') as unknown as () => string,
    });
    run(10);
    expect(received.get('a')).toBe(10);
    expect(received.get('b')).toBe(10);
    expect(sync.stats().callbackErrors).toBe(20);
    expect(errors[0]?.[0]).toBe(
      'vehikill-net: RoomSync: viewGroup failed for member a; it gets a view of its own:',
    );
    expect(errors[0]?.[1]).toEqual(new TypeError('viewGroup returned a promise, not a key'));
    // In step at the frames they acked, each member is served from its own view's shared bodies.
    expect(sync.sharedStats.bodies).toBeGreaterThanOrEqual(2 * 8);
  });

  it('an encoder that fails costs one member one snapshot, not the others theirs', () => {
    const { sync, received, run } = room({});
    const encode = SnapshotEncoder.prototype.encode;
    // The first encoder asked is member a's (members go in order); it fails its third snapshot, once.
    let first: SnapshotEncoder | undefined;
    let calls = 0;
    const spy = vi.spyOn(SnapshotEncoder.prototype, 'encode').mockImplementation(function (
      this: SnapshotEncoder,
      ...args: Parameters<SnapshotEncoder['encode']>
    ) {
      first ??= this;
      if (this === first && ++calls === 3) throw new Error('a fault in the encoder');
      return encode.apply(this, args);
    });
    try {
      run(5);
    } finally {
      spy.mockRestore();
    }
    expect(received.get('a')).toBe(4);
    expect(received.get('b')).toBe(5);
    expect(sync.stats()).toMatchObject({ snapshotsFailed: 1, callbackErrors: 0 });
    expect(errors[0]?.[0]).toBe(
      'vehikill-net: RoomSync: could not write a snapshot for member a; it gets the next one:',
    );
  });

  it('members converge once the callback is fixed', () => {
    let broken = true;
    const { decoders, clients, sync, run } = room({
      budgetBytes: 40,
      priority: (client) => (broken && client.playerId === 'a' ? Number.NaN : 1),
    });
    run(5);
    broken = false;
    run(20);
    // Still, until the small budget has carried everything.
    run(40, false);
    for (const client of clients) {
      const decoder = decoders.get(client) as SnapshotDecoder;
      expect([...decoder.ids()]).toHaveLength(40);
      for (const id of decoder.ids()) expect(decoder.get(id)?.codes).toEqual(sync.world.get(id)?.codes);
    }
  });
});
