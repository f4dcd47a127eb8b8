/**
 * Sync views: what interest management costs and saves on the server, for the W2 arena trace at 20 Hz
 * snapshots with 32 clients (5% of snapshots lost, per client, seeded; acks back after a 100 ms RTT), as
 * sync-cpu.ts runs it. Client i follows vehicle i. Three ways to send the world:
 *
 * - all: no views, every client the whole frame, one SharedSnapshots (sync-cpu's round);
 * - teams: two teams (i % 2) of 16; a team sees what is within the sight radius of any of its vehicles.
 *   One frameView and one SharedSnapshots per team;
 * - own sight: each client sees what is within the sight radius of its own vehicle. One frameView and one
 *   SharedSnapshots per client.
 *
 * One EncodingCache for all (the records of every view are the table's). Timed: taking acks in, frame(),
 * the views and the encodes (state writes apart), from the third second of the trace on (the joins and
 * the first projectiles' build-up left out); bytes counted over the same snapshots. Medians of rounds
 * after one untimed round in which every client decodes: every snapshot must apply (no resync), acks as
 * the timed rounds compute them, and after each one the client must hold exactly its view's entities.
 * The timed rounds run without decoders (their garbage would be collected in the server's timed work)
 * and must send the checked round's bytes, byte for byte.
 */
import {
  decodeAck,
  type EncodedSnapshot,
  EncodingCache,
  type EntityRecord,
  type EntityTable,
  encodeAck,
  frameView,
  SharedSnapshots,
  type SnapshotAck,
  SnapshotDecoder,
  SnapshotEncoder,
  type Visibility,
} from 'vehikill-net/sync';
import type { Row } from '../results.js';
import { type ArenaFrame, arenaTrace, SIM_HZ, VEHICLES } from './sync/arena.js';
import { check, median, mulberry32 } from './sync/rng.js';
import { checkOursDecoded, OursWorld, registry, Vehicle } from './sync/systems.js';

type Frame = ReturnType<EntityTable['frame']>;

export const SECONDS = 10;
/** Timing and bytes count from here on (steady state: projectiles live 1-2 s). */
export const WARMUP_TICKS = 2 * SIM_HZ;
export const HZ = 20;
const ROUNDS = 25;
export const CLIENTS = VEHICLES;
const LOSS = 0.05;
const RTT_TICKS = Math.round(0.1 * SIM_HZ);
/** Metres: a team of 16 sees about 58% of the entities on average, one vehicle about 6%. */
export const SIGHT_RADIUS = 90;
/** Vehicle and projectile x, y are codes on a 0.01 m grid from 0 (their first two fields). */
export const POSITION_STEP = 0.01;
export const SIGHT_CODES_SQUARED = (SIGHT_RADIUS / POSITION_STEP) ** 2;

export type Scenario = 'all' | 'teams' | 'own sight';
export const SCENARIOS: readonly Scenario[] = ['all', 'teams', 'own sight'];
const SYSTEM: Record<Scenario, string> = {
  all: 'all (no views, 1 shared)',
  teams: 'teams (2 views of 16)',
  'own sight': 'own sight (32 views)',
};

/** Clients that see alike: one view per tick, one SharedSnapshots. */
interface Group {
  readonly members: readonly number[];
  readonly shared: SharedSnapshots;
  /** The vehicles whose sight the group shares, and their positions this tick (x, y in codes). */
  readonly viewers: readonly number[];
  readonly positions: Float64Array;
  /** Undefined: sees everything. */
  readonly visible: Visibility | undefined;
  view: Frame | undefined;
  /** Checked round only: the ids of the previous view, and how many of this view's were not in it. */
  previous: Set<number> | undefined;
  entered: number;
}

interface Client {
  readonly encoder: SnapshotEncoder;
  readonly group: Group;
  readonly loss: () => number;
  readonly acks: { at: number; bytes: Uint8Array }[];
  newest: number | undefined;
  previous: number;
  /** FNV-1a of every byte sent to this client. */
  digest: number;
  /** Checked round only. */
  readonly decoder: SnapshotDecoder | undefined;
  lastApplied: Frame | undefined;
}

