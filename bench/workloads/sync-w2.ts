/**
 * Sync W2: the arena trace (32 vehicles + projectiles, 60 Hz simulation), snapshots at 20, 30 and 60 Hz,
 * 5% of snapshots lost (seeded, per client), acks back after a 100 ms RTT, no byte budget. Bytes per
 * client per second: vehikill-net/sync deltas vs @colyseus/schema patches (float32 fields, and its
 * quantized fields), and deflate (fflate) of the streams as a measure of what redundancy is left. Ours as
 * rooms send them (`RoomSync`: shared bodies, with predicted motion, and a lost shared snapshot sent again
 * ahead of the next, its bytes counted) and, apart, with per-client encoders (no shared bodies, so no
 * predictor and nothing resent).
 */
import { deflateSync } from 'fflate';
import {
  decodeAck,
  EncodingCache,
  encodeAck,
  SharedSnapshots,
  SnapshotDecoder,
  SnapshotEncoder,
} from 'vehikill-net/sync';
import type { Row } from '../results.js';
import { type ArenaFrame, arenaTrace, SIM_HZ } from './sync/arena.js';
import { check, mulberry32 } from './sync/rng.js';
import { ColyseusWorld, checkOursDecoded, OursWorld, registry } from './sync/systems.js';

const SECONDS = 20;
/** Bytes count from here on (steady state; the joins' full states are reported apart). */
const WARMUP_TICKS = 2 * SIM_HZ;
const CLIENTS = 4;
const LOSS = 0.05;
const RTT_TICKS = Math.round(0.1 * SIM_HZ);

interface OursRun {
  bytesPerClientSecond: number;
  joinBytes: number;
  lost: number;
  sent: number;
  /** Snapshots sent with a lost one resent ahead of them. */
  resent: number;
  /** Client 0's snapshots in the measured window, for deflate. */
  stream: Uint8Array[];
  entitiesAvg: number;
}

function runOurs(trace: readonly ArenaFrame[], hz: number, sharing: boolean): OursRun {
  const every = SIM_HZ / hz;
  const world = new OursWorld();
  const cache = new EncodingCache();
  const shared = sharing ? new SharedSnapshots(registry, { cache }) : undefined;
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({
    encoder: new SnapshotEncoder(registry, shared === undefined ? { cache } : { shared, resend: true }),
    decoder: new SnapshotDecoder(registry, { resent: sharing }),
    loss: mulberry32(1000 + i),
    acks: [] as { at: number; bytes: Uint8Array }[],
  }));
  let measured = 0;
  let joinBytes = 0;
  let lost = 0;
  let sent = 0;
  let resent = 0;
  let entities = 0;
  let snapshots = 0;
  const stream: Uint8Array[] = [];
  for (const frame of trace) {
    world.apply(frame);
    for (const client of clients) {
      while (client.acks.length > 0 && client.acks[0]!.at <= frame.tick) {
        client.encoder.receiveAck(decodeAck(client.acks.shift()!.bytes));
      }
    }
    if (frame.tick % every !== 0) continue;
    const worldFrame = world.table.frame(frame.tick);
    for (const [i, client] of clients.entries()) {
      const snapshot = client.encoder.encode(worldFrame);
      check(snapshot.complete, 'ours: no budget, always complete');
      // A chain: the resent snapshot, its varuint length, then this one, in one message.
      const chainBytes =
        snapshot.resent === undefined ? 0 : snapshot.resent.length + varUintLength(snapshot.resent.length);
      if (frame.tick === 0) joinBytes += snapshot.bytes.length / CLIENTS;
      if (frame.tick >= WARMUP_TICKS) {
        measured += snapshot.bytes.length + chainBytes;
        sent++;
        if (snapshot.resent !== undefined) resent++;
        if (i === 0) stream.push(snapshot.bytes);
      }
      if (client.loss() < LOSS) {
        if (frame.tick >= WARMUP_TICKS) lost++;
        continue;
      }
      if (snapshot.resent !== undefined) {
        const late = client.decoder.decodeResent(snapshot.resent);
        check(late.kind !== 'resync', `ours: resent snapshot ${late.kind}`);
      }
      const outcome = client.decoder.decode(snapshot.bytes);
      check(outcome.kind === 'applied', `ours: snapshot ${snapshot.seq} ${outcome.kind}`);
      checkOursDecoded(client.decoder, worldFrame);
      client.acks.push({ at: frame.tick + RTT_TICKS, bytes: encodeAck(client.decoder.ack()) });
    }
    entities += worldFrame.entities.size;
    snapshots++;
  }
  const seconds = (trace.length - WARMUP_TICKS) / SIM_HZ;
  return {
    bytesPerClientSecond: measured / CLIENTS / seconds,
    joinBytes,
    lost,
    sent,
    resent,
    stream,
    entitiesAvg: entities / snapshots,
  };
}

