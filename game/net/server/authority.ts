import {
  DesyncMonitor,
  type DesyncRecord,
  InputBuffer,
  type InputBufferOptions,
  type InputRejections,
  LagHistory,
  type RewindRejection,
  type ShotClaim,
} from 'vehikill-net/netcode';
import { ErrorCode, ProtocolError } from 'vehikill-net/protocol';
import type { EntityTable } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import {
  type Arena,
  addVehicle,
  cloneWorld,
  cos,
  createWorld,
  findVehicle,
  type HitscanResolver,
  NEUTRAL_INPUT,
  type Point,
  raycastVehicles,
  raycastWalls,
  removeVehicle,
  sin,
  stepWorld,
  TICK_RATE,
  type Vehicle,
  type VehicleInput,
  type World,
} from '../../sim/index.js';
import { decodeGameMessage, encodeClockReply, encodeStatus, type GameMessage } from '../protocol/messages.js';
import type { NetInput } from '../protocol/net-input.js';
import { hashSyncedEntities } from '../protocol/synced-hash.js';
import { TICK_MS } from '../protocol/timeline.js';
import { InputArrivals } from './input-arrivals.js';
import { lerpWorld } from './lerp-world.js';
import { SnapshotGaps } from './snapshot-gaps.js';
import { WorldTable } from './world-table.js';

/** What the authority needs of the sync layer: `RoomSync` is one. */
export interface GameSync<P> {
  readonly world: EntityTable;
  /** Sends due snapshots of the world at `tick`; returns the players one went to. */
  flush(tick: number): readonly P[];
  /** Takes acks from a player's `phys` message and returns the app bytes in it, if any. */
  receive(player: P, channel: Channel, bytes: Uint8Array): Uint8Array | undefined;
}

/**
 * A player's state hash reports are checked at most once per this many ticks (half a second) of the
 * ticks they report on: honest clients report every 60th tick they decode.
 */
export const HASH_REPORT_EVERY_TICKS = 30;

/**
 * Reports on ticks further back than this (5 s) are dropped unchecked and uncounted: a client decoding a
 * long stall's backlog reports on them honestly, and the hashes are likely no longer kept anyway. It also
 * bounds the checks one burst can ask for (a tenth of this).
 */
const HASH_REPORT_STALE_TICKS = 300;

/** The largest interpolation delay a shot may claim by default (ms): three 20 Hz snapshot intervals. */
export const DEFAULT_MAX_INTERP_DELAY_MS = 150;

/**
 * Slack (ms) on the round-trip bound of a shot's reach. Honest players in the lab reach up to 75 ms past
 * round trip + stated delay + a tick + how early their input came (their clock estimate is off by a
 * few ms, the round trip is the newest sample, and one input's way can take longer than it); 150 covers
 * that twice and still refuses a second's reach on a short one.
 */
export const DEFAULT_RTT_TOLERANCE_MS = 150;

