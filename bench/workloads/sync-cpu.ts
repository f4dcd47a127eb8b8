/**
 * Sync CPU: server time spent on state sync per snapshot tick for the W2 arena trace with 32 clients
 * (vehikill-net: one delta snapshot each, clients in step at the same frame sharing one encoded body
 * (SharedSnapshots) and one EncodingCache; @colyseus/schema: one
 * encode for all clients + discardChanges), and client decode time per snapshot. Medians of rounds, each
 * round replaying the whole trace into fresh systems after one untimed warm-up round. `SYNC_CPU_CLIENTS`
 * changes the client count (see `CLIENTS`).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Decoder } from '@colyseus/schema';
import {
  decodeAck,
  EncodingCache,
  encodeAck,
  SharedSnapshots,
  type SnapshotAck,
  SnapshotDecoder,
  SnapshotEncoder,
} from 'vehikill-net/sync';
import type { Row } from '../results.js';
import { coreSpeedRows, coreSpeeds, pinProcess } from './core-speed.js';
import { type ArenaFrame, arenaTrace, SIM_HZ } from './sync/arena.js';
import { check, median, mulberry32 } from './sync/rng.js';
import { type ColyseusVariant, ColyseusWorld, OursWorld, registry } from './sync/systems.js';

const SECONDS = 5;
/**
 * Clients in the room: 32, as the issue measures. `SYNC_CPU_CLIENTS=1` (or any count up to 256) splits our
 * cost into what a tick costs per world (one client) and what each further client adds; Colyseus's rounds
 * encode once for all clients, so their cost does not depend on it.
 */
const CLIENTS = clientCount(process.env.SYNC_CPU_CLIENTS);
const LOSS = 0.05;
const RTT_TICKS = Math.round(0.1 * SIM_HZ);

function clientCount(text: string | undefined): number {
  if (text === undefined) return 32;
  const count = Number(text);
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new RangeError(`SYNC_CPU_CLIENTS must be an integer in 1..256, got ${text}`);
  }
  return count;
}

export interface ServerRound {
  /** Mean µs per snapshot tick spent encoding (ours: frame() + 32 encodes + acks taken in). */
  encodeUs: number;
  /** Mean µs per snapshot tick spent writing state (ours: EntityTable updates; colyseus: setters). */
  writeUs: number;
  /** What one client received, in order, for the decode timing. */
  received: Uint8Array[];
}

export interface OursRound extends ServerRound {
  hitRate: number;
  /** Shared bodies encoded per snapshot tick (1 when every client is in step at the same frame). */
  bodiesPerTick: number;
  /** Mean bytes of one client's snapshot (with a snapshot resent ahead of it and its length, if any). */
  bytesPerSnapshot: number;
  /** Per snapshot of `received`, the snapshot resent ahead of it in the same message, if any. */
  resent: (Uint8Array | undefined)[];
  /** Per snapshot of `received`, the ack the round computed for it (see `checkOursRound`). */
  acks: SnapshotAck[];
}

/** Snapshot ticks per entry of a round's `windows` (5 s at 20 Hz). */
export const WINDOW_TICKS = 100;

/**
 * Adds the mean writes + encode µs per snapshot tick of each WINDOW_TICKS ticks to `windows`, when given:
 * a long round is one long-running room, and its windows show the cost once the room is old.
 */
function windowTimer(windows: number[] | undefined): (ticks: number, totalMs: number) => void {
  let markedMs = 0;
  return (ticks, totalMs) => {
    if (windows === undefined || ticks % WINDOW_TICKS !== 0) return;
    windows.push(((totalMs - markedMs) * 1000) / WINDOW_TICKS);
    markedMs = totalMs;
  };
}

/**
 * Where a round's encode time goes, summed in ms over its ticks (`oursRound` adds to it when given one; see
 * sync/stages.ts): the acks taken in, the frame taken from the table (its entities quantized), the first
 * client's encode (which builds the shared body) and the other clients' encodes.
 */
