/**
 * What the Redis registry's lookups cost as a cluster's room count grows: the quick play lookup, a lobby's
 * page and a lobby's whole list, a seat taken and given back, and a node's heartbeat, at 1,000 and 10,000
 * rooms. Time per call as the caller sees it,
 * and Redis's own CPU per call (its `used_cpu_user + used_cpu_sys` over the calls): Redis runs every
 * script on one thread for every node of the cluster, so its time per call is what bounds a cluster.
 *
 * The rooms: 8 live nodes, three rooms in four of type 'arena' and the rest 'duel', 16 seats each; half
 * are full, three in ten locked (a match under way), two in ten open with 8 players.
 */
import { Redis } from 'ioredis';
import { RedisRegistry, type RoomListing, type RoomQuery } from 'vehikill-net/server';
import { type RedisServer, startRedis } from '../../test/support/redis.js';
import type { Row } from '../results.js';

const NODES = 8;
const SEATS = 16;
/** How many rooms quick play asks for: it tries this node's first and redirects to the first remote. */
const QUICK_PLAY_CANDIDATES = 16;
const MEASURE_MS = 1_500;

export async function benchRegistryScale(sizes: readonly number[] = [1_000, 10_000]): Promise<Row[]> {
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    for (const size of sizes) rows.push(...(await measureAt(redis, size)));
  } finally {
    await redis.stop();
  }
  return rows;
}

async function measureAt(server: RedisServer, size: number): Promise<Row[]> {
  const keyPrefix = `scale${size}:`;
  const registry = await RedisRegistry.connect({ url: server.url, keyPrefix });
  const admin = new Redis(server.url);
  try {
    for (let node = 0; node < NODES; node++) {
      await registry.heartbeat(
        { nodeId: `n${node}`, url: `ws://n${node}`, draining: false, bootId: 'b' },
        600_000,
      );
    }
    const open: string[] = [];
    const batch: Promise<boolean>[] = [];
    for (let index = 0; index < size; index++) {
      const kind = index % 10;
      const full = kind < 5;
      const locked = kind >= 5 && kind < 8;
      const listing: RoomListing = {
        roomId: `r${index}`,
        type: index % 4 === 3 ? 'duel' : 'arena',
        nodeId: `n${index % NODES}`,
        clients: 0,
        maxClients: SEATS,
        private: false,
        locked,
        metadata: { map: index % 2 === 0 ? 'docks' : 'quarry', mode: 'ffa' },
        createdAt: 1_700_000_000_000 + index,
      };
      const players = full ? SEATS : locked ? 12 : 8;
      const seats = Array.from({ length: players }, (_, seat) => `p${index}-${seat}`);
      if (!full && !locked) open.push(listing.roomId);
      batch.push(registry.addRoom(listing, seats));
      if (batch.length === 200) await Promise.all(batch.splice(0));
    }
    await Promise.all(batch);
    const workload = `Redis registry lookups, ${size.toLocaleString('en-US')} rooms on ${NODES} nodes`;
    const quickPlay: RoomQuery = { type: 'arena', limit: QUICK_PLAY_CANDIDATES };
    const lobbyPage: RoomQuery = { type: 'arena', includeFull: true, limit: 30 };
    const lobby: RoomQuery = { type: 'arena', filter: { map: 'docks' } };
    let turn = 0;
    let beat = 0;
    const operations: [string, () => Promise<unknown>][] = [
      ['quick play lookup (open arena rooms, oldest first)', () => registry.listRooms(quickPlay)],
      ['lobby page (30 arena rooms, full ones too)', () => registry.listRooms(lobbyPage)],
      ['lobby list (every open arena room on one map, no limit)', () => registry.listRooms(lobby)],
      [
        'a seat taken and given back',
        async () => {
          const roomId = open[turn++ % open.length] as string;
          await registry.reserveSeat(roomId, 'visitor');
          await registry.releaseSeat(roomId, 'visitor');
        },
      ],
      [
        // Each node's, every nodeTtlMs / 3: the sweep, the stall checks and the Redis process's run_id.
        'a node heartbeat',
        () =>
          registry.heartbeat(
            { nodeId: `n${beat % NODES}`, url: `ws://n${beat++ % NODES}`, draining: false, bootId: 'b' },
            600_000,
            true,
          ),
      ],
    ];
    const rows: Row[] = [];
    for (const [name, operation] of operations) {
      await operation();
      const before = await redisCpuUs(admin);
      const started = performance.now();
      let calls = 0;
      while (performance.now() - started < MEASURE_MS) {
        await operation();
        calls++;
      }
      const elapsed = performance.now() - started;
      const redisUs = (await redisCpuUs(admin)) - before;
      const system = `vehikill-net RedisRegistry: ${name}`;
      rows.push({ workload, system, metric: 'time per call', value: (elapsed * 1000) / calls, unit: 'µs' });
      rows.push({ workload, system, metric: 'Redis CPU per call', value: redisUs / calls, unit: 'µs' });
    }
    const found = await registry.listRooms(quickPlay);
    rows.push({
      workload,
      system: 'vehikill-net RedisRegistry: quick play lookup',
      metric: 'rooms returned',
      value: found.length,
      unit: 'rooms',
    });
    return rows;
  } finally {
    await admin.flushdb();
    admin.disconnect();
    await registry.close();
  }
}

/** Redis's CPU so far (user + system), µs. */
async function redisCpuUs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

// Alone, without touching bench/results/latest.json: `node dist/bench/workloads/registry-scale.js [rooms ...]`.
if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.slice(2).map(Number);
  for (const row of await benchRegistryScale(sizes.length > 0 ? sizes : undefined)) {
    console.log(
      `| ${row.workload} | ${row.system} | ${row.metric} | ${row.value.toFixed(1)} | ${row.unit} |`,
    );
  }
}
