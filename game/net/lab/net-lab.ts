import type { Correction } from 'vehikill-net/netcode';
import { type Clock, ManualClock, RoomSync } from 'vehikill-net/server';
import { encodeAppFrame } from 'vehikill-net/sync';
import { Channel, createSimulatedLinkPair, type Link, seededRandom } from 'vehikill-net/transport';
import { findVehicle, TICK_RATE, type Vehicle, type World } from '../../sim/index.js';
import { ArenaClient, type ArenaFrame } from '../client/arena-client.js';
import { touchesAnother } from '../client/own-prediction.js';
import { GAME_ENTITY_TYPES } from '../protocol/entity-types.js';
import { TICK_MS } from '../protocol/timeline.js';
import { ArenaAuthority, type ShotOutcome } from '../server/authority.js';
import { delayCapByRecentRates } from '../server/delay-allowance.js';
import { measuredRttMs } from '../server/measured-rtt.js';
import { ServerLoop } from '../server/server-loop.js';
import { Distribution } from './distribution.js';
import { LabBot } from './lab-bot.js';
import { directions, type LabConditions } from './lab-conditions.js';

export interface LabOptions {
  readonly conditions: LabConditions;
  /** Players, each a bot driving over its own simulated link (default 8). */
  readonly players?: number;
  /** Snapshots per second to each player (default 30): the ceiling when `adaptiveRates` is on. */
  readonly snapshotHz?: number;
  /** Each player's rate follows its link's quality, as in a Vehikill room (default off: a fixed rate). */
  readonly adaptiveRates?: boolean;
  /** Simulated time measured, after the warm-up (ms, default 20,000). */
  readonly durationMs?: number;
  /** Simulated time before measuring: clock sync, margins, delays settle (ms, default 5,000). */
  readonly warmupMs?: number;
  readonly seed?: number;
  /**
   * Times the server's process stalls (ms from the lab's start, warm-up included): it neither ticks nor
   * reads messages, then, as Node would, reads what arrived and catches up (see ServerLoop).
   */
  readonly serverStalls?: readonly { readonly atMs: number; readonly forMs: number }[];
}

/** What players experienced, measured against the server's ground truth. */
export interface LabReport {
  /** Size of each reconciliation's correction of the own vehicle (world units), split by cause. */
  readonly corrections: Distribution;
  /**
   * The same, for reconciliations whose span had no vehicle within touching range of the own vehicle
   * (on the server or in the prediction), no input of the player's that reached the server too late, and
   * complete input history: these must be exactly 0.
   */
  readonly correctionsOutsideContact: Distribution;
  /** Distance between where a remote vehicle was drawn and where the server had it at that time. */
  readonly remoteError: Distribution;
  /** The render delay players chose (ms), sampled every frame. */
  readonly interpolationDelayMs: Distribution;
  /** Share of frames in which some remote vehicle was extrapolated; frames with nothing to draw for one. */
  readonly extrapolatedFrameShare: number;
  readonly emptyFrames: number;
  readonly frames: number;
  /** The server's input-buffer margin (ticks), sampled every tick. */
  readonly marginTicks: Distribution;
  /** Inputs refused (stale, future, rate) and missing (repeated) over all players. */
  readonly rejections: { readonly stale: number; readonly future: number; readonly rate: number };
  readonly missedInputs: number;
  /** |player's estimate of the server timeline - the truth| (ms), sampled every frame. */
  readonly clockErrorMs: Distribution;
  /** Shots that hit on the shooter's screen and what the server made of them. */
  readonly shots: { readonly claimed: number; readonly confirmed: number; readonly refused: number };
  readonly desyncs: number;
  /** Ticks the server skipped because a stall outlasted its catch-up limit. */
  readonly skippedTicks: number;
}

interface LabPlayer {
  readonly member: { readonly away: boolean; readonly link: Link };
  readonly client: ArenaClient;
  readonly bot: LabBot;
  readonly clockOffset: number;
  readonly claims: Map<number, number>;
  /** What the player drew last frame: what its bot steers and aims by. */
  lastFrame: ArenaFrame | undefined;
}