export interface RoundStages {
  acks: number;
  frame: number;
  firstEncode: number;
  otherEncodes: number;
}

export function oursRound(
  trace: Iterable<ArenaFrame>,
  hz: number,
  sharing = true,
  lossRate = LOSS,
  windows?: number[],
  stages?: RoundStages,
): OursRound {
  const timeWindow = windowTimer(windows);
  const every = SIM_HZ / hz;
  const world = new OursWorld();
  const cache = new EncodingCache();
  const shared = new SharedSnapshots(registry, { cache });
  const clients = Array.from({ length: CLIENTS }, (_, i) => ({
    // Sharing, a client that lost a snapshot is sent it again ahead of the body built against its frame.
    encoder: new SnapshotEncoder(registry, sharing ? { cache, shared, resend: true } : { cache }),
    loss: mulberry32(2000 + i),
    acks: [] as { at: number; bytes: Uint8Array }[],
    newest: undefined as number | undefined,
    previous: 0,
  }));
  const received: Uint8Array[] = [];
  const receivedResent: (Uint8Array | undefined)[] = [];
  const computedAcks: SnapshotAck[] = [];
  const snapshots = new Array<Uint8Array>(CLIENTS);
  const resents = new Array<Uint8Array | undefined>(CLIENTS);
  let encodeMs = 0;
  let writeMs = 0;
  let ticks = 0;
  let bytes = 0;
  for (const frame of trace) {
    let started = performance.now();
    world.apply(frame);
    writeMs += performance.now() - started;
    started = performance.now();
    for (const client of clients) {
      while (client.acks.length > 0 && client.acks[0]!.at <= frame.tick) {
        client.encoder.receiveAck(decodeAck(client.acks.shift()!.bytes));
      }
    }
    if (frame.tick % every !== 0) {
      const acked = performance.now();
      encodeMs += acked - started;
      if (stages !== undefined) stages.acks += acked - started;
      continue;
    }
    // Marks between the stages only when asked for.
    const acked = stages === undefined ? 0 : performance.now();
    const worldFrame = world.table.frame(frame.tick);
    const framed = stages === undefined ? 0 : performance.now();
    let firstEncoded = framed;
    for (let i = 0; i < CLIENTS; i++) {
      const snapshot = clients[i]!.encoder.encode(worldFrame);
      snapshots[i] = snapshot.bytes;
      resents[i] = snapshot.resent;
      if (i === 0 && stages !== undefined) firstEncoded = performance.now();
    }
    const encoded = performance.now();
    encodeMs += encoded - started;
    if (stages !== undefined) {
      stages.acks += acked - started;
      stages.frame += framed - acked;
      stages.firstEncode += firstEncoded - framed;
      stages.otherEncodes += encoded - firstEncoded;
    }
    ticks++;
    timeWindow(ticks, encodeMs + writeMs);
    for (const snapshot of snapshots) bytes += snapshot.length;
    // A chain's resent snapshot, and its varuint length.
    for (const resent of resents)
      if (resent !== undefined) bytes += resent.length + (resent.length < 128 ? 1 : 2);
    // the clients (not timed). Every ack is computed from which snapshots the client received (every
    // one received applies: W2 checks that); client 0's stream is decoded, and each of its computed acks
    // checked against its decoder's, once every round was timed (`checkOursRound`). No decoder runs
    // among the rounds: what it keeps (copies of each entity 64 snapshots back) was promoted by the
    // collector's young-generation passes, which then landed in the encodes' timing (Colyseus's rounds
    // decode nothing either).
    clients.forEach((client, i) => {
      if (client.loss() < lossRate) return;
      const bytes = snapshots[i]!;
      const resent = resents[i];
      const seq = ticks - 1;
      const take = (at: number) => {
        if (client.newest !== undefined && at <= client.newest) {
          // A resent snapshot older than the newest: filled in late, its bit set if it was missing.
          const back = client.newest - at;
          if (back >= 1 && back <= 32 && Math.floor(client.previous / 2 ** (back - 1)) % 2 === 0) {
            client.previous += 2 ** (back - 1);
          }
          return;
        }
        if (client.newest !== undefined) {
          const shift = at - client.newest;
          client.previous =
            shift > 32 ? 0 : (client.previous % 2 ** (32 - shift)) * 2 ** shift + 2 ** (shift - 1);
        }
        client.newest = at;
      };
      // Seqs count from 0 here and stay below 65,536: a resent snapshot's is its first two bytes.
      if (resent !== undefined) take((resent[0] as number) | ((resent[1] as number) << 8));
      take(seq);
      const ack = { newest: seq, previous: client.previous, resync: false };
      if (i === 0) {
        // A copy: the snapshot is a view into a 16 KiB chunk shared with other messages (see ByteSlab), and
        // keeping a round's views kept a round's chunks alive, which a server that sent and dropped them
        // would not (their collection was timed in the encodes: ~40 µs a tick, measured with and without).
        received.push(bytes.slice());
        receivedResent.push(resent?.slice());
        computedAcks.push(ack);
      }
      client.acks.push({ at: frame.tick + RTT_TICKS, bytes: encodeAck(ack) });
    });
  }
  const { hits, misses } = cache.stats;
  return {
    encodeUs: (encodeMs * 1000) / ticks,
    writeUs: (writeMs * 1000) / ticks,
    received,
    hitRate: hits / (hits + misses),
    bodiesPerTick: shared.stats.bodies / ticks,
    bytesPerSnapshot: bytes / (ticks * CLIENTS),
    resent: receivedResent,
    acks: computedAcks,
  };
}