export interface ViewsRound {
  /** Mean µs per snapshot tick: acks taken in, frame(), the views, the encodes. */
  serverUs: number;
  /** Of which the views (viewer positions + frameView). */
  viewUs: number;
  /** Mean µs per snapshot interval writing state (EntityTable updates). */
  writeUs: number;
  bodiesPerTick: number;
  /** Mean over clients. */
  bytesPerClientSecond: number;
  /** Entities in a client's view over entities in the frame, mean over clients and snapshots. */
  fractionSeen: number;
  /** Entities in the frame, mean over snapshots. */
  entities: number;
  /** Checked round only: entities coming into a client's view (each sent in full), per second, mean over clients. */
  enteredPerClientSecond: number;
  /** Every client's digest, in client order. */
  digests: number[];
  /** Checked round only: outcomes other than applied, and mismatches found. */
  resyncs: number;
  stale: number;
  checkedSnapshots: number;
}

export function sight(positions: Float64Array): Visibility {
  return (_id: number, record: EntityRecord) => {
    const x = record.codes[0] as number;
    const y = record.codes[1] as number;
    for (let k = 0; k < positions.length; k += 2) {
      const dx = x - positions[k]!;
      const dy = y - positions[k + 1]!;
      if (dx * dx + dy * dy <= SIGHT_CODES_SQUARED) return true;
    }
    return false;
  };
}

/** Client i's team in the teams scenario. */
export const teamOf = (client: number): number => client % 2;

function groupsOf(scenario: Scenario, cache: EncodingCache): Group[] {
  const all = Array.from({ length: CLIENTS }, (_, i) => i);
  const make = (members: number[], sees: boolean): Group => {
    const positions = new Float64Array(members.length * 2);
    return {
      members,
      shared: new SharedSnapshots(registry, { cache }),
      viewers: members,
      positions,
      visible: sees ? sight(positions) : undefined,
      view: undefined,
      previous: undefined,
      entered: 0,
    };
  };
  if (scenario === 'all') return [make(all, false)];
  if (scenario === 'teams')
    return [0, 1].map((team) =>
      make(
        all.filter((i) => teamOf(i) === team),
        true,
      ),
    );
  return all.map((i) => make([i], true));
}

export function fnv(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619) >>> 0;
  return h;
}

