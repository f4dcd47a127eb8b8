/**
 * The server's side of the sync CPU rounds and nothing else, for counting instructions:
 *
 *   node dist/bench/workloads/instruction-count.js --repo . \
 *     dist/bench/workloads/sync/server-only.js <ours|float32|quantized> <hz> {n}
 *
 * runs `{n}` rounds of the W2 arena, each only what sync-cpu.ts times: the state writes, and for ours the
 * acks taken in, the frame and every client's encode; for @colyseus/schema the encode and
 * `discardChanges`. It prints each round's CPU time per snapshot tick (the whole process's, the
 * collector's threads too): in sync-cpu.ts's rounds of ours, the simulated clients' garbage (an ack's
 * bytes and objects per client per snapshot) is collected in whatever code runs next, the timed encodes
 * among it. Its instructions per round, ours over Colyseus's, are the sync CPU goal's ratio in a
 * measure that holds still (runs of one build agree within about 0.3 %, where timed ratios move by a
 * third between runs here), though instructions are not time: a cache miss or the collector's work counts
 * as its instructions only.
 *
 * The clients are not simulated here: solo.ts's rounds compute each client's acks from what it received
 * (lost snapshots, resent ones), which is per round about as much work as the server's. Every round
 * replays the same trace into fresh systems, which are deterministic, so the acks are the same in every
 * round: recorded once, from a whole round of sync-cpu.ts's, and given to each encoder in the same order
 * between the same snapshots.
 */
import {
  decodeAck,
  type EncodedSnapshot,
  EncodingCache,
  encodeAck,
  SharedSnapshots,
  SnapshotEncoder,
} from 'vehikill-net/sync';
import { oursRound } from '../sync-cpu.js';
import { type ArenaFrame, arenaTrace, SIM_HZ } from './arena.js';
import { ColyseusWorld, OursWorld, registry } from './systems.js';

/**
 * Per snapshot tick (by its order), the acks each client's encoder took after that tick's encodes, as the
 * bytes a client sends (decoded in the round, as a server decodes them).
 */
type RecordedAcks = { client: number; ack: Uint8Array }[][];

interface Recording {
  acks: RecordedAcks;
  clients: number;
  /** Bytes of every snapshot sent (and resent): a replay must send the same. */
  bytes: number;
}

/**
 * The acks of one whole round, recorded by wrapping the encoder's methods for its length: `encode` runs
 * for the clients in order once per snapshot tick (which numbers the clients and the ticks), and each
 * `receiveAck` lands after the encodes of the ticks before it.
 */
function recordAcks(trace: readonly ArenaFrame[], hz: number): Recording {
  const prototype = SnapshotEncoder.prototype;
  const { encode, receiveAck } = prototype;
  const clients = new Map<SnapshotEncoder, number>();
  const recorded: RecordedAcks = [];
  let encodes = 0;
  let bytes = 0;
  prototype.encode = function (this: SnapshotEncoder, ...args) {
    if (!clients.has(this)) clients.set(this, clients.size);
    if (clients.get(this) === 0) recorded.push([]);
    encodes++;
    const snapshot = encode.apply(this, args);
    bytes += sentBytes(snapshot);
    return snapshot;
  };
  prototype.receiveAck = function (this: SnapshotEncoder, ack) {
    const client = clients.get(this);
    if (client === undefined) throw new Error('an ack before the first snapshot');
    recorded[recorded.length - 1]?.push({ client, ack: encodeAck(ack) });
    return receiveAck.call(this, ack);
  };
  try {
    oursRound(trace, hz);
  } finally {
    prototype.encode = encode;
    prototype.receiveAck = receiveAck;
  }
  if (encodes !== recorded.length * clients.size) throw new Error('clients encoded out of turn');
  return { acks: recorded, clients: clients.size, bytes };
}

function sentBytes(snapshot: EncodedSnapshot): number {
  return snapshot.bytes.length + (snapshot.resent?.length ?? 0);
}

/** A round of ours as sync-cpu.ts's `oursRound` times it, the acks replayed; returns its bytes sent. */
function oursServerRound(
  trace: readonly ArenaFrame[],
  hz: number,
  acks: RecordedAcks,
  clients: number,
): number {
  const every = SIM_HZ / hz;
  const world = new OursWorld();
  const cache = new EncodingCache();
  const shared = new SharedSnapshots(registry, { cache });
  const encoders = Array.from(
    { length: clients },
    () => new SnapshotEncoder(registry, { cache, shared, resend: true }),
  );
  let ticks = 0;
  let bytes = 0;
  for (const frame of trace) {
    world.apply(frame);
    if (frame.tick % every !== 0) continue;
    for (const { client, ack } of acks[ticks - 1] ?? []) encoders[client]?.receiveAck(decodeAck(ack));
    const worldFrame = world.table.frame(frame.tick);
    for (const encoder of encoders) bytes += sentBytes(encoder.encode(worldFrame));
    ticks++;
  }
  return bytes;
}

/** A round of @colyseus/schema as sync-cpu.ts's `colyseusRound` times it; returns its bytes sent. */
function colyseusServerRound(
  trace: readonly ArenaFrame[],
  hz: number,
  variant: 'float32' | 'quantized',
): number {
  const every = SIM_HZ / hz;
  const world = new ColyseusWorld(variant);
  let bytes = 0;
  for (const frame of trace) {
    world.apply(frame);
    if (frame.tick % every !== 0) continue;
    bytes += (frame.tick === 0 ? world.encoder.encodeAll() : world.encoder.encode()).length;
    world.encoder.discardChanges();
  }
  return bytes;
}

/** Rounds run first, uncounted by the tool's difference: the code is compiled for the trace. */
const WARM_ROUNDS = 10;

const [system, hzText, roundsText] = process.argv.slice(2);
const hz = Number(hzText);
const rounds = Number(roundsText);
if (!['ours', 'float32', 'quantized'].includes(system ?? '') || !(hz > 0) || !(rounds > 0)) {
  throw new Error('usage: server-only.js <ours|float32|quantized> <hz> <rounds>');
}
const trace = arenaTrace(5, 7);
let round: () => number;
if (system === 'ours') {
  const recording = recordAcks(trace, hz);
  round = () => oursServerRound(trace, hz, recording.acks, recording.clients);
  const replayed = round();
  if (replayed !== recording.bytes) {
    throw new Error(`a replayed round sent ${replayed} bytes, the recorded one ${recording.bytes}`);
  }
} else {
  round = () => colyseusServerRound(trace, hz, system as 'float32' | 'quantized');
}
let bytes = 0;
for (let warm = 0; warm < WARM_ROUNDS; warm++) round();
// CPU time of the whole process (every thread: the collector's helpers too) per snapshot tick, per round.
const snapshotTicks = trace.filter((frame) => frame.tick % (SIM_HZ / hz) === 0).length;
const cpuUs: number[] = [];
for (let counted = 0; counted < rounds; counted++) {
  const before = process.cpuUsage();
  bytes = round();
  const used = process.cpuUsage(before);
  cpuUs.push((used.user + used.system) / snapshotTicks);
}
console.log(JSON.stringify({ system, hz, rounds, bytesPerRound: bytes, cpuUsPerSnapshotTick: cpuUs }));
