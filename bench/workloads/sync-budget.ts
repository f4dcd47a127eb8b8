/**
 * Sync budgeted world: the server's cost of `RoomSync.flush` when the world is larger than what a member's
 * byte budget carries, so every snapshot has to choose (by priority) what it sends.
 *
 * 2,000 units spread over 4,000 x 4,000 m, 32 in-process members (each snapshot recorded by its link),
 * 20 Hz snapshots with a flush every 50 ms of a ManualClock (every member gets one per flush), deflate off.
 * Before each flush every unit moves with probability 0.2 (x, y by up to ±0.5 m, a new hp). After each
 * flush every member acks its newest snapshot, claiming the 32 before it too (previous 0xffffffff): no
 * loss. Three scenarios:
 *
 * - budget 1,200 B, uniform priority (RoomSync's default);
 * - budget 300 B, uniform priority;
 * - budget 1,200 B with distance-based priority and tier: member i stands at (cos i, sin i) x 1,000 m; a
 *   unit's priority is 1 / (1 + distance), and its tier ambient beyond 1,500 m (normal within). The
 *   callbacks read positions from a Float64Array kept beside the world, as a game would its own state.
 *
 * Each round is a fresh RoomSync: 100 warm-up flushes, then 200 timed ones (`flush` alone: the moves,
 * the links' recording, the checks and the acks are outside the timing). The time reported is the median
 * of the rounds' mean per flush (all 32 members' snapshots).
 *
 * Checks, so that a round cannot measure nothing: every snapshot of every round must be a plain one (not
 * deflated), one per member per flush, within the budget, and fill at least half of it (the world waiting
 * is far larger); RoomSync's stats must show no refused, failed or over-budget snapshot and no callback
 * error. In each scenario's first round, the snapshots of every fourth member are kept and, after the
 * round, decoded by a SnapshotDecoder each: every one must apply, carry at least one entity and be
 * incomplete, and have the seq its member acked (members start at seq 0 and ack seq = flush number).
 * Decoding all 32 would cost more than the flushes do; decoding during the round would leave its garbage
 * to be collected in the timed flushes. Every later round must send the first round's bytes, byte for
 * byte (all is seeded), so the checks and the entity counts hold for every round.
 */
import { Channel, ManualClock, RoomSync, type SyncMember } from 'vehikill-net/server';
import {
  decodeSyncFrame,
  encodeAckFrame,
  entity,
  entityRegistry,
  enumOf,
  float,
  int,
  SnapshotDecoder,
  Tier,
} from 'vehikill-net/sync';
import type { Row } from '../results.js';
import { check, median, mulberry32 } from './sync/rng.js';

export const ENTITIES = 2000;
export const MEMBERS = 32;
export const MOVE_FRACTION = 0.2;
export const WARMUP_TICKS = 100;
export const TIMED_TICKS = 200;
export const ROUNDS = 3;
const TICK_MS = 50;
/** Where members stand: member i at (cos i, sin i) x this (m). */
const MEMBER_RADIUS = 1000;
/** Beyond this distance from a member (m), a unit is in its ambient tier (distance scenario). */
const AMBIENT_BEYOND = 1500;
/** The first round decodes the snapshots of members 0, 4, 8, ... (at as many places in the distance scenario). */
const DECODED_EVERY = 4;

const Unit = entity('unit', {
  x: float({ min: -4096, max: 4096, precision: 0.05 }),
  y: float({ min: -4096, max: 4096, precision: 0.05 }),
  hp: int({ min: 0, max: 100 }),
  mode: enumOf(['idle', 'walk', 'run', 'dead']),
});
const types = [Unit] as const;
const registry = entityRegistry(types);

export type Scenario = 'uniform 1200' | 'uniform 300' | 'distance 1200';
export const SCENARIOS: readonly Scenario[] = ['uniform 1200', 'uniform 300', 'distance 1200'];
const BUDGET: Record<Scenario, number> = { 'uniform 1200': 1200, 'uniform 300': 300, 'distance 1200': 1200 };
const SYSTEM: Record<Scenario, string> = {
  'uniform 1200': 'budget 1,200 B, uniform priority',
  'uniform 300': 'budget 300 B, uniform priority',
  'distance 1200': 'budget 1,200 B, distance priority and tier',
};

interface Member extends SyncMember {
  readonly x: number;
  readonly y: number;
  /** What the link was handed since the last acks. */
  readonly inbox: Uint8Array[];
}