export function viewsRound(trace: readonly ArenaFrame[], scenario: Scenario, checked: boolean): ViewsRound {
  const every = SIM_HZ / HZ;
  const world = new OursWorld();
  const cache = new EncodingCache();
  const groups = groupsOf(scenario, cache);
  const clients = new Array<Client>(CLIENTS);
  for (const group of groups) {
    for (const i of group.members) {
      clients[i] = {
        encoder: new SnapshotEncoder(registry, { cache, shared: group.shared }),
        group,
        loss: mulberry32(2000 + i),
        acks: [],
        newest: undefined,
        previous: 0,
        digest: 2166136261,
        decoder: checked ? new SnapshotDecoder(registry) : undefined,
        lastApplied: undefined,
      };
    }
  }
  const snapshots = new Array<EncodedSnapshot>(CLIENTS);
  let serverMs = 0;
  let viewMs = 0;
  let writeMs = 0;
  let seq = -1;
  let ticks = 0;
  let bytes = 0;
  let seen = 0;
  let entities = 0;
  let bodiesBefore = 0;
  let resyncs = 0;
  let stale = 0;
  let checkedSnapshots = 0;
  let entered = 0;
  const resyncSeen: string[] = [];
  const bodies = () => groups.reduce((sum, group) => sum + group.shared.stats.bodies, 0);
  for (const frame of trace) {
    const measured = frame.tick >= WARMUP_TICKS;
    if (frame.tick === WARMUP_TICKS) bodiesBefore = bodies();
    let started = performance.now();
    world.apply(frame);
    if (measured) writeMs += performance.now() - started;
    started = performance.now();
    for (const client of clients) {
      while (client.acks.length > 0 && client.acks[0]!.at <= frame.tick) {
        client.encoder.receiveAck(decodeAck(client.acks.shift()!.bytes));
      }
    }
    if (frame.tick % every !== 0) {
      if (measured) serverMs += performance.now() - started;
      continue;
    }
    const worldFrame = world.table.frame(frame.tick);
    const viewStarted = performance.now();
    for (const group of groups) {
      if (group.visible === undefined) {
        group.view = worldFrame;
        continue;
      }
      // Vehicles are spawned first and never removed: vehicle v is id v, at index v of every frame.
      const { viewers, positions } = group;
      for (let k = 0; k < viewers.length; k++) {
        const codes = worldFrame.records[viewers[k]!]!.codes;
        positions[2 * k] = codes[0] as number;
        positions[2 * k + 1] = codes[1] as number;
      }
      group.view = frameView(worldFrame, group.visible);
    }
    const viewEnded = performance.now();
    for (let i = 0; i < CLIENTS; i++) {
      const client = clients[i]!;
      snapshots[i] = client.encoder.encode(client.group.view!);
    }
    if (measured) {
      serverMs += performance.now() - started;
      viewMs += viewEnded - viewStarted;
    }
    seq++;
    // Not timed from here.
    if (frame.tick === 0) checkLayout(worldFrame, frame);
    if (checked) {
      for (const group of groups) {
        const ids = group.view!.ids;
        group.entered =
          group.previous === undefined ? 0 : ids.filter((id) => !group.previous!.has(id)).length;
        group.previous = new Set(ids);
      }
    }
    if (measured) {
      ticks++;
      entities += worldFrame.ids.length;
    }
    for (let i = 0; i < CLIENTS; i++) {
      const client = clients[i]!;
      const snapshot = snapshots[i]!;
      const view = client.group.view!;
      check(snapshot.complete, 'views: no budget, always complete');
      check(snapshot.seq === seq, 'views: one snapshot per client per tick');
      client.digest = fnv(client.digest, snapshot.bytes);
      if (measured) {
        bytes += snapshot.bytes.length;
        seen += view.ids.length / worldFrame.ids.length;
        entered += client.group.entered;
      }
      if (client.loss() < LOSS) continue;
      // As sync-cpu.ts computes it: every snapshot received applies (the checked round checks it).
      if (client.newest !== undefined) {
        const shift = seq - client.newest;
        client.previous =
          shift > 32 ? 0 : (client.previous % 2 ** (32 - shift)) * 2 ** shift + 2 ** (shift - 1);
      }
      client.newest = seq;
      let ack: SnapshotAck = { newest: seq, previous: client.previous, resync: false };
      const decoder = client.decoder;
      if (decoder !== undefined) {
        const outcome = decoder.decode(snapshot.bytes);
        checkedSnapshots++;
        if (outcome.kind === 'resync') {
          resyncs++;
          if (resyncSeen.length < 5) {
            resyncSeen.push(`client ${i} seq ${seq} tick ${frame.tick}: ${outcome.reason}`);
          }
        } else if (outcome.kind === 'stale') stale++;
        else {
          client.lastApplied = view;
          checkOursDecoded(decoder, view);
        }
        // What the client would send: after a resync, its request for full states.
        const real = decoder.ack();
        if (resyncs === 0) {
          check(
            real.newest === ack.newest && real.previous === ack.previous && !real.resync,
            `views ${scenario}: client ${i}'s ack at seq ${seq}`,
          );
        }
        ack = real;
      }
      client.acks.push({ at: frame.tick + RTT_TICKS, bytes: encodeAck(ack) });
    }
  }
  if (checked) {
    check(
      resyncs === 0 && stale === 0,
      `views ${scenario}: ${resyncs} resync, ${stale} stale outcomes; first: ${resyncSeen.join('; ')}`,
    );
    // At the end: each client holds exactly the view of the last snapshot it applied.
    for (const client of clients) checkOursDecoded(client.decoder!, client.lastApplied!);
  }
  return {
    serverUs: (serverMs * 1000) / ticks,
    viewUs: (viewMs * 1000) / ticks,
    writeUs: (writeMs * 1000) / ticks,
    bodiesPerTick: (bodies() - bodiesBefore) / ticks,
    bytesPerClientSecond: bytes / CLIENTS / (ticks / HZ),
    fractionSeen: seen / (ticks * CLIENTS),
    entities: entities / ticks,
    enteredPerClientSecond: entered / CLIENTS / (ticks / HZ),
    digests: clients.map((client) => client.digest),
    resyncs,
    stale,
    checkedSnapshots,
  };
}