interface ColyseusRun {
  bytesPerClientSecond: number;
  joinBytes: number;
  stream: Uint8Array[];
}

function runColyseus(
  trace: readonly ArenaFrame[],
  hz: number,
  variant: 'float32' | 'quantized',
): ColyseusRun {
  const every = SIM_HZ / hz;
  const world = new ColyseusWorld(variant);
  const decoder = world.newDecoder();
  let measured = 0;
  let joinBytes = 0;
  const stream: Uint8Array[] = [];
  for (const frame of trace) {
    world.apply(frame);
    if (frame.tick % every !== 0) continue;
    // tick 0: the client joins, gets the full state; later: every patch, once, over a reliable channel
    const bytes = (frame.tick === 0 ? world.encoder.encodeAll() : world.encoder.encode()).slice();
    world.encoder.discardChanges();
    if (frame.tick === 0) joinBytes = bytes.length;
    if (frame.tick >= WARMUP_TICKS) {
      measured += bytes.length;
      stream.push(bytes);
    }
    decoder.decode(bytes);
    world.checkDecoded(decoder);
  }
  const seconds = (trace.length - WARMUP_TICKS) / SIM_HZ;
  return { bytesPerClientSecond: measured / seconds, joinBytes, stream };
}

function varUintLength(value: number): number {
  return value < 128 ? 1 : value < 16_384 ? 2 : 3;
}

function perPacketDeflate(stream: readonly Uint8Array[], seconds: number): number {
  return stream.reduce((sum, bytes) => sum + deflateSync(bytes, { level: 9 }).length, 0) / seconds;
}

function wholeStreamDeflate(stream: readonly Uint8Array[], seconds: number): number {
  const total = stream.reduce((sum, bytes) => sum + bytes.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const bytes of stream) {
    joined.set(bytes, offset);
    offset += bytes.length;
  }
  return deflateSync(joined, { level: 9 }).length / seconds;
}

export function benchSyncW2(): Row[] {
  const trace = arenaTrace(SECONDS, 7);
  const seconds = (trace.length - WARMUP_TICKS) / SIM_HZ;
  const rows: Row[] = [];
  const round = (v: number) => Math.round(v);
  const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
  for (const hz of [20, 30, 60]) {
    const workload = `sync W2 arena @${hz} Hz`;
    const ours = runOurs(trace, hz, true);
    const perClient = runOurs(trace, hz, false);
    const f32 = runColyseus(trace, hz, 'float32');
    const q16 = runColyseus(trace, hz, 'quantized');
    const add = (system: string, metric: string, value: number, unit: string) =>
      rows.push({ workload, system, metric, value, unit });
    add(
      'vehikill-net',
      'bytes/s per client (5% loss, acks at 100 ms RTT)',
      round(ours.bytesPerClientSecond),
      'B/s',
    );
    add(
      'vehikill-net per-client encoders',
      'bytes/s per client (5% loss, acks at 100 ms RTT)',
      round(perClient.bytesPerClientSecond),
      'B/s',
    );
    add(
      '@colyseus/schema float32',
      'bytes/s per client (every patch)',
      round(f32.bytesPerClientSecond),
      'B/s',
    );
    add(
      '@colyseus/schema quantized',
      'bytes/s per client (every patch)',
      round(q16.bytesPerClientSecond),
      'B/s',
    );
    add(
      'ours / colyseus float32',
      'bytes ratio',
      ratio(ours.bytesPerClientSecond, f32.bytesPerClientSecond),
      'x',
    );
    add(
      'ours / colyseus quantized',
      'bytes ratio',
      ratio(ours.bytesPerClientSecond, q16.bytesPerClientSecond),
      'x',
    );
    add(
      'deflate(colyseus quantized)',
      'per patch, level 9',
      round(perPacketDeflate(q16.stream, seconds)),
      'B/s',
    );
    add(
      'deflate(colyseus quantized)',
      'whole stream, level 9',
      round(wholeStreamDeflate(q16.stream, seconds)),
      'B/s',
    );
    add(
      'deflate(vehikill-net)',
      'per snapshot, level 9',
      round(perPacketDeflate(ours.stream, seconds)),
      'B/s',
    );
    add('vehikill-net', 'join: first (full) snapshot', round(ours.joinBytes), 'bytes');
    add('@colyseus/schema float32', 'join: encodeAll', f32.joinBytes, 'bytes');
    add('@colyseus/schema quantized', 'join: encodeAll', q16.joinBytes, 'bytes');
    add('vehikill-net', 'snapshots resent / sent', round((ours.resent / ours.sent) * 1000) / 1000, 'ratio');
    add('vehikill-net', 'snapshots lost / sent', round((ours.lost / ours.sent) * 1000) / 1000, 'ratio');
    add('trace', 'entities per snapshot (avg)', round(ours.entitiesAvg), 'entities');
  }
  return rows;
}
