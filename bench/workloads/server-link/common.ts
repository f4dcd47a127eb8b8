/** Shared by the server-link benchmarks: client processes, the snapshot room, CPU and packet loss. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { performance as nodePerformance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Room, type RoomClient } from 'vehikill-net/server';
import { Channel } from 'vehikill-net/transport';
import { ChildRpc } from '../child-rpc.js';
import type { ChildRequest, CountsReply, LatencySummary, OpenReply } from './protocol.js';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type ReplyOf<R extends ChildRequest> = R extends { op: 'open' }
  ? OpenReply
  : R extends { op: 'counts' }
    ? CountsReply
    : R extends { op: 'record-stop' }
      ? { summaries: LatencySummary[] }
      : Record<string, never>;

/**
 * A process of stand-in players (clients.ts), niced: on this 2-core machine they play remote players,
 * whose CPU is not the server's; at equal priority their bursts would preempt the server.
 */
export class ClientProcess {
  readonly #rpc: ChildRpc<ChildRequest>;

  private constructor(child: ChildProcess) {
    this.#rpc = new ChildRpc<ChildRequest>(child, 'client process');
  }

  /** Starts a process and resolves once its modules are loaded (so its start-up is in no window). */
  static async start(niceness = 19): Promise<ClientProcess> {
    const script = fileURLToPath(new URL('./clients.js', import.meta.url));
    const child = spawn('nice', ['-n', String(niceness), process.execPath, script], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`client process exited (${code}) before loading`)));
      child.on('message', (message: { loaded?: boolean }) => {
        if (message.loaded) resolve();
      });
    });
    return new ClientProcess(child);
  }

  call<R extends ChildRequest>(request: R): Promise<ReplyOf<R>> {
    return this.#rpc.call<ReplyOf<R>>(request);
  }

  close(): Promise<void> {
    return this.#rpc.close({ op: 'close' }, 2_000);
  }
}

/** Sums replies of several client processes. */
export async function totalCounts(processes: readonly ClientProcess[]): Promise<CountsReply> {
  const replies = await Promise.all(processes.map((p) => p.call({ op: 'counts' })));
  return replies.reduce(
    (sum, r) => ({
      received: sum.received + r.received,
      duplicates: sum.duplicates + r.duplicates,
      sent: sum.sent + r.sent,
      direct: sum.direct + r.direct,
      players: sum.players + r.players,
    }),
    { received: 0, duplicates: 0, sent: 0, direct: 0, players: 0 },
  );
}

export const SNAPSHOT_BYTES = 200;
export const INPUT_BYTES = 20;
export const HZ = 30;

/** A 200-byte snapshot: sequence number at 0, send time (hrtime ns, one clock machine-wide) at 8. */
export function snapshot(seq: number): Uint8Array {
  const bytes = new Uint8Array(SNAPSHOT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, seq);
  view.setBigUint64(8, process.hrtime.bigint());
  return bytes;
}

/**
 * The game room of these benchmarks: counts the inputs players send on their server links, and (once
 * `startSnapshots` runs) sends every member a snapshot on `phys` at 30 Hz through `client.link`.
 */
export class SnapshotRoom extends Room {
  static current: SnapshotRoom | undefined;
  inputs = 0;
  ticks = 0;
  snapshotsSent = 0;
  snapshotsRefused = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  override onCreate(): void {
    this.setMaxClients(1_024);
    SnapshotRoom.current = this;
  }

  override onLinkMessage(_client: RoomClient, channel: Channel, _bytes: Uint8Array): void {
    if (channel === Channel.phys) this.inputs++;
  }

  /** Messages sent on the direct paths of members whose link is direct (the links' own counters). */
  directMessagesSent(): number {
    let sum = 0;
    for (const client of this.clients) {
      if (client.link.state === 'direct') sum += client.link.stats().messagesSent;
    }
    return sum;
  }

  startSnapshots(): void {
    if (this.#timer) return;
    let seq = 0;
    this.#timer = setInterval(() => {
      this.ticks++;
      const bytes = snapshot(seq++);
      for (const client of this.clients) {
        if (client.link.send(Channel.phys, bytes)) this.snapshotsSent++;
        else this.snapshotsRefused++;
      }
    }, 1_000 / HZ);
  }

  override onDispose(): void {
    clearInterval(this.#timer);
    if (SnapshotRoom.current === this) SnapshotRoom.current = undefined;
  }
}

/** CPU of this process: all threads (process.cpuUsage) and the main (JavaScript) thread alone. */
export interface CpuMark {
  at: number;
  usage: NodeJS.CpuUsage;
  mainTicks: number;
  elu: ReturnType<typeof nodePerformance.eventLoopUtilization>;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function mainThreadTicks(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line; here 12 and 13 (pid and comm removed).
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

export function cpuMark(): CpuMark {
  return {
    at: performance.now(),
    usage: process.cpuUsage(),
    mainTicks: mainThreadTicks(),
    elu: nodePerformance.eventLoopUtilization(),
  };
}

export interface CpuSpan {
  seconds: number;
  /** CPU milliseconds per wall second, all threads of the process. */
  cpuMsPerSecond: number;
  /** ...of the main thread (10 ms resolution). */
  mainMsPerSecond: number;
  /** The main thread's event-loop utilization over the span (0..1). */
  elu: number;
}

export function cpuSince(start: CpuMark): CpuSpan {
  const end = cpuMark();
  const seconds = (end.at - start.at) / 1_000;
  const usage = process.cpuUsage(start.usage);
  return {
    seconds,
    cpuMsPerSecond: (usage.user + usage.system) / 1_000 / seconds,
    mainMsPerSecond: (((end.mainTicks - start.mainTicks) / TICKS_PER_SECOND) * 1_000) / seconds,
    elu: nodePerformance.eventLoopUtilization(end.elu, start.elu).utilization,
  };
}

const NFT = existsSync('/usr/sbin/nft') ? '/usr/sbin/nft' : 'nft';
const LOSS_TABLE = 'vehikill_bench_server_link_loss';

/**
 * Drops `percent`% of inbound packets in the benchmark's own network namespace (INPUT hook, as
 * TESTING.md says): all UDP, or TCP to and from one port. Returns the undo.
 */
export function packetLoss(percent: number, match: { udp: true } | { tcpPort: number }): () => void {
  const nft = (...args: string[]) => execFileSync(NFT, args);
  const drop = ['numgen', 'random', 'mod', '100', '<', String(percent), 'drop'];
  nft('add', 'table', 'inet', LOSS_TABLE);
  try {
    nft('add', 'chain', 'inet', LOSS_TABLE, 'input', '{ type filter hook input priority 0; }');
    if ('udp' in match) {
      nft('add', 'rule', 'inet', LOSS_TABLE, 'input', 'meta', 'l4proto', 'udp', ...drop);
    } else {
      // Each packet matches one of the two (its other port is the client's), so 5% of each direction.
      const port = String(match.tcpPort);
      nft('add', 'rule', 'inet', LOSS_TABLE, 'input', 'tcp', 'dport', port, ...drop);
      nft('add', 'rule', 'inet', LOSS_TABLE, 'input', 'tcp', 'sport', port, ...drop);
    }
  } catch (error) {
    nft('delete', 'table', 'inet', LOSS_TABLE);
    throw error;
  }
  return () => nft('delete', 'table', 'inet', LOSS_TABLE);
}

export const isolated = process.env.VEHIKILL_NET_ISOLATED === '1';

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
