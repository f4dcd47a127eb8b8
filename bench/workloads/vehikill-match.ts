/**
 * Vehikill in a real match: the game server (its room, rules, netcode and sync) alone on core 0, 16 bot
 * players on core 1 over WebSockets, both pinned with taskset. After a warm-up, the room's own tick times
 * (p50, p99 of the simulation + sync work per 60 Hz tick) and each player's traffic in and out (WebSocket
 * payload bytes: snapshots, statuses, room messages and the relayed peer traffic of a mesh without UDP).
 * Alone: `npm run build && node dist/bench/workloads/vehikill-match.js`.
 */
import { pathToFileURL } from 'node:url';
import { type Row, rowsFor } from '../results.js';
import { PinnedProcess } from './ccu/pinned-process.js';
import type { MatchBotsRequest } from './vehikill/bots.js';
import type { MatchServerRequest } from './vehikill/server.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function benchVehikillMatch(players = 16, warmupMs = 8_000, windowMs = 20_000): Promise<Row[]> {
  const { process: server, ready } = await PinnedProcess.start<MatchServerRequest>(
    '../vehikill/server.js',
    0,
    [],
  );
  const { process: bots } = await PinnedProcess.start<MatchBotsRequest>('../vehikill/bots.js', 1, [
    String(ready.url),
    String(players),
  ]);
  try {
    await sleep(warmupMs);
    await server.call({ op: 'reset' });
    const before = await bots.call<{ bytesIn: number; bytesOut: number }>({ op: 'traffic' });
    await sleep(windowMs);
    const ticks = await server.call<{ p50: number; p99: number; count: number; players: number }>({
      op: 'ticks',
    });
    const after = await bots.call<{ bytesIn: number; bytesOut: number }>({ op: 'traffic' });
    const seconds = windowMs / 1000;
    const workload = `Vehikill match, ${ticks.players} bot players over WebSockets`;
    const row = rowsFor(workload, 'vehikill-net');
    return [
      row('server tick p50 (sim + rules + sync, 60 Hz)', ticks.p50, 'ms'),
      row('server tick p99', ticks.p99, 'ms'),
      row('ticks measured', ticks.count, 'ticks'),
      row('in per player', (after.bytesIn - before.bytesIn) / players / seconds / 125, 'kbit/s'),
      row('out per player', (after.bytesOut - before.bytesOut) / players / seconds / 125, 'kbit/s'),
    ];
  } finally {
    await bots.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const row of await benchVehikillMatch()) {
    console.log(`| ${row.workload} | ${row.metric} | ${row.value.toFixed(3)} | ${row.unit} |`);
  }
  process.exit(0);
}
