/**
 * Does a server return to its memory after players come and go? A real server in this process (port 0,
 * the in-memory registry) and real clients (`ws`) repeat a visit (churn/churn-visit.ts: two players, a
 * room with a schema'd state, quick play or a private code, chat, the mesh's relay, the server link in TCP
 * mode; then a close, a leave, a dropped socket and its resume, or a drop past the grace and a fresh
 * session) in blocks of 1,000, 25 at a time, rooms disposed as they empty. After each block, once the
 * last sessions ended and the rooms went, the heap after a full collection, against the heap before the
 * first block. First a warm-up: visits until the JIT settles, and 4,200 sessions opened and closed, which
 * fills what the server keeps of ended sessions on purpose (the last 4,096, for late resumes). The heap is
 * the process's (server and clients), but no client outlives its visit.
 * Alone: `npm run build && node dist/bench/workloads/churn-memory.js`.
 */
import { pathToFileURL } from 'node:url';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Client } from 'vehikill-net/client';
import { GameServer } from 'vehikill-net/server';
import { WebSocket } from 'ws';
import { type Row, rowsFor } from '../results.js';
import { ChurnRoom, sleep, VISIT_ENDS, visit } from './churn/churn-visit.js';

const WORKLOAD = 'Churn: heap kept after 1,000 visits of 2 players, server in process, after a full GC';
const BLOCKS = 3;
const VISITS = 1_000;
const AT_ONCE = 25;
const GRACE_MS = 200;
/** More than the server keeps of ended sessions (4,096). */
const WARM_SESSIONS = 4_200;

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** After full collections: the heap in use, and the part of it outside V8's code space. */
function heap(): { used: number; outsideCode: number } {
  for (let round = 0; round < 3; round++) collectGarbage();
  const used = process.memoryUsage().heapUsed;
  const code = getHeapSpaceStatistics().find((space) => space.space_name === 'code_space');
  return { used, outsideCode: used - (code?.space_used_size ?? 0) };
}

/**
 * `count` visits, `AT_ONCE` going on at any time (the next starts as one ends), the ends in turn. Answers
 * how many failed (each is logged: a step that did not come within its time).
 */
async function visits(server: GameServer, url: string, count: number): Promise<number> {
  let started = 0;
  let failed = 0;
  const run = async (lane: number) => {
    while (started < count) {
      const end = VISIT_ENDS[started++ % VISIT_ENDS.length] ?? 'close';
      await visit(server, url, end, { graceMs: GRACE_MS, lane }).catch((error: unknown) => {
        failed++;
        console.error(`${end} visit: ${String(error)}`);
      });
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, (_, lane) => run(lane)));
  return failed;
}

/** Waits until the server holds no session and no room (the empty rooms go after 50 ms). */
async function quiet(server: GameServer): Promise<void> {
  while (server.sessionCount > 0 || server.rooms.roomCount > 0) await sleep(50);
  // Timers that ran as the last ones ended, and the once-a-second samplers, have gone round.
  await sleep(1_200);
}

export async function benchChurnMemory(): Promise<Row[]> {
  const server = new GameServer({
    graceMs: GRACE_MS,
    emptyDisposeMs: 50,
    // One address (loopback) plays every player: its per-address bounds are lifted.
    connectBurst: 1e6,
    connectsPerSecond: 1e6,
    maxConnectionsPerAddress: 10_000,
    roomCreateBurst: 1e6,
    roomCreatesPerSecond: 1e6,
    maxEmptyRoomsPerCreator: 1_000,
  }).define('churn', ChurnRoom);
  const { wsUrl } = await server.listen(0);
  await visits(server, wsUrl, 200);
  for (let index = 0; index < WARM_SESSIONS; index += 100) {
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const client = new Client({ url: wsUrl, WebSocket, token: server.issueGuestToken('warm') });
        await client.connect();
        await client.close();
      }),
    );
  }
  await quiet(server);
  const before = heap();
  const row = rowsFor(WORKLOAD, 'vehikill-net');
  const rows: Row[] = [row('heap before', Math.round(before.used / 1e5) / 10, 'MB')];
  for (let block = 1; block <= BLOCKS; block++) {
    const started = performance.now();
    const failed = await visits(server, wsUrl, VISITS);
    const seconds = (performance.now() - started) / 1_000;
    await quiet(server);
    const after = heap();
    const visited = (block * VISITS).toLocaleString('en-US');
    rows.push(row(`kept after ${visited} visits`, Math.round((after.used - before.used) / 1e3), 'kB'));
    rows.push(
      row(`... outside code space`, Math.round((after.outsideCode - before.outsideCode) / 1e3), 'kB'),
    );
    rows.push(row(`block ${block}: visits per second`, Math.round(VISITS / seconds), '/s'));
    rows.push(row(`block ${block}: visits that failed`, failed, ''));
  }
  await server.close({ drainMs: 0 });
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await benchChurnMemory()) {
    console.log(`${row.metric.padEnd(32)} ${row.value} ${row.unit}`);
  }
}