/**
 * Decodes client 0's stream of a round in order: every snapshot applies, and acks as the round computed.
 * Run after the timed rounds, not among them (see the comment in `oursRound`).
 */
export function checkOursRound(round: OursRound): void {
  checkAcks(new SnapshotDecoder(registry, { resent: true }), round.received, round.resent, round.acks);
}

/** Decodes one client's stream in order: every snapshot applies, and acks as the round computed. */
function checkAcks(
  decoder: SnapshotDecoder,
  stream: readonly Uint8Array[],
  resent: readonly (Uint8Array | undefined)[],
  acks: readonly SnapshotAck[],
): void {
  stream.forEach((bytes, index) => {
    const first = resent[index];
    if (first !== undefined) check(decoder.decodeResent(first).kind !== 'resync', 'ours: resent taken');
    check(decoder.decode(bytes).kind === 'applied', 'ours: applied');
    const real = decoder.ack();
    const ack = acks[index]!;
    check(real.newest === ack.newest && real.previous === ack.previous && !real.resync, 'ours: computed ack');
  });
}

export function colyseusRound(
  trace: Iterable<ArenaFrame>,
  hz: number,
  variant: ColyseusVariant,
  windows?: number[],
): ServerRound {
  const timeWindow = windowTimer(windows);
  const every = SIM_HZ / hz;
  const world = new ColyseusWorld(variant);
  const received: Uint8Array[] = [];
  let encodeMs = 0;
  let writeMs = 0;
  let ticks = 0;
  for (const frame of trace) {
    let started = performance.now();
    world.apply(frame);
    writeMs += performance.now() - started;
    if (frame.tick % every !== 0) continue;
    started = performance.now();
    // one encode serves every client (no StateView); the transport sends the same bytes to all 32
    const bytes = frame.tick === 0 ? world.encoder.encodeAll() : world.encoder.encode();
    world.encoder.discardChanges();
    encodeMs += performance.now() - started;
    ticks++;
    timeWindow(ticks, encodeMs + writeMs);
    received.push(bytes.slice()); // not timed: a view into its shared buffer
  }
  return { encodeUs: (encodeMs * 1000) / ticks, writeUs: (writeMs * 1000) / ticks, received };
}

/** Each round's writes + encode, ours over theirs of the same round. */
function pairedRatios(ours: readonly ServerRound[], theirs: readonly ServerRound[]): number[] {
  return ours.map((round, index) => {
    const other = theirs[index] as ServerRound;
    return (round.encodeUs + round.writeUs) / (other.encodeUs + other.writeUs);
  });
}