export interface AuthorityOptions<P> {
  sync: GameSync<P>;
  /** Sends the game's own bytes to a player on `phys` (as a sync app frame). */
  sendApp(player: P, bytes: Uint8Array): void;
  /**
   * Server time in ms on the tick timeline: tick k is simulated at k * 1000 / TICK_RATE. Players sync
   * their clocks to it, which is how they know which tick the server is at.
   */
  now(): number;
  /**
   * The next tick the server's loop is due to simulate (default: `world.tick`). After a stall the loop
   * owes ticks it has not run yet while players' inputs, stamped on the real timeline, keep arriving:
   * their lead is judged from this tick, or every honest one would look too far ahead.
   */
  dueTick?(): number;
  arena?: Arena;
  inputBuffer?: InputBufferOptions;
  /**
   * Whether the player is known to be away from the controls (its page is hidden): a tick without its
   * input then brakes its vehicle to a stop at once, instead of repeating its last input for a while
   * (which bridges lost packets) and then coasting.
   */
  idle?(player: P): boolean;
  /**
   * Largest interpolation delay a shot is compensated for (ms, default 150: three 20 Hz intervals). A
   * shot claiming more is judged as if drawn that far back: it is not refused, and reaches no further.
   */
  maxInterpDelayMs?: number;
  /**
   * The largest delay this player's shots may claim, where it depends on the player (e.g. on the
   * snapshot rate it is sent at: an honest client's delay is sized by its snapshot interval). Default:
   * `maxInterpDelayMs` for everyone.
   */
  maxInterpDelayFor?(player: P): number;
  /**
   * The player's measured round trip (ms), undefined while unknown. Given, a shot may reach back no
   * further than one round trip plus its stated delay (and some slack): without it a client that claims
   * no delay at all may still choose any world of the last second to shoot at.
   */
  rttOf?(player: P): number | undefined;
  /** Slack (ms) on that round-trip bound (default DEFAULT_RTT_TOLERANCE_MS). */
  rttToleranceMs?: number;
  /** Reach of a hitscan shot in world units (default 80). */
  shotRange?: number;
  /** A player's decoded state disagreed with the server's: the record replays it. */
  onDesync?(player: P, record: DesyncRecord<LoggedTick, unknown>): void;
  /** A hitscan shot was checked (accepted with its target or not, or refused with a reason). */
  onShot?(player: P, shot: ShotOutcome): void;
  /** A player sent something malformed; it was dropped. */
  onBadInput?(player: P, error: ProtocolError): void;
  /**
   * Runs one tick of the game on `world` with every player's input (default: `stepWorld`, with each
   * fire input's hitscan checked before the step). A game with rules calls its own step here, e.g.
   * `stepGame(world, match, inputs, resolveHitscan)`, and may add inputs of players that are not on the
   * network (server-side bots). `resolveHitscan` answers for networked shooters only, against the world
   * the shooter saw (lag compensation): a refused claim is a miss, reported through `onShot`. Return the
   * inputs the tick was stepped with when they are more than those given (the bots'), so that desync
   * records carry them and replay.
   */
  simulate?(
    world: World,
    inputs: ReadonlyMap<number, VehicleInput>,
    resolveHitscan: HitscanResolver,
  ): ReadonlyMap<number, VehicleInput> | undefined;
  /**
   * Checkpoints for desync records: every this many ticks (default 60; 0: none) the state after the tick
   * is kept (the newest 4), and a mismatch record carries the newest one before its tick, from which its
   * inputs replay. Costs one `checkpointState` a second.
   */
  checkpointEveryTicks?: number;
  /**
   * The state a replay starts from, JSON-safe and not changed later (default: a clone of the world). A
   * game with rules adds their state, e.g. `{ world: cloneWorld(world), match: cloneMatch(match) }`.
   */
  checkpointState?(world: World): unknown;
  /**
   * After each step, once vehicles and rockets are mirrored into the sync table and before snapshots
   * go out: mirror the game's own state (players, pickups, the match) into `sync.world` here.
   */
  afterStep?(world: World): void;
}

/**
 * One tick as desync records log it: the input every vehicle was stepped with, and what the hitscan
 * shots of networked shooters hit as lag compensation resolved them (target vehicle id, or null for a
 * miss or a refused claim). A replay steps the rules with these inputs and answers those shooters from
 * `hits` (anyone else's shots against the world being replayed).
 */
export interface LoggedTick {
  readonly inputs: Readonly<Record<number, VehicleInput>>;
  readonly hits?: Readonly<Record<number, number | null>>;
}

/** What one player did wrong, counted for anti-cheat (counters only grow). */
export interface PlayerCounters {
  /** Inputs the input buffer refused: arrived too late (stale), too far ahead (future), too many (rate). */
  readonly inputs: Readonly<InputRejections>;
  /** Ticks simulated with a repeated input because theirs had not arrived. */
  readonly missedInputs: number;
  /** Hitscan claims refused, by reason. */
  readonly shotsRefused: Readonly<Partial<Record<ShotRefusal, number>>>;
  /** Hitscan claims checked and accepted (hit or miss). */
  readonly shotsAccepted: number;
  /** Of those, claims whose delay was over the player's allowance, judged at the allowance. */
  readonly shotsClamped: number;
  /** Messages on the server link that did not decode. */
  readonly malformed: number;
  /** State hash reports dropped unchecked: more than one per HASH_REPORT_EVERY_TICKS. */
  readonly hashReportsRefused: number;
}