export interface BudgetRound {
  /** Mean ms per timed flush (all members). */
  flushMs: number;
  /** Snapshot bytes (as the budget counts them: before the frame's tag), mean per member snapshot. */
  bytesPerSnapshot: number;
  /** The smallest snapshot (bytes before the frame's tag), timed flushes. */
  smallestSnapshot: number;
  /**
   * Entities carried (created or updated on the client), mean per snapshot of the decoded members over the
   * timed flushes; NaN in a round that decodes nothing.
   */
  entitiesPerSnapshot: number;
  /** FNV-1a of every byte sent to every member, in order. */
  digest: number;
}

function fnv(hash: number, bytes: Uint8Array): number {
  let h = hash;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619) >>> 0;
  return h;
}

function makeMember(index: number): Member {
  const inbox: Uint8Array[] = [];
  return {
    away: false,
    membership: 0,
    x: Math.cos(index) * MEMBER_RADIUS,
    y: Math.sin(index) * MEMBER_RADIUS,
    inbox,
    link: {
      send: (_channel, bytes) => {
        inbox.push(bytes);
        return true;
      },
    },
  };
}

/**
 * One round in a fresh RoomSync. `decode`: keep the snapshots of every DECODED_EVERY-th member and decode
 * them after the round.
 */
export function budgetRound(scenario: Scenario, decode: boolean): BudgetRound {
  const budgetBytes = BUDGET[scenario];
  const clock = new ManualClock(0);
  const members = Array.from({ length: MEMBERS }, (_, i) => makeMember(i));
  // Unit id's position at 2 id, 2 id + 1 (ids are 0..ENTITIES-1: checked at the spawn).
  const positions = new Float64Array(ENTITIES * 2);
  // Squared, and the square root only for the priority: the callbacks run for every unit and member.
  const distanceSquared = (member: Member, id: number) => {
    const dx = positions[2 * id]! - member.x;
    const dy = positions[2 * id + 1]! - member.y;
    return dx * dx + dy * dy;
  };
  const sync = new RoomSync<Member, typeof types>(
    { clients: members, clock },
    {
      types,
      budgetBytes,
      deflateAboveBytes: Number.POSITIVE_INFINITY,
      // Every member's first seq is 0, so its snapshot at flush t is seq t (checked where decoded).
      random: () => 0,
      ...(scenario === 'distance 1200'
        ? {
            priority: (member: Member, id: number) => 1 / (1 + Math.sqrt(distanceSquared(member, id))),
            tier: (member: Member, id: number) =>
              distanceSquared(member, id) > AMBIENT_BEYOND ** 2 ? Tier.ambient : Tier.normal,
          }
        : {}),
    },
  );
  const random = mulberry32(5);
  const units: { x: number; y: number; hp: number; mode: 'idle' }[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const unit = { x: (random() - 0.5) * 4000, y: (random() - 0.5) * 4000, hp: 100, mode: 'idle' as const };
    units.push(unit);
    check(sync.world.spawn(Unit, unit) === i, `budget: unit ${i} is id ${i}`);
    positions[2 * i] = unit.x;
    positions[2 * i + 1] = unit.y;
  }
  const ticks = WARMUP_TICKS + TIMED_TICKS;
  // By member: the snapshots to decode after the round, one per flush.
  const kept = members.map((_, index): Uint8Array[] | undefined =>
    decode && index % DECODED_EVERY === 0 ? [] : undefined,
  );
  let flushMs = 0;
  let bytes = 0;
  let smallest = Number.POSITIVE_INFINITY;
  let digest = 2166136261;
  for (let tick = 0; tick < ticks; tick++) {
    const measured = tick >= WARMUP_TICKS;
    for (let i = 0; i < ENTITIES; i++) {
      if (random() >= MOVE_FRACTION) continue;
      const unit = units[i]!;
      unit.x += random() - 0.5;
      unit.y += random() - 0.5;
      unit.hp = Math.floor(random() * 101);
      sync.world.update(i, Unit, unit);
      positions[2 * i] = unit.x;
      positions[2 * i + 1] = unit.y;
    }
    const started = performance.now();
    sync.flush(tick);
    const elapsed = performance.now() - started;
    if (measured) flushMs += elapsed;
    clock.advance(TICK_MS);
    // Not timed from here.
    for (let index = 0; index < MEMBERS; index++) {
      const member = members[index]!;
      const where = `budget ${scenario}: member ${index} at flush ${tick}`;
      check(member.inbox.length === 1, `${where}: ${member.inbox.length} snapshots, not 1`);
      const sent = member.inbox[0]!;
      member.inbox.length = 0;
      digest = fnv(digest, sent);
      const frame = decodeSyncFrame(sent);
      check(frame.kind === 'snapshot' && !frame.deflated, `${where}: not a plain snapshot`);
      const snapshot = frame.payload as Uint8Array;
      check(
        snapshot.length <= budgetBytes,
        `${where}: ${snapshot.length} bytes, over the budget of ${budgetBytes}`,
      );
      check(
        snapshot.length >= budgetBytes / 2,
        `${where}: ${snapshot.length} bytes, less than half the budget of ${budgetBytes}`,
      );
      if (measured) {
        bytes += snapshot.length;
        smallest = Math.min(smallest, snapshot.length);
      }
      kept[index]?.push(snapshot);
      sync.receive(
        member,
        Channel.phys,
        encodeAckFrame({ newest: tick, previous: 0xffffffff, resync: false }),
      );
    }
  }
  const stats = sync.stats();
  const snapshots = MEMBERS * ticks;
  check(
    stats.snapshotsSent === snapshots &&
      stats.snapshotsRefused === 0 &&
      stats.snapshotsFailed === 0 &&
      stats.snapshotsOverBudget === 0 &&
      stats.callbackErrors === 0 &&
      stats.badFrames === 0 &&
      stats.acksReceived === snapshots,
    `budget ${scenario}: RoomSync stats ${JSON.stringify(stats)}`,
  );
  return {
    flushMs: flushMs / TIMED_TICKS,
    bytesPerSnapshot: bytes / (MEMBERS * TIMED_TICKS),
    smallestSnapshot: smallest,
    entitiesPerSnapshot: decode ? decodeKept(scenario, kept) : Number.NaN,
    digest,
  };
}