/** Mean µs per snapshot decoded, the first (full) one left out of the timing. */
export function oursDecodeUs(
  stream: readonly Uint8Array[],
  resent: readonly (Uint8Array | undefined)[],
): number {
  const decoder = new SnapshotDecoder(registry, { resent: true });
  decoder.decode(stream[0]!);
  const started = performance.now();
  for (let i = 1; i < stream.length; i++) {
    const first = resent[i];
    if (first !== undefined) decoder.decodeResent(first);
    decoder.decode(stream[i]!);
  }
  return ((performance.now() - started) * 1000) / (stream.length - 1);
}

export function colyseusDecodeUs(stream: readonly Uint8Array[], variant: ColyseusVariant): number {
  const decoder: Decoder = new ColyseusWorld(variant).newDecoder();
  decoder.decode(stream[0]!);
  const started = performance.now();
  for (let i = 1; i < stream.length; i++) decoder.decode(stream[i]!);
  return ((performance.now() - started) * 1000) / (stream.length - 1);
}

export function benchSyncCpu(): Row[] {
  // Every system on one core, the faster one at the start, with the processes it starts (see core-speed.ts):
  // left to the scheduler, a round or a process ran on whichever core, and the cores' speeds differ.
  const speedWorkload = `sync CPU arena, ${CLIENTS} clients: the cores`;
  const speeds = coreSpeeds();
  const rows = coreSpeedRows(speedWorkload, 'before', speeds);
  if (speeds.length === 0) {
    console.warn('sync CPU: no taskset here, so the systems are not pinned to one core (see core-speed.ts)');
    return [...rows, ...syncCpuRows(undefined)];
  }
  const fastest = speeds.reduce((best, speed) => (speed.ms < best.ms ? speed : best));
  const unpin = pinProcess(fastest.core);
  try {
    rows.push(...syncCpuRows(fastest.core));
  } finally {
    unpin();
  }
  rows.push(...coreSpeedRows(speedWorkload, 'after'));
  return rows;
}