/**
 * Why a shot was refused: `rewind`'s reasons; 'no-view' (fired before the first snapshots); 'late-view',
 * a view further back than judged that the shooter's round trip, stated delay and how late or early its
 * inputs came explain (an honest client whose process stalled: a miss it cannot help).
 */
export type ShotRefusal = RewindRejection | 'no-view' | 'late-view';

/** What a vehicle drives with while its player is known to be away from the controls: it brakes. */
export const IDLE_INPUT: VehicleInput = Object.freeze({ ...NEUTRAL_INPUT, brake: true });

/** Inputs further ahead of the server's timeline than this are refused (the input buffer's default). */
const MAX_LEAD_TICKS = 30;

/** How far back (ms) the gaps between snapshots sent to each player are kept. */
const SNAPSHOT_GAPS_KEPT_MS = 10_000;

/** The server's verdict on a shot. */
export type ShotOutcome =
  | {
      readonly ok: true;
      readonly tick: number;
      readonly target: number | undefined;
      /** Delay (ms) the shot claimed beyond the player's allowance, not compensated (0: none). */
      readonly clampedMs?: number;
    }
  | {
      readonly ok: false;
      readonly tick: number;
      readonly reason: ShotRefusal;
      /**
       * For a view further back than judged ('too-old', 'rewind-too-far'): how much further (ms) it lay than
       * the shooter's round trip (0 while unknown), stated delay, the slack, a tick and how late or early
       * its inputs came explain.
       */
      readonly excessMs?: number;
    };

interface PlayerSlot {
  readonly vehicleId: number;
  readonly buffer: InputBuffer<NetInput>;
  readonly arrivals: InputArrivals;
  badInputs: number;
  /** The tick the last hash report checked was on. */
  hashCheckedTick: number | undefined;
  hashReportsRefused: number;
  shotsAccepted: number;
  shotsClamped: number;
  readonly shotsRefused: Partial<Record<ShotRefusal, number>>;
}

/** A networked player's fire this tick, waiting for the rules to ask about it. */
interface PendingShot<P> {
  readonly player: P;
  readonly view: NetInput['view'];
  /**
   * How much further back (ms) than its round trip the player's frame lay: its inputs were demonstrably
   * that late when this one arrived, or this one arrived that early.
   */
  readonly offsetMs: number;
  /** How early (ms) this input arrived (part of `offsetMs`). */
  readonly earlyMs: number;
}

/**
 * The authoritative simulation of one arena: each tick it takes every player's input for that tick from
 * their input buffer (a missing one repeats the last for a few ticks), checks shots against the world the shooter saw
 * (lag compensation), steps the shared simulation, mirrors it into the sync layer, sends snapshots with
 * each player's input status, and answers clock probes. Transport-agnostic: `P` is whatever identifies
 * a player to the sync layer (a RoomClient in a room, a simulated endpoint in the lab).
 */
export class ArenaAuthority<P> {
  readonly world: World;
  readonly #options: AuthorityOptions<P>;
  readonly #table: WorldTable;
  readonly #players = new Map<P, PlayerSlot>();
  readonly #history: LagHistory<World>;
  readonly #sentGaps = new SnapshotGaps<P>(SNAPSHOT_GAPS_KEPT_MS);
  readonly #desync = new DesyncMonitor<LoggedTick, unknown>({ historyTicks: 600 });
  /** Hits resolved this tick, by shooter, for the desync log (allocated only when someone fired). */
  #hits: Record<number, number | null> | undefined;
  readonly #inputs = new Map<number, VehicleInput>();
  readonly #shots = new Map<number, PendingShot<P>>();
  /** The tick being simulated: what shot views count back from. */
  #inputTick = 0;
  readonly #rttToleranceMs: number;
  readonly #resolveHitscan: HitscanResolver = (shooterId, origin, direction, range) =>
    this.#resolveShot(shooterId, origin, direction, range);

