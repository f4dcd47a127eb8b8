/**
 * What a synced room keeps in memory over a long match: a RoomSync with 1,000 entities that all move
 * every tick, snapshots at 20 Hz for 60 s of room time (1,200 ticks on a manual clock), two clients that
 * ack every snapshot at once, and in some scenarios a third that never acks. The heap after a full
 * collection, above the heap before the room was made, at 20 s, 40 s and 60 s: a heap that still grows at
 * 60 s keeps something per tick. With the default byte budget (1,200 B) the world does not fit a
 * snapshot, so the acking clients are tracked per entity; without a budget every snapshot is whole.
 * Alone: `npm run build && node dist/bench/workloads/sync-memory.js`.
 */
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ManualClock } from '../../src/common/index.js';
import { RoomSync, type SyncMember } from '../../src/server/index.js';
import { encodeAckFrame, entity, int } from '../../src/sync/index.js';
import { Channel } from '../../src/transport/index.js';
import type { Row } from '../results.js';

const ENTITIES = 1_000;
const TICKS = 1_200;
const RATE_HZ = 20;
const WORKLOAD = 'Synced room, 1,000 entities all moving, 20 Hz, 60 s of room time';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const Dot = entity('dot', { x: int({ min: 0, max: 100_000 }), y: int({ min: 0, max: 100_000 }) });

interface Scenario {
  name: string;
  budgetBytes: number;
  silentClients: number;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'default budget, 2 acking clients', budgetBytes: 1_200, silentClients: 0 },
  { name: 'default budget, + 1 client that never acks', budgetBytes: 1_200, silentClients: 1 },
  { name: 'no budget, + 1 client that never acks', budgetBytes: Number.POSITIVE_INFINITY, silentClients: 1 },
];

function heapMegabytes(): number {
  collectGarbage();
  return process.memoryUsage().heapUsed / 1e6;
}

function member(): SyncMember {
  return { away: false, link: { send: () => true, sendTagged: () => true } };
}

/** Heap held above the start (MB) at each third of the run. */
function run(scenario: Scenario): number[] {
  const before = heapMegabytes();
  const clock = new ManualClock();
  const acking = [member(), member()];
  const clients = [...acking, ...Array.from({ length: scenario.silentClients }, member)];
  const sync = new RoomSync(
    { clients, clock },
    // The first snapshot's seq is 0, so snapshot n is acked as seq n.
    { types: [Dot], rateHz: RATE_HZ, budgetBytes: scenario.budgetBytes, random: () => 0, send: () => {} },
  );
  const ids: number[] = [];
  for (let index = 0; index < ENTITIES; index++) ids.push(sync.world.spawn(Dot, { x: index, y: index }));
  const held: number[] = [];
  for (let tick = 1; tick <= TICKS; tick++) {
    for (let index = 0; index < ENTITIES; index++) {
      sync.world.update(ids[index] as number, Dot, {
        x: (index * 7 + tick * 7) % 100_000,
        y: (index + tick * 3) % 100_000,
      });
    }
    clock.advance(1_000 / RATE_HZ);
    sync.flush(tick);
    const ack = encodeAckFrame({ newest: (tick - 1) % 65_536, previous: 0, resync: false });
    for (const client of acking) sync.receive(client, Channel.phys, ack);
    if (tick % (TICKS / 3) === 0) held.push(heapMegabytes() - before);
  }
  // Read after the last collection, so the room was alive through it.
  if (sync.stats().snapshotsSent < TICKS) throw new Error('the room sent fewer snapshots than ticks');
  return held;
}

export function benchSyncMemory(): Row[] {
  const rows: Row[] = [];
  for (const scenario of SCENARIOS) {
    const held = run(scenario);
    for (const [index, megabytes] of held.entries()) {
      rows.push({
        workload: WORKLOAD,
        system: scenario.name,
        metric: `heap held at ${((index + 1) * TICKS) / 3 / RATE_HZ} s`,
        value: Math.round(megabytes * 10) / 10,
        unit: 'MB',
      });
    }
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of benchSyncMemory()) {
    console.log(`${row.system.padEnd(46)} ${row.metric.padEnd(18)} ${row.value} ${row.unit}`);
  }
}