/** The workload's rows, this process pinned to `core` (undefined: not pinned). */
function syncCpuRows(core: number | undefined): Row[] {
  const trace = arenaTrace(SECONDS, 7);
  const rows: Row[] = [];
  if (core !== undefined) {
    rows.push({
      workload: `sync CPU arena, ${CLIENTS} clients: the cores`,
      system: 'every system',
      metric: 'ran pinned to core',
      value: core,
      unit: 'core',
    });
  }
  const us = (v: number) => Math.round(v * 100) / 100;
  // Rounds alternate the three systems; this machine's speed wanders by tens of percent from one
  // second to the next, so the medians need more rounds than the spread within a quiet second suggests.
  for (const [hz, rounds] of [
    [20, 15],
    [60, 9],
  ] as const) {
    const workload = `sync CPU arena @${hz} Hz, ${CLIENTS} clients`;
    const add = (system: string, metric: string, value: number, unit = 'µs') =>
      rows.push({ workload, system, metric, value, unit });
    checkOursRound(oursRound(trace, hz)); // warm-up
    colyseusRound(trace, hz, 'float32');
    colyseusRound(trace, hz, 'quantized');
    const ours: OursRound[] = [];
    const f32: ServerRound[] = [];
    const q16: ServerRound[] = [];
    for (let r = 0; r < rounds; r++) {
      ours.push(oursRound(trace, hz));
      f32.push(colyseusRound(trace, hz, 'float32'));
      q16.push(colyseusRound(trace, hz, 'quantized'));
    }
    for (const round of ours) checkOursRound(round);
    const m = (list: readonly ServerRound[], key: 'encodeUs' | 'writeUs') => median(list.map((x) => x[key]));
    add('vehikill-net', `server encode per snapshot tick (${CLIENTS} clients)`, us(m(ours, 'encodeUs')));
    add('@colyseus/schema float32', 'server encode per snapshot tick (all clients)', us(m(f32, 'encodeUs')));
    add(
      '@colyseus/schema quantized',
      'server encode per snapshot tick (all clients)',
      us(m(q16, 'encodeUs')),
    );
    add('vehikill-net', 'state writes per snapshot interval', us(m(ours, 'writeUs')));
    add('@colyseus/schema float32', 'state writes (setters) per snapshot interval', us(m(f32, 'writeUs')));
    add('@colyseus/schema quantized', 'state writes (setters) per snapshot interval', us(m(q16, 'writeUs')));
    const total = (list: readonly ServerRound[]) => median(list.map((x) => x.encodeUs + x.writeUs));
    add('ours / colyseus float32', 'server encode ratio', us(m(ours, 'encodeUs') / m(f32, 'encodeUs')), 'x');
    add(
      'ours / colyseus quantized',
      'server encode ratio',
      us(m(ours, 'encodeUs') / m(q16, 'encodeUs')),
      'x',
    );
    add('ours / colyseus float32', 'server writes+encode ratio', us(total(ours) / total(f32)), 'x');
    add('ours / colyseus quantized', 'server writes+encode ratio', us(total(ours) / total(q16)), 'x');
    // The same ratio round by round: the systems of one round run seconds apart, so a slow stretch of
    // the machine weighs on both sides of a round's ratio, where it shifts only one side's median.
    const paired = pairedRatios(ours, f32);
    add('ours / colyseus float32', 'server writes+encode ratio, median of rounds', us(median(paired)), 'x');
    add('ours / colyseus float32', 'server writes+encode ratio, lowest round', us(Math.min(...paired)), 'x');
    add('ours / colyseus float32', 'server writes+encode ratio, highest round', us(Math.max(...paired)), 'x');
    add('vehikill-net', 'EncodingCache hit rate', us(median(ours.map((x) => x.hitRate))), 'ratio');
    add(
      'vehikill-net',
      'shared bodies encoded per snapshot tick',
      us(median(ours.map((x) => x.bodiesPerTick))),
      'count',
    );
    add('vehikill-net', 'bytes per client snapshot', us(median(ours.map((x) => x.bytesPerSnapshot))), 'B');
    // The same trace with per-client encoders only, untimed: sharing must not cost bytes.
    const perClient = oursRound(trace, hz, false);
    checkOursRound(perClient);
    add('vehikill-net per-client', 'bytes per client snapshot', us(perClient.bytesPerSnapshot), 'B');
    // client decode: the streams from the first measured round, replayed 3x rounds times after as many
    // untimed replays of each (the decoders' code is compiled for the stream first, as in a client that
    // has been playing a while: measured cold, the median wandered by half from run to run)
    const decodeRounds = rounds * 3;
    for (let warm = 0; warm < decodeRounds; warm++) {
      oursDecodeUs(ours[0]!.received, ours[0]!.resent);
      colyseusDecodeUs(f32[0]!.received, 'float32');
      colyseusDecodeUs(q16[0]!.received, 'quantized');
    }
    const oursDecode = Array.from({ length: decodeRounds }, () =>
      oursDecodeUs(ours[0]!.received, ours[0]!.resent),
    );
    const f32Decode = Array.from({ length: decodeRounds }, () =>
      colyseusDecodeUs(f32[0]!.received, 'float32'),
    );
    const q16Decode = Array.from({ length: decodeRounds }, () =>
      colyseusDecodeUs(q16[0]!.received, 'quantized'),
    );
    add('vehikill-net', 'client decode per snapshot', us(median(oursDecode)));
    add('@colyseus/schema float32', 'client decode per patch', us(median(f32Decode)));
    add('@colyseus/schema quantized', 'client decode per patch', us(median(q16Decode)));
    add('ours / colyseus float32', 'client decode ratio', us(median(oursDecode) / median(f32Decode)), 'x');
    add('ours / colyseus quantized', 'client decode ratio', us(median(oursDecode) / median(q16Decode)), 'x');
    addDecodeAloneRows(hz, add);
    if (hz === 20) addAloneRows(hz, add);
  }
  return rows;
}