  constructor(options: AuthorityOptions<P>) {
    this.#options = options;
    this.#rttToleranceMs = options.rttToleranceMs ?? DEFAULT_RTT_TOLERANCE_MS;
    this.world = createWorld(options.arena);
    this.#table = new WorldTable(options.sync.world);
    this.#history = new LagHistory<World>({
      tickRate: TICK_RATE,
      maxHistoryMs: 1000,
      maxInterpDelayMs: options.maxInterpDelayMs ?? DEFAULT_MAX_INTERP_DELAY_MS,
      rttToleranceMs: this.#rttToleranceMs,
      // A delay over the allowance is not proof of anything (a stall of the server's, a network it cannot
      // see, stretch an honest client's): its excess is not compensated, and nobody is punished for it.
      overDelay: 'clamp',
      interpolate: lerpWorld,
    });
  }

  /**
   * Seats a player: gives them a vehicle at the clearest spawn point and returns its id: `vehicleId` when
   * given (the game keeps ids of players whose vehicle is gone for a while, e.g. wrecked), else the
   * lowest id without a vehicle. A vehicle already in the world under that id is kept.
   */
  join(player: P, vehicleId?: number): number {
    const existing = this.#players.get(player);
    if (existing) return existing.vehicleId;
    let id = vehicleId ?? 0;
    if (vehicleId === undefined) while (findVehicle(this.world, id) !== undefined) id++;
    if (findVehicle(this.world, id) === undefined) addVehicle(this.world, id);
    this.#players.set(player, {
      vehicleId: id,
      buffer: new InputBuffer<NetInput>({ maxLeadTicks: MAX_LEAD_TICKS, ...this.#options.inputBuffer }),
      arrivals: new InputArrivals(this.#options.inputBuffer?.maxLeadTicks ?? MAX_LEAD_TICKS),
      badInputs: 0,
      hashCheckedTick: undefined,
      hashReportsRefused: 0,
      shotsAccepted: 0,
      shotsClamped: 0,
      shotsRefused: {},
    });
    this.#table.update(this.world);
    return id;
  }

  leave(player: P): void {
    const slot = this.#players.get(player);
    if (!slot) return;
    this.#players.delete(player);
    this.#sentGaps.forget(player);
    removeVehicle(this.world, slot.vehicleId);
    this.#table.update(this.world);
  }

  vehicleOf(player: P): number | undefined {
    return this.#players.get(player)?.vehicleId;
  }

  /** The sync table id of a vehicle, for tests and tools that compare with what players decode. */
  vehicleEntity(vehicleId: number): number | undefined {
    return this.#table.vehicleEntity(vehicleId);
  }

  /** A player's input buffer, for its margin and rejection counts. */
  inputsOf(player: P): InputBuffer<NetInput> | undefined {
    return this.#players.get(player)?.buffer;
  }

  /** What a player did wrong so far, for anti-cheat. */
  countersOf(player: P): PlayerCounters | undefined {
    const slot = this.#players.get(player);
    if (!slot) return undefined;
    return {
      inputs: slot.buffer.rejected,
      missedInputs: slot.buffer.missed,
      shotsRefused: { ...slot.shotsRefused },
      shotsAccepted: slot.shotsAccepted,
      shotsClamped: slot.shotsClamped,
      malformed: slot.badInputs,
      hashReportsRefused: slot.hashReportsRefused,
    };
  }

  /**
   * The longest gap (ms) between two snapshots sent to `player` in the last `windowMs` of ticks (0 if it
   * was sent fewer than two): the longest interval its adaptive delay can have measured.
   */
  longestSnapshotGapMs(player: P, windowMs: number): number {
    return this.#sentGaps.longestMs(player, this.world.tick - Math.ceil(windowMs / (1000 / TICK_RATE)));
  }

  /** A vehicle as the server had it after `tick` (within the last second of history), if it existed. */
  vehicleAt(tick: number, vehicleId: number): Vehicle | undefined {
    const world = this.#history.at(tick);
    return world === undefined ? undefined : findVehicle(world, vehicleId);
  }

  /**
   * The ids of every vehicle in the history (the last second): shots drawn in that past are judged
   * against these cars, a car that has left included, and a hit names its id. Give none of them to a
   * new player, or it takes the hits aimed at a car that is gone, wherever it is.
   */
  historyVehicleIds(): Set<number> {
    const ids = new Set<number>();
    for (let tick = this.world.tick - TICK_RATE; tick <= this.world.tick; tick++) {
      for (const vehicle of this.#history.at(tick)?.vehicles ?? []) ids.add(vehicle.id);
    }
    return ids;
  }

  /** Every message a player sends on its server link goes through here; nothing a player sends throws. */
  receive(player: P, channel: Channel, bytes: Uint8Array): void {
    const slot = this.#players.get(player);
    if (!slot || channel !== Channel.phys) return;
    const payload = this.#options.sync.receive(player, channel, bytes);
    if (payload === undefined || payload.length === 0) return;
    let message: GameMessage;
    try {
      message = decodeGameMessage(payload, 'player');
    } catch (error) {
      slot.badInputs++;
      const fault =
        error instanceof ProtocolError ? error : new ProtocolError(ErrorCode.BAD_FRAME, String(error));
      this.#options.onBadInput?.(player, fault);
      return;
    }
    const dueTick = Math.max(this.world.tick, this.#options.dueTick?.() ?? 0);
    if (message.type === 'input') {
      slot.buffer.receive(message.packet, dueTick);
      slot.arrivals.note(message.packet.firstTick, message.packet.inputs.length, dueTick);
    } else if (message.type === 'clock-probe') {
      const now = this.#options.now();
      this.#options.sendApp(player, encodeClockReply(message.sentAt, now, now));
    } else if (message.type === 'hash') {
      // Checking a report costs a lookup and, on a mismatch, a record of 120 inputs: a player gets one
      // checked per half second of the ticks reported on (honest ones report on every 60th), the rest are
      // dropped and counted, as are reports on ticks not simulated yet. Judged by the reports' ticks, not
      // by when they come: a stall of the player's (decoding its backlog at once) or of the server's
      // (reading its socket at once) brings honest reports together.
      if (message.tick < dueTick - HASH_REPORT_STALE_TICKS) return;
      const checked = slot.hashCheckedTick;
      if (
        message.tick > dueTick ||
        (checked !== undefined && message.tick - checked < HASH_REPORT_EVERY_TICKS)
      ) {
        slot.hashReportsRefused++;
        return;
      }
      slot.hashCheckedTick = message.tick;
      const check = this.#desync.check(message.tick, message.hash);
      if (check.status === 'mismatch') this.#options.onDesync?.(player, check.record);
    }
  }

  /**
   * Moves the timeline on by `ticks` without simulating them, for a loop that dropped them after a long
   * stall: the world stands still for those ticks, and tick k stays at server time k * 1000 / TICK_RATE,
   * which every player's clock and tick follow (dropped time would otherwise put every player that far
   * ahead of the server, its inputs refused as from the future until its clock slewed back).
   */
  skip(ticks: number): void {
    if (!(ticks > 0) || !Number.isSafeInteger(ticks)) return;
    const world = this.world;
    const from = world.tick;
    world.tick += ticks;
    // The world the players saw before the stall is the world of every skipped tick: shots aimed at it
    // still check against it.
    const still = cloneWorld(world);
    for (let tick = Math.max(from + 1, world.tick - TICK_RATE); tick <= world.tick; tick++) {
      this.#history.record(tick, still);
    }
  }

  /** Simulates one tick, then sends due snapshots and input status. */
  step(): void {
    const world = this.world;
    const tick = world.tick;
    const simulate = this.#options.simulate;
    this.#inputs.clear();
    this.#shots.clear();
    this.#hits = undefined;
    this.#inputTick = tick;
    for (const [player, slot] of this.#players) {
      const missedBefore = slot.buffer.missed;
      const net = slot.buffer.take(tick);
      const earlyTicks = slot.arrivals.take(tick);
      const missing = slot.buffer.missed > missedBefore;
      // A missing input is repeated for a few ticks to keep the car moving (then it coasts: `net` is
      // undefined), but a guess never pulls a trigger, and a player known to be away gets no guess.
      let input = missing && this.#options.idle?.(player) ? IDLE_INPUT : (net?.input ?? NEUTRAL_INPUT);
      if (missing && (input.fire || input.altFire)) {
        input = { ...input, fire: false, altFire: false };
      }
      this.#inputs.set(slot.vehicleId, input);
      if (!input.fire) continue;
      // A shot that came with inputs late by a stall of the player's (its process, its network) was aimed
      // at the frame it showed meanwhile, that much older: it may reach back that much further. So may one
      // whose input came early: the player drew its frame that much before the tick it fired for.
      const earlyMs = earlyTicks * TICK_MS;
      const offsetMs = slot.buffer.lateTicks * TICK_MS + earlyMs;
      if (simulate) this.#shots.set(slot.vehicleId, { player, view: net?.view, offsetMs, earlyMs });
      else
        this.#reportShot(
          player,
          slot,
          this.checkShot(
            slot.vehicleId,
            tick,
            net?.view,
            this.#delayCapOf(player),
            this.#rttOf(player),
            offsetMs,
            earlyMs,
          ),
        );
    }
    const stepped = simulate
      ? (simulate(world, this.#inputs, this.#resolveHitscan) ?? this.#inputs)
      : this.#inputs;
    if (!simulate) stepWorld(world, this.#inputs);
    this.#table.update(world);
    this.#options.afterStep?.(world);
    this.#history.record(world.tick, cloneWorld(world));
    const frame = this.#options.sync.world.frame(world.tick);
    const inputs: Record<number, VehicleInput> = {};
    for (const [vehicleId, input] of stepped) inputs[vehicleId] = input;
    const logged: LoggedTick = this.#hits === undefined ? { inputs } : { inputs, hits: this.#hits };
    this.#desync.record(world.tick, hashSyncedEntities(entries(frame.entities)), logged);
    const every = this.#options.checkpointEveryTicks ?? 60;
    if (every > 0 && world.tick % every === 0) {
      this.#desync.checkpoint(world.tick, this.#options.checkpointState?.(world) ?? cloneWorld(world));
    }
    for (const player of this.#options.sync.flush(world.tick)) {
      const slot = this.#players.get(player);
      if (!slot) continue;
      this.#sentGaps.sent(player, world.tick);
      this.#options.sendApp(
        player,
        encodeStatus({
          consumedTick: slot.buffer.lastConsumedTick,
          margin: slot.buffer.margin,
          serverTick: world.tick,
          vehicleId: slot.vehicleId,
        }),
      );
    }
  }

  /**
   * The rules ask what a networked player's shot hit: the first vehicle on the ray in the world the
   * shooter saw (`view`), unless a wall is nearer. A refused view is a miss.
   */
  #resolveShot(shooterId: number, origin: Point, direction: Point, range: number): number | null {
    const shot = this.#shots.get(shooterId);
    if (!shot) return null;
    const slot = this.#players.get(shot.player);
    let outcome: ShotOutcome;
    const tick = this.#inputTick;
    if (shot.view === undefined) outcome = { ok: false, tick, reason: 'no-view' };
    else {
      const claim = {
        tick: tick - shot.view.ticksBack,
        fraction: shot.view.fraction,
        interpDelayMs: shot.view.interpDelayMs,
      };
      const rtt = this.#rttOf(shot.player);
      const rewound = this.#history.rewind(claim, rtt, this.#delayCapOf(shot.player), shot.offsetMs);
      if (!rewound.ok) {
        const explainedMs = shot.offsetMs + shot.earlyMs;
        outcome = { ok: false, tick, ...this.#refusal(rewound.reason, claim, rtt, explainedMs) };
      } else {
        const hit = raycastVehicles(rewound.world, origin, direction, range, shooterId);
        const wall = hit === null ? null : raycastWalls(this.world, origin, direction, range);
        const blocked = hit !== null && wall !== null && wall < hit.distance;
        const target = hit === null || blocked ? undefined : hit.vehicleId;
        outcome = { ok: true, tick, target, ...clamped(rewound.clampedMs ?? 0) };
      }
    }
    if (slot) this.#reportShot(shot.player, slot, outcome);
    const target = outcome.ok ? (outcome.target ?? null) : null;
    this.#hits ??= {};
    this.#hits[shooterId] = target;
    return target;
  }

  #reportShot(player: P, slot: PlayerSlot, outcome: ShotOutcome): void {
    if (outcome.ok) {
      slot.shotsAccepted++;
      if ((outcome.clampedMs ?? 0) > 0) slot.shotsClamped++;
    } else slot.shotsRefused[outcome.reason] = (slot.shotsRefused[outcome.reason] ?? 0) + 1;
    this.#options.onShot?.(player, outcome);
  }

  /** The largest delay `player`'s shots may claim, when it is the player's own (undefined: the default). */
  #delayCapOf(player: P): number | undefined {
    return this.#options.maxInterpDelayFor?.(player);
  }

  /**
   * `rewind`'s refusal of `claim`, or 'late-view' for a reach (past the history, or further than judged)
   * that the shooter's round trip, stated delay, the slack and `explainedMs` account for: how late its
   * inputs were, and twice how early this one came. A client whose process stalls for less than its lead
   * sends its next inputs in time all the same, so the server sees no lateness, yet fires at the frame
   * drawn before the stall: up to that lead older. Such a shot is a miss (not judged), but no forged
   * reach of a cheat's, and is not held against the player. A reach they do not account for comes with
   * its excess over them (for the game to weigh against a stall of its server's own).
   */
  #refusal(
    reason: RewindRejection,
    claim: ShotClaim,
    rttMs: number | undefined,
    explainedMs: number,
  ): { reason: ShotRefusal; excessMs?: number } {
    const newest = this.#history.newestTick;
    if ((reason !== 'too-old' && reason !== 'rewind-too-far') || newest === undefined) return { reason };
    const reachMs = (newest - claim.tick - (claim.fraction ?? 0)) * TICK_MS;
    const explained = (rttMs ?? 0) + claim.interpDelayMs + this.#rttToleranceMs + TICK_MS + explainedMs;
    if (rttMs !== undefined && reachMs <= explained) return { reason: 'late-view' };
    return { reason, excessMs: Math.max(0, reachMs - explained) };
  }

  /** The player's round trip, when measured (a non-finite or negative one counts as unknown). */
  #rttOf(player: P): number | undefined {
    const rtt = this.#options.rttOf?.(player);
    return rtt !== undefined && Number.isFinite(rtt) && rtt >= 0 ? rtt : undefined;
  }

  /**
   * Lag compensation: the shooter fires along its heading from where it is now (its input reached the
   * server on time), at the other vehicles where the shooter saw them, `view.ticksBack` ticks before the
   * input's tick. Refused when the view is older than the history, in the future, or (given the
   * shooter's round trip) reaches back further than the round trip, the delay and `offsetMs` (how late the
   * shooter's inputs demonstrably were when this one came, `InputBuffer.lateTicks`, or how early this one
   * came, `InputArrivals`) explain; a delay over the allowance is judged at the allowance.
   */
  checkShot(
    vehicleId: number,
    inputTick: number,
    view: NetInput['view'],
    maxInterpDelayMs?: number,
    shooterRttMs?: number,
    offsetMs = 0,
    earlyMs = 0,
  ): ShotOutcome {
    if (view === undefined) return { ok: false, tick: inputTick, reason: 'no-view' };
    const shooter = findVehicle(this.world, vehicleId);
    if (!shooter) return { ok: false, tick: inputTick, reason: 'invalid' };
    // The world after tick k is what a player draws at server time k * TICK_MS.
    const claim = {
      tick: inputTick - view.ticksBack,
      fraction: view.fraction,
      interpDelayMs: view.interpDelayMs,
    };
    const rewound = this.#history.rewind(claim, shooterRttMs, maxInterpDelayMs, offsetMs);
    if (!rewound.ok) {
      return {
        ok: false,
        tick: inputTick,
        ...this.#refusal(rewound.reason, claim, shooterRttMs, offsetMs + earlyMs),
      };
    }
    const hit = raycastVehicles(
      rewound.world,
      { x: shooter.x, y: shooter.y },
      { x: cos(shooter.angle), y: sin(shooter.angle) },
      this.#options.shotRange ?? 80,
      vehicleId,
    );
    return { ok: true, tick: inputTick, target: hit?.vehicleId, ...clamped(rewound.clampedMs ?? 0) };
  }
}

/** The outcome's `clampedMs`, only where a delay was clamped. */
function clamped(clampedMs: number): { clampedMs?: number } {
  return clampedMs > 0 ? { clampedMs } : {};
}

function* entries<V>(
  map: ReadonlyMap<number, { readonly codes: V }>,
): IterableIterator<readonly [number, V]> {
  for (const [id, record] of map) yield [id, record.codes];
}
