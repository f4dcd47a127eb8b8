import { execFileSync } from 'node:child_process';
import { RTCPeerConnection } from 'node-datachannel/polyfill';
import { Channel, Client, type MeshOptions, type PeerMesh } from 'vehikill-net/client';
import { GameServer, Room } from 'vehikill-net/server';
import { WebSocket } from 'ws';
import { percentile, type Row } from '../results.js';

class BenchRoom extends Room {}

const SAMPLE_HZ = 30;
const SECONDS = 8;
const isolated = process.env.VEHIKILL_NET_ISOLATED === '1';

/**
 * `burst`: the receiver admits the burst's 1,920 dispatch messages a second (eight times the default
 * 240): the case is about the association busy with reliable data, and a peer sending five times what its
 * receiver admits is held to the relay as a flood (`floodPenaltyMs`).
 */
function meshOptions(direct: boolean, burst: boolean): MeshOptions {
  return direct
    ? {
        rtc: {
          RTCPeerConnection,
          extraConfiguration: { bindAddress: '127.0.0.1' },
        },
        directTimeoutMs: 10_000,
        ...(burst ? { peerMessagesPerSecond: 4_000 } : {}),
      }
    : { rtc: false };
}

/**
 * Drops `percent`% of inbound packets in this benchmark-only network namespace: UDP only (the direct
 * path) or every packet (so the relay's TCP suffers the same loss and shows its head-of-line blocking).
 */
function packetLoss(percent: number, which: 'udp' | 'all'): () => void {
  const table = 'vehikill_bench_loss';
  const match = which === 'udp' ? ['meta', 'l4proto', 'udp'] : [];
  execFileSync('nft', ['add', 'table', 'inet', table]);
  execFileSync('nft', ['add', 'chain', 'inet', table, 'input', '{ type filter hook input priority 0; }']);
  execFileSync('nft', [
    'add',
    'rule',
    'inet',
    table,
    'input',
    ...match,
    'numgen',
    'random',
    'mod',
    '100',
    '<',
    String(percent),
    'drop',
  ]);
  return () => execFileSync('nft', ['delete', 'table', 'inet', table]);
}

async function pair(
  wsUrl: string,
  direct: boolean,
  burst: boolean,
): Promise<{ a: PeerMesh; b: PeerMesh; bId: string; close(): void }> {
  const make = () => new Client({ url: wsUrl, WebSocket });
  const [alice, bob] = [make(), make()];
  await Promise.all([alice.connect(), bob.connect()]);
  const roomA = await alice.create('bench');
  const roomB = await bob.join(roomA.roomId);
  while (roomA.members.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const a = roomA.mesh(meshOptions(direct, burst));
  const b = roomB.mesh(meshOptions(direct, burst));
  const want = direct ? 'direct' : 'relayed';
  while (a.link(bob.playerId!)?.state !== want || b.link(alice.playerId!)?.state !== want) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const close = () => {
    alice.close();
    bob.close();
  };
  return { a, b, bId: bob.playerId!, close };
}

/** One-way phys latency (same process, same clock) for samples at 30 Hz; optionally with a dispatch burst. */
async function measure(mesh: { a: PeerMesh; b: PeerMesh; bId: string }, burst: boolean): Promise<number[]> {
  const latencies: number[] = [];
  const sentAt = new Map<number, number>();
  const dispose = mesh.b.on('message', ({ channel, bytes }) => {
    if (channel !== Channel.phys) return;
    const id = new DataView(bytes.buffer, bytes.byteOffset, bytes.length).getUint32(0);
    const at = sentAt.get(id);
    if (at !== undefined) latencies.push(performance.now() - at);
  });
  const total = SAMPLE_HZ * SECONDS;
  for (let id = 0; id < total; id++) {
    const sample = new Uint8Array(64);
    new DataView(sample.buffer).setUint32(0, id);
    sentAt.set(id, performance.now());
    mesh.a.send(mesh.bId, Channel.phys, sample);
    // 64 KiB of dispatch every sample period: the same SCTP association is busy with reliable data.
    if (burst) for (let i = 0; i < 64; i++) mesh.a.send(mesh.bId, Channel.dispatch, new Uint8Array(1_024));
    await new Promise((resolve) => setTimeout(resolve, 1000 / SAMPLE_HZ));
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  dispose();
  return latencies.sort((x, y) => x - y);
}

export async function benchPeerLatency(): Promise<Row[]> {
  const server = new GameServer({ rateBurst: 100_000, ratePerSecond: 100_000 }).define('bench', BenchRoom);
  const { wsUrl } = await server.listen(0);
  const rows: Row[] = [];
  const workload = `peer phys one-way latency, Node peers (node-datachannel), loopback, ${SAMPLE_HZ} Hz x ${SECONDS} s`;
  const record = (system: string, samples: number[]) => {
    const sent = SAMPLE_HZ * SECONDS;
    rows.push({ workload, system, metric: 'p50', value: percentile(samples, 50), unit: 'ms' });
    rows.push({ workload, system, metric: 'p99', value: percentile(samples, 99), unit: 'ms' });
    rows.push({
      workload,
      system,
      metric: 'samples delivered',
      value: Math.round((samples.length / sent) * 1000) / 10,
      unit: '%',
    });
  };
  const cases: Array<[string, boolean, number, boolean]> = [
    ['direct', true, 0, false],
    ['relayed through the server (20 Hz newest-only)', false, 0, false],
    ['direct, during a dispatch burst', true, 0, true],
  ];
  if (isolated) {
    // Loss needs the benchmark's own network namespace (npm run bench makes one when it can).
    cases.push(
      ['direct, 5% packet loss (UDP)', true, 5, false],
      ['relayed, 5% packet loss (TCP)', false, 5, false],
    );
  }
  for (const [system, direct, loss, burst] of cases) {
    const mesh = await pair(wsUrl, direct, burst);
    const restore = loss > 0 ? packetLoss(loss, direct ? 'udp' : 'all') : undefined;
    try {
      record(system, await measure(mesh, burst));
    } finally {
      restore?.();
      mesh.close();
    }
  }
  await server.close({ drainMs: 0 });
  return rows;
}