/** Frames drawn per second by every player. */
const FRAME_MS = 1000 / 60;

/**
 * A match of bots over simulated links, entirely in simulated time: the real server authority, sync layer
 * and player code, with seeded delay, jitter and loss between them. Measures what a player sees against
 * what the server simulated: corrections, remote vehicles' drawn positions, extrapolation, input margins,
 * clock error and shot registration. Used by the netcode tests and `npm run bench`.
 */
export function runNetLab(options: LabOptions): LabReport {
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const clock = new ManualClock(0);
  const serverStart = 5_000 + Math.floor(random() * 10_000);
  clock.advance(serverStart);
  const { up, down } = directions(options.conditions);
  const players: LabPlayer[] = [];
  const members: LabPlayer['member'][] = [];
  const sync = new RoomSync<LabPlayer['member']>(
    { clients: members, clock },
    {
      types: GAME_ENTITY_TYPES,
      rateHz: options.snapshotHz ?? 30,
      budgetBytes: 4_000,
      adaptive: options.adaptiveRates === true,
    },
  );
  const corrections = new Distribution();
  const outsideContact = new Distribution();
  const remoteError = new Distribution();
  const delays = new Distribution();
  const margins = new Distribution();
  const clockErrors = new Distribution();
  const shots = { claimed: 0, confirmed: 0, refused: 0 };
  let desyncs = 0;
  let measuring = false;
  const truth = new Map<number, ReadonlyMap<number, Vehicle>>();
  const contacts = new Map<number, Set<number>>();
  /** Ticks at which the server had no input from a vehicle's player in time (it repeated the last one). */
  const lateInputs = new Map<number, Set<number>>();
  const missedSoFar = new Map<unknown, number>();
  // The loop a Vehikill room runs (catch-up after a stall, then skipping), started a tick early so that
  // tick k is simulated at server time k * TICK_MS from the server's start.
  const loop = new ServerLoop({
    tick: () => authority.world.tick,
    skip: (ticks) => authority.skip(ticks),
  });
  loop.start(clock.now() - TICK_MS);
  const stalled = () =>
    (options.serverStalls ?? []).some(
      (stall) =>
        clock.now() >= serverStart + stall.atMs && clock.now() < serverStart + stall.atMs + stall.forMs,
    );
  /** Messages that reached the server while it stalled, read when it wakes up. */
  const held: (() => void)[] = [];
  const authority: ArenaAuthority<LabPlayer['member']> = new ArenaAuthority({
    sync,
    sendApp: (member, bytes) => member.link.send(Channel.phys, encodeAppFrame(bytes)),
    // What a room's loop tells players, less the tick its ticks run earlier here.
    now: () => loop.serverTime(clock.now()) - TICK_MS,
    dueTick: () => loop.dueTick(clock.now()),
    // As the Vehikill room allows: three of the longest intervals each player was really sent lately.
    maxInterpDelayFor: delayCapByRecentRates(
      sync,
      () => clock.now(),
      undefined,
      (member, windowMs) => authority.longestSnapshotGapMs(member, windowMs),
    ),
    // As the room does, by what the server's end of the link measured.
    rttOf: (member) => measuredRttMs(member.link.stats().rttMs),
    onDesync: () => {
      desyncs++;
    },
    onShot: (member, shot) => {
      const player = players.find((candidate) => candidate.member === member);
      if (player && measuring) countShot(player, shot, shots);
    },
  });

  const count = options.players ?? 8;
  for (let index = 0; index < count; index++) {
    const [playerEnd, serverEnd] = createSimulatedLinkPair({
      clock,
      seed: seed * 1000 + index,
      aToB: up,
      bToA: down,
      deadAfterMs: 60_000,
    });
    const member = { away: false, link: serverEnd as Link };
    const clockOffset = Math.floor(random() * 100_000);
    const localClock: Clock = {
      now: () => clock.now() + clockOffset,
      setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    };
    const bot = new LabBot(seed * 7919 + index);
    const claims = new Map<number, number>();
    let client: ArenaClient | undefined;
    let player: LabPlayer | undefined;
    let previousServerTick = 0;
    client = new ArenaClient({
      link: playerEnd,
      clock: localClock,
      sampleInput: (tick) =>
        bot.input(tick, ownVehicle(client as ArenaClient), player?.lastFrame?.vehicles ?? [], claims),
      onCorrection: (correction: Correction<World>, serverTick: number) => {
        if (!measuring) {
          previousServerTick = serverTick;
          return;
        }
        corrections.add(correction.error);
        const vehicleId = (client as ArenaClient).ownVehicleId;
        const prediction = (client as ArenaClient).prediction;
        // A contact since the state the previous prediction started from changes what it predicted.
        const span = { from: previousServerTick - 1, to: serverTick + correction.replayed + 1 };
        previousServerTick = serverTick;
        const touched =
          vehicleId === undefined ||
          touchedSince(contacts, vehicleId, span.from, span.to) ||
          touchedSince(lateInputs, vehicleId, span.from, span.to) ||
          prediction?.predictedContact(span.from, span.to) === true ||
          !correction.complete;
        if (!touched) outsideContact.add(correction.error);
      },
    });
    serverEnd.onMessage((channel, bytes) => {
      if (stalled()) held.push(() => authority.receive(member, channel, bytes));
      else authority.receive(member, channel, bytes);
    });
    members.push(member);
    authority.join(member);
    player = { member, client, bot, clockOffset, claims, lastFrame: undefined };
    players.push(player);
  }

  // The server's loop: one tick every TICK_MS of simulated time, recording the truth.
  const serverTick = () => {
    const stepping = authority.world.tick;
    authority.step();
    const late = new Set<number>();
    for (const player of players) {
      const missed = authority.inputsOf(player.member)?.missed ?? 0;
      const vehicleId = authority.vehicleOf(player.member);
      if (missed > (missedSoFar.get(player) ?? 0) && vehicleId !== undefined) late.add(vehicleId);
      missedSoFar.set(player, missed);
    }
    lateInputs.set(stepping, late);
    lateInputs.delete(stepping - 2 * TICK_RATE);
    const world = authority.world;
    const positions = new Map<number, Vehicle>();
    for (const vehicle of world.vehicles) positions.set(vehicle.id, { ...vehicle });
    truth.set(world.tick, positions);
    truth.delete(world.tick - 2 * TICK_RATE);
    const touched = new Set<number>();
    for (const vehicle of world.vehicles) if (touchesAnother(world, vehicle.id)) touched.add(vehicle.id);
    contacts.set(world.tick - 1, touched);
    contacts.delete(world.tick - 1 - 2 * TICK_RATE);
    if (measuring) {
      for (const player of players) {
        const margin = authority.inputsOf(player.member)?.margin;
        if (margin !== undefined) margins.add(margin);
      }
    }
  };
  let nextServerTick = clock.now();
  let nextFrame = clock.now();
  const warmupEnd = clock.now() + (options.warmupMs ?? 5_000);
  const end = warmupEnd + (options.durationMs ?? 20_000);
  const frameStatsAtStart = new Map<LabPlayer, { frames: number; extrapolated: number; empty: number }>();
  const rejectionsAtStart = new Map<
    LabPlayer,
    { stale: number; future: number; rate: number; missed: number }
  >();
  while (clock.now() < end) {
    if (!measuring && clock.now() >= warmupEnd) {
      measuring = true;
      for (const player of players) {
        frameStatsAtStart.set(player, player.client.remote.frameStats);
        const buffer = authority.inputsOf(player.member);
        rejectionsAtStart.set(player, {
          ...(buffer?.rejected ?? { stale: 0, future: 0, rate: 0 }),
          missed: buffer?.missed ?? 0,
        });
      }
    }
    const next = Math.min(nextServerTick, nextFrame);
    clock.advance(Math.max(0, next - clock.now()));
    if (clock.now() >= nextServerTick) {
      if (!stalled()) {
        for (const receive of held.splice(0)) receive();
        const due = loop.advance(clock.now());
        for (let tick = 0; tick < due; tick++) serverTick();
      }
      while (nextServerTick <= clock.now()) nextServerTick += TICK_MS;
    }
    if (clock.now() >= nextFrame) {
      for (const player of players) {
        const now = clock.now() + player.clockOffset;
        player.client.update(now);
        const frame = player.client.frame(now);
        player.lastFrame = frame;
        if (!measuring) continue;
        const truthNow = clock.now() - serverStart;
        if (player.client.clockSync.synced) {
          clockErrors.add(Math.abs(player.client.clockSync.remoteNow(now) - truthNow));
        }
        delays.add(player.client.remote.delay.targetDelayMs);
        if (frame.renderTime === undefined) continue;
        for (const drawn of frame.vehicles) {
          const real = truthAt(truth, drawn.vehicleId, frame.renderTime);
          if (real) remoteError.add(Math.hypot(drawn.state.x - real.x, drawn.state.y - real.y));
        }
      }
      nextFrame += FRAME_MS;
    }
  }

  let frames = 0;
  let extrapolated = 0;
  let empty = 0;
  const rejections = { stale: 0, future: 0, rate: 0 };
  let missed = 0;
  for (const player of players) {
    const before = frameStatsAtStart.get(player) ?? { frames: 0, extrapolated: 0, empty: 0 };
    const after = player.client.remote.frameStats;
    frames += after.frames - before.frames;
    extrapolated += after.extrapolated - before.extrapolated;
    empty += after.empty - before.empty;
    const buffer = authority.inputsOf(player.member);
    const start = rejectionsAtStart.get(player);
    if (buffer && start) {
      rejections.stale += buffer.rejected.stale - start.stale;
      rejections.future += buffer.rejected.future - start.future;
      rejections.rate += buffer.rejected.rate - start.rate;
      missed += buffer.missed - start.missed;
    }
    player.client.dispose();
  }
  return {
    corrections,
    correctionsOutsideContact: outsideContact,
    remoteError,
    interpolationDelayMs: delays,
    extrapolatedFrameShare: frames === 0 ? 0 : extrapolated / frames,
    emptyFrames: empty,
    frames,
    marginTicks: margins,
    rejections,
    missedInputs: missed,
    clockErrorMs: clockErrors,
    shots,
    desyncs,
    skippedTicks: loop.skippedTicks,
  };
}

