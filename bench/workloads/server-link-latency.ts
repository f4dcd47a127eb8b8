/**
 * Snapshot latency at the player, direct vs TCP mode: the room sends a 200-byte snapshot at 30 Hz on
 * `phys` stamped with its send time (hrtime: one clock for every process on the machine) to two players
 * in a child process, one with a direct server link, one in TCP mode (`serverLink: 'off'`), both sending
 * 20-byte inputs at 30 Hz. Measured at once for both, for 20 s in each of: no loss, 5% inbound UDP
 * loss (hurts the direct path; TCP mode is shown too, to see that UDP loss does not touch it), and 5%
 * inbound TCP loss on the server's port (hurts TCP mode; the direct player is shown too).
 */
import { GameServer } from 'vehikill-net/server';
import type { Row } from '../results.js';
import {
  ClientProcess,
  HZ,
  INPUT_BYTES,
  isolated,
  packetLoss,
  round,
  SnapshotRoom,
  sleep,
} from './server-link/common.js';
import type { LatencySummary } from './server-link/protocol.js';

export interface LatencyCase {
  loss: string;
  ticks: number;
  summaries: LatencySummary[];
}

type Loss = { name: string; apply?: (port: number) => () => void };

const LOSSES: Loss[] = [
  { name: 'no loss' },
  { name: '5% inbound UDP loss', apply: () => packetLoss(5, { udp: true }) },
  { name: '5% inbound TCP loss on the server port', apply: (port) => packetLoss(5, { tcpPort: port }) },
];

export async function measureServerLinkLatency(seconds = 20): Promise<LatencyCase[]> {
  const server = new GameServer({ serverLink: { bindAddress: '127.0.0.1' } }).define('snap', SnapshotRoom);
  const { wsUrl, port } = await server.listen(0);
  // Two players only: not niced, their event loop is part of what they measure.
  const child = await ClientProcess.start(0);
  const cases: LatencyCase[] = [];
  try {
    const first = await child.call({ op: 'open', system: 'tcp', label: 'tcp', url: wsUrl, count: 1 });
    const second = await child.call({
      op: 'open',
      system: 'direct',
      label: 'direct',
      url: wsUrl,
      count: 1,
      roomId: first.roomId,
    });
    if (second.direct !== 1) throw new Error('server-link latency: the direct player did not go direct');
    const room = SnapshotRoom.current;
    if (!room) throw new Error('server-link latency: no room');
    room.startSnapshots();
    await child.call({ op: 'traffic', hz: HZ, bytes: INPUT_BYTES });
    await sleep(1_000);
    for (const loss of LOSSES) {
      if (loss.apply && !isolated) {
        console.warn(`server-link latency: '${loss.name}' skipped (needs the loopback-only namespace)`);
        continue;
      }
      const restore = loss.apply?.(port);
      try {
        await sleep(200);
        const ticksBefore = room.ticks;
        await child.call({ op: 'record-start' });
        await sleep(seconds * 1_000);
        const { summaries } = await child.call({ op: 'record-stop' });
        cases.push({ loss: loss.name, ticks: room.ticks - ticksBefore, summaries });
        console.error(`server-link latency: ${JSON.stringify(cases.at(-1))}`);
      } finally {
        restore?.();
      }
      await sleep(1_000);
    }
  } finally {
    await child.close();
    await server.close({ drainMs: 0 });
  }
  return cases;
}

export function latencyRows(cases: readonly LatencyCase[], seconds = 20): Row[] {
  const workload = `snapshot one-way latency at the player, 200 B at ${HZ} Hz on phys, ${seconds} s per case`;
  const rows: Row[] = [];
  for (const c of cases) {
    for (const s of c.summaries) {
      const path = s.label === 'direct' ? 'direct' : "TCP mode ('off')";
      const note = s.paths.every((p) => p === (s.label === 'direct' ? 'direct' : 'tcp'))
        ? ''
        : ` [path at the end: ${s.paths.join(',')}]`;
      const system = `${path}, ${c.loss}${note}`;
      const row = (metric: string, value: number, unit: string) =>
        rows.push({ workload, system, metric, value, unit });
      row('p50', round(s.p50), 'ms');
      row('p99', round(s.p99), 'ms');
      row('max', round(s.max), 'ms');
      row('longest stall (gap between arrivals)', round(s.longestGapMs), 'ms');
      row('snapshots delivered', round((s.received / c.ticks) * 100, 1), '%');
    }
  }
  return rows;
}

/** Rows for bench/results.ts. */
export async function benchServerLinkLatency(seconds = 20): Promise<Row[]> {
  return latencyRows(await measureServerLinkLatency(seconds), seconds);
}