/** Processes per system for the checks run alone, in turn (ours, Colyseus, ours, ...). */
const ALONE_PROCESSES = 3;
/** Rounds per solo.ts process, and the seconds each steady.ts room runs. */
const SOLO_ROUNDS = 15;
const STEADY_SECONDS = 60;
/** decode-solo.ts processes per system, and the timed passes over one stream in each. */
const DECODE_PROCESSES = 5;
const DECODE_PASSES = 30;

type AddRow = (system: string, metric: string, value: number, unit?: string) => void;

/** Runs `script` (in ./sync) alone in a process for one system: its `us` list. */
function runAlone(script: string, system: string, hz: number, count: number): number[] {
  const path = fileURLToPath(new URL(`./sync/${script}`, import.meta.url));
  const output = execFileSync(process.execPath, [path, system, String(hz), String(count)], {
    encoding: 'utf8',
  });
  return (JSON.parse(output) as { us: number[] }).us;
}

const rounded = (value: number) => Math.round(value * 100) / 100;

/**
 * The writes + encode of ours and of Colyseus float32, each alone in its own process: the rounds above run
 * the systems in one process, where one's garbage may be collected in another's timing. solo.ts times
 * fresh 5 s rounds; steady.ts one room running STEADY_SECONDS, by 5 s windows after the first.
 */
function addAloneRows(hz: number, add: AddRow) {
  const addBoth = (script: string, count: number, metric: string, ratioMetric: string) => {
    const ours: number[] = [];
    const f32: number[] = [];
    for (let p = 0; p < ALONE_PROCESSES; p++) {
      ours.push(...runAlone(script, 'ours', hz, count));
      f32.push(...runAlone(script, 'float32', hz, count));
    }
    add('vehikill-net', metric, rounded(median(ours)));
    add('@colyseus/schema float32', metric, rounded(median(f32)));
    add('ours / colyseus float32', ratioMetric, rounded(median(ours) / median(f32)), 'x');
  };
  addBoth(
    'solo.js',
    SOLO_ROUNDS,
    'server writes+encode per snapshot tick, alone in its own process',
    'server writes+encode ratio, each alone in its own process',
  );
  addBoth(
    'steady.js',
    STEADY_SECONDS,
    `server writes+encode per snapshot tick, one room running ${STEADY_SECONDS} s (median of 5 s windows)`,
    'server writes+encode ratio, one long-running room each',
  );
}

/**
 * Client decode with each decoder alone in its own process, as a client's is (decode-solo.ts): the decodes
 * above run in the process that ran every system's rounds, where one system's garbage may be collected in
 * another's timing. The processes go in pairs (ours, then Colyseus), each pair's ratio read on its own: the
 * core's speed drifts from one minute to the next (see core-speed.ts), and a pair runs within seconds.
 */
function addDecodeAloneRows(hz: number, add: AddRow) {
  const ours: number[] = [];
  const f32: number[] = [];
  for (let p = 0; p < DECODE_PROCESSES; p++) {
    ours.push(median(runAlone('decode-solo.js', 'ours', hz, DECODE_PASSES)));
    f32.push(median(runAlone('decode-solo.js', 'float32', hz, DECODE_PASSES)));
  }
  const metric = 'client decode per snapshot, alone in its own process (median of processes)';
  add('vehikill-net', metric, rounded(median(ours)));
  add('@colyseus/schema float32', metric, rounded(median(f32)));
  add(
    'ours / colyseus float32',
    'client decode ratio, each alone (median of pairs)',
    rounded(median(ours.map((value, pair) => value / (f32[pair] as number)))),
    'x',
  );
  add(
    'ours / colyseus float32',
    'client decode ratio, each alone, highest pair',
    rounded(Math.max(...ours.map((value, pair) => value / (f32[pair] as number)))),
    'x',
  );
}
