import type { Client, RoomConnection } from 'vehikill-net/client';
import { MemoryRegistry, RedisRegistry, type Registry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { useRedis } from '../support/redis.js';
import { connectedClient as connected, sleep, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

/** A room whose creation takes a while (a map loaded, say): the window in which quick plays pile up. */
class SlowRoom extends TestRoom {
  override async onCreate(options: unknown): Promise<void> {
    await sleep(50);
    super.onCreate(options);
  }
}

/** A room whose first creation fails (after a while): the quick plays waiting for it must go on. */
class FailsOnceRoom extends TestRoom {
  static failures = 1;
  override async onCreate(options: unknown): Promise<void> {
    await sleep(50);
    if (FailsOnceRoom.failures-- > 0) throw new Error('the map would not load');
    super.onCreate(options);
  }
}

/** A registry whose quick-play creation claims another node holds and never gives back (it died). */
class HeldClaimRegistry extends MemoryRegistry {
  claims = 0;
  override async claimCreation(): Promise<boolean> {
    this.claims++;
    return false;
  }
}

/** A room that sets its own mode whatever quick play filtered by (the room's word wins). */
class FfaRoom extends TestRoom {
  override onCreate(options: unknown): void {
    super.onCreate(options);
    this.setMetadata({ mode: 'ffa' });
  }
}

const redis = useRedis();

const servers: TestServer[] = [];
const registries: Registry[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
});

/** A connection to the test's Redis; connections with the same prefix share one registry. */
async function redisRegistry(prefix: string): Promise<Registry> {
  const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix: `${prefix}:` });
  registries.push(registry);
  return registry;
}

async function node(registry: Registry, nodeId: string, roomCreateBurst?: number): Promise<TestServer> {
  const server = await startServer(
    { test: SlowRoom, ffa: FfaRoom, flaky: FailsOnceRoom },
    {
      registry,
      nodeId,
      guestSecret: 'a-secret-the-nodes-of-this-test-share!!',
      nodeTtlMs: 3_000,
      ...(roomCreateBurst === undefined ? {} : { roomCreateBurst }),
    },
  );
  servers.push(server);
  return server;
}

/** Players per room, most first. */
function seating(rooms: readonly RoomConnection[]): number[] {
  const byRoom = new Map<string, number>();
  for (const room of rooms) byRoom.set(room.roomId, (byRoom.get(room.roomId) ?? 0) + 1);
  return [...byRoom.values()].sort((a, b) => b - a);
}

const sixteenSeats = { options: { maxClients: 16 } };

describe('quick plays at the same moment on one node', () => {
  for (const backend of ['in-memory', 'Redis'] as const) {
    it(`fill one room up to its seats before the next is made (${backend} registry, async onCreate)`, async () => {
      const registry = backend === 'Redis' ? await redisRegistry('qp-burst-one-node') : new MemoryRegistry();
      const a = await node(registry, 'node-a');
      const players = await Promise.all(Array.from({ length: 20 }, () => connected(a)));
      const rooms = await Promise.all(players.map((player) => player.quickPlay('test', sixteenSeats)));
      expect(seating(rooms)).toEqual([16, 4]);
      expect(a.server.rooms.roomCount).toBe(2);
    });
  }

  it('fill rooms as quick plays keep arriving while the first room is still being created', async () => {
    const a = await node(new MemoryRegistry(), 'node-a');
    const players = await Promise.all(Array.from({ length: 10 }, () => connected(a)));
    const plays: Promise<RoomConnection>[] = [];
    for (const player of players) {
      plays.push(player.quickPlay('test', sixteenSeats));
      await sleep(10);
    }
    expect(seating(await Promise.all(plays))).toEqual([10]);
  });

  it('cost one address only the rooms they create: 30 behind one address, a burst of 3, all seated', async () => {
    const registry = await redisRegistry('qp-rate');
    const a = await node(registry, 'node-a', 3);
    const players = await Promise.all(Array.from({ length: 30 }, () => connected(a)));
    const settled = await Promise.allSettled(players.map((player) => player.quickPlay('test', sixteenSeats)));
    const refused = settled.filter((result) => result.status === 'rejected');
    expect(refused.map((result) => (result.reason as { code?: string }).code)).toEqual([]);
    const rooms = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(seating(rooms)).toEqual([16, 14]);
  });

  it('wait for a creation only for the same filter: other filters make their own rooms at once', async () => {
    const a = await node(new MemoryRegistry(), 'node-a');
    const players = await Promise.all(Array.from({ length: 8 }, () => connected(a)));
    const rooms = await Promise.all(
      players.map((player, i) =>
        player.quickPlay('test', { ...sixteenSeats, filter: { mode: i % 2 === 0 ? 'ctf' : 'tdm' } }),
      ),
    );
    expect(seating(rooms)).toEqual([4, 4]);
    for (const [i, room] of rooms.entries()) {
      expect(room.info.metadata.mode).toBe(i % 2 === 0 ? 'ctf' : 'tdm');
    }
  });
});