function ownVehicle(client: ArenaClient): Vehicle | undefined {
  const prediction = client.prediction;
  return prediction ? findVehicle(prediction.world, prediction.vehicleId) : undefined;
}

/** Where the server had a vehicle at server time `timeMs` (between its ticks), if still recorded. */
function truthAt(
  truth: ReadonlyMap<number, ReadonlyMap<number, Vehicle>>,
  vehicleId: number,
  timeMs: number,
): { x: number; y: number } | undefined {
  const position = timeMs / TICK_MS;
  const tick = Math.floor(position);
  const a = truth.get(tick)?.get(vehicleId);
  const b = truth.get(tick + 1)?.get(vehicleId);
  if (!a || !b) return undefined;
  const t = position - tick;
  return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
}

/** Whether the vehicle touched another in the ticks a reconciliation replayed (or just before). */
function touchedSince(
  contacts: ReadonlyMap<number, ReadonlySet<number>>,
  vehicleId: number,
  from: number,
  to: number,
): boolean {
  for (let tick = from; tick <= to; tick++) {
    if (contacts.get(tick)?.has(vehicleId)) return true;
  }
  return false;
}

function countShot(
  player: LabPlayer,
  shot: ShotOutcome,
  shots: { claimed: number; confirmed: number; refused: number },
): void {
  const claimed = player.claims.get(shot.tick);
  player.claims.delete(shot.tick);
  if (claimed === undefined) return;
  shots.claimed++;
  if (!shot.ok) shots.refused++;
  else if (shot.target === claimed) shots.confirmed++;
}