/** Decodes each kept member's snapshots in order (see the module's comment); the mean entities carried. */
function decodeKept(scenario: Scenario, kept: readonly (Uint8Array[] | undefined)[]): number {
  let entities = 0;
  let decoded = 0;
  kept.forEach((stream, index) => {
    if (stream === undefined) return;
    const decoder = new SnapshotDecoder(registry);
    stream.forEach((snapshot, tick) => {
      const where = `budget ${scenario}: member ${index} at flush ${tick}`;
      const outcome = decoder.decode(snapshot);
      if (outcome.kind !== 'applied') throw new Error(`sync bench check failed: ${where}: ${outcome.kind}`);
      check(outcome.seq === tick, `${where}: seq ${outcome.seq}, acked as ${tick}`);
      const carried = outcome.created.length + outcome.updated.length;
      check(carried > 0, `${where}: an empty snapshot (${snapshot.length} bytes)`);
      // The world is larger than the budget: no snapshot carries all that changed.
      check(!outcome.complete, `${where}: a complete snapshot, the budget was not short`);
      if (tick < WARMUP_TICKS) return;
      entities += carried;
      decoded++;
    });
  });
  check(decoded === (MEMBERS / DECODED_EVERY) * TIMED_TICKS, `budget ${scenario}: ${decoded} decoded`);
  return entities / decoded;
}

export function benchSyncBudget(): Row[] {
  const rows: Row[] = [];
  const round2 = (v: number) => Math.round(v * 100) / 100;
  const workload = `sync budgeted world, ${ENTITIES} entities, ${MEMBERS} members, ${MOVE_FRACTION * 100}% moving`;
  const add = (system: string, metric: string, value: number, unit: string) =>
    rows.push({ workload, system, metric, value, unit });
  const rounds = new Map<Scenario, BudgetRound[]>(SCENARIOS.map((scenario) => [scenario, []]));
  // Rounds alternate the scenarios: a slow stretch of the machine weighs on each alike.
  for (let r = 0; r < ROUNDS; r++) {
    for (const scenario of SCENARIOS) rounds.get(scenario)!.push(budgetRound(scenario, r === 0));
  }
  for (const scenario of SCENARIOS) {
    const list = rounds.get(scenario)!;
    const first = list[0]!;
    check(
      list.every((round) => round.digest === first.digest),
      `budget ${scenario}: a round sent other bytes than the first (decoded) round`,
    );
    const system = SYSTEM[scenario];
    const flush = list.map((round) => round.flushMs);
    add(system, `flush per tick, all members (median of ${ROUNDS} rounds)`, round2(median(flush)), 'ms');
    add(system, 'the same, lowest round', round2(Math.min(...flush)), 'ms');
    add(system, 'the same, highest round', round2(Math.max(...flush)), 'ms');
    add(system, 'bytes per member snapshot, mean', round2(first.bytesPerSnapshot), 'B');
    add(system, 'smallest member snapshot', first.smallestSnapshot, 'B');
    add(
      system,
      `entities per member snapshot, mean (members 0, ${DECODED_EVERY}, ${2 * DECODED_EVERY}, ...)`,
      round2(first.entitiesPerSnapshot),
      'count',
    );
  }
  return rows;
}