describe('quick plays waiting for a creation', () => {
  it('go on when it fails: the next of them creates the room the others join', async () => {
    const a = await node(new MemoryRegistry(), 'node-a');
    const players = await Promise.all(Array.from({ length: 6 }, () => connected(a)));
    const settled = await Promise.allSettled(
      players.map((player) => player.quickPlay('flaky', sixteenSeats)),
    );
    const refused = settled.flatMap((result) =>
      result.status === 'rejected' ? [(result.reason as { code?: string }).code] : [],
    );
    expect(refused).toEqual(['JOIN_REJECTED']);
    const rooms = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    expect(seating(rooms)).toEqual([5]);
  });

  it('wait at most 5 s for a creation claim another node never gives back, then create', async () => {
    const registry = new HeldClaimRegistry();
    const a = await node(registry, 'node-a');
    const players = await Promise.all(Array.from({ length: 3 }, () => connected(a)));
    const started = Date.now();
    const rooms = await Promise.all(players.map((player) => player.quickPlay('test', sixteenSeats)));
    const took = Date.now() - started;
    expect(seating(rooms)).toEqual([3]);
    expect(took).toBeGreaterThanOrEqual(4_900);
    expect(took).toBeLessThan(8_000);
    // One quick play asked, about every 25 ms; the others waited for it here.
    expect(registry.claims).toBeGreaterThan(20);
    expect(registry.claims).toBeLessThan(250);
  });
});

describe('quick plays at the same moment on two nodes sharing one Redis', () => {
  it('open only the rooms needed: one node creates at a time, the other sends its players there', async () => {
    const a = await node(await redisRegistry('qp-two-nodes'), 'node-a');
    const other = await node(await redisRegistry('qp-two-nodes'), 'node-b');
    await sleep(300); // both nodes heartbeated
    const players: Client[] = await Promise.all(
      Array.from({ length: 20 }, (_, i) => connected(i % 2 === 0 ? a : other)),
    );
    const rooms = await Promise.all(players.map((player) => player.quickPlay('test', sixteenSeats)));
    const seats = seating(rooms);
    expect(seats.reduce((sum, count) => sum + count, 0)).toBe(20);
    // Two rooms are needed (measured: [16, 4]; before, one room for each player).
    expect(seats.length).toBe(2);
    for (const count of seats) expect(count).toBeLessThanOrEqual(16);
  });
});

describe('a room quick play creates with a filter', () => {
  it('starts with the filter as its metadata, so the next quick play with that filter finds it', async () => {
    const a = await node(new MemoryRegistry(), 'node-a');
    const rooms: RoomConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const player = await connected(a);
      rooms.push(await player.quickPlay('test', { ...sixteenSeats, filter: { mode: 'ctf', ranked: true } }));
    }
    expect(seating(rooms)).toEqual([3]);
    expect(rooms[0]?.info.metadata).toEqual({ mode: 'ctf', ranked: true });
    const listed = await (await connected(a)).listRooms({ type: 'test', filter: { mode: 'ctf' } });
    expect(listed.map((room) => room.metadata)).toEqual([{ mode: 'ctf', ranked: true }]);
  });

  it("keeps what the room's own onCreate sets over the filter", async () => {
    const a = await node(new MemoryRegistry(), 'node-a');
    const room = await (await connected(a)).quickPlay('ffa', { filter: { mode: 'ctf', map: 'dunes' } });
    expect(room.info.metadata).toEqual({ mode: 'ffa', map: 'dunes' });
  });
});