/** What the views rely on: vehicle v is id v at index v, and x, y are its first codes on a 0.01 m grid. */
function checkLayout(worldFrame: Frame, frame: ArenaFrame): void {
  for (let v = 0; v < VEHICLES; v++) {
    const record = worldFrame.records[v]!;
    check(worldFrame.ids[v] === v && record.type === Vehicle, `views: vehicle ${v} is id ${v}`);
    const { x, y } = frame.vehicles[v]!;
    const codes = record.codes;
    check(
      Math.abs((codes[0] as number) * POSITION_STEP - x) <= POSITION_STEP &&
        Math.abs((codes[1] as number) * POSITION_STEP - y) <= POSITION_STEP,
      `views: vehicle ${v}'s position codes`,
    );
  }
}

export function benchSyncViews(): Row[] {
  const trace = arenaTrace(SECONDS, 7);
  const rows: Row[] = [];
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const workload = `sync views arena @${HZ} Hz, ${CLIENTS} clients`;
  const add = (system: string, metric: string, value: number, unit: string) =>
    rows.push({ workload, system, metric, value, unit });
  const checkedRounds = new Map<Scenario, ViewsRound>();
  for (const scenario of SCENARIOS) checkedRounds.set(scenario, viewsRound(trace, scenario, true)); // warm-up
  const timed = new Map<Scenario, ViewsRound[]>(SCENARIOS.map((scenario) => [scenario, []]));
  for (let r = 0; r < ROUNDS; r++) {
    for (const scenario of SCENARIOS) {
      const round = viewsRound(trace, scenario, false);
      const reference = checkedRounds.get(scenario)!;
      check(
        round.digests.every((digest, i) => digest === reference.digests[i]),
        `views ${scenario}: a timed round sent other bytes than the checked round`,
      );
      timed.get(scenario)!.push(round);
    }
  }
  add('teams, own sight', 'sight radius', SIGHT_RADIUS, 'm');
  add('arena', 'entities in the frame, mean', round2(checkedRounds.get('all')!.entities), 'count');
  for (const scenario of SCENARIOS) {
    const rounds = timed.get(scenario)!;
    const checked = checkedRounds.get(scenario)!;
    const m = (key: 'serverUs' | 'viewUs' | 'writeUs') => round2(median(rounds.map((x) => x[key])));
    const system = SYSTEM[scenario];
    add(system, 'server per snapshot tick (acks, frame, views, encodes)', m('serverUs'), 'µs');
    add(system, 'the same, lowest round', round2(Math.min(...rounds.map((x) => x.serverUs))), 'µs');
    add(system, 'the same, highest round', round2(Math.max(...rounds.map((x) => x.serverUs))), 'µs');
    add(system, 'of which views (frameView)', m('viewUs'), 'µs');
    add(system, 'state writes per snapshot interval', m('writeUs'), 'µs');
    add(system, 'shared bodies encoded per snapshot tick', round2(checked.bodiesPerTick), 'count');
    add(system, 'bytes per client per second', Math.round(checked.bytesPerClientSecond), 'B/s');
    add(
      system,
      'fraction of entities in a client view',
      Math.round(checked.fractionSeen * 1000) / 1000,
      'ratio',
    );
    add(
      system,
      'entities new to a client view per second (spawned or came into sight)',
      round2(checked.enteredPerClientSecond),
      'count',
    );
    add(system, 'snapshots decoded in the checked round', checked.checkedSnapshots, 'count');
    add(system, 'resync outcomes in the checked round', checked.resyncs, 'count');
  }
  // Each round runs the three within a second or so: a slow stretch of the machine weighs on both sides of
  // a round's ratio, where it shifts only one side's median.
  const all = timed.get('all')!;
  for (const scenario of ['teams', 'own sight'] as const) {
    const paired = timed.get(scenario)!.map((round, index) => round.serverUs / all[index]!.serverUs);
    const system = `${scenario} / all`;
    add(system, 'server per snapshot tick ratio, median of rounds', round2(median(paired)), 'x');
    add(system, 'the same, lowest round', round2(Math.min(...paired)), 'x');
    add(system, 'the same, highest round', round2(Math.max(...paired)), 'x');
  }
  return rows;
}
