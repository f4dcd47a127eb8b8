import {
  type AdaptiveLinkFacts,
  addressBlock,
  ErrorCode,
  type LeaveReason,
  MessageBudget,
  Room,
  type RoomClient,
  RoomError,
  RoomSync,
} from 'vehikill-net/server';
import { codesToState, type EntityRecord, encodeAppFrame, Tier } from 'vehikill-net/sync';
import { Channel } from 'vehikill-net/transport';
import { TICK_MS } from '../net/protocol/timeline.js';
import { ArenaAuthority, type PlayerCounters, type ShotOutcome } from '../net/server/authority.js';
import { delayCapByRecentRates } from '../net/server/delay-allowance.js';
import { measuredRttMs } from '../net/server/measured-rtt.js';
import { ServerLoop } from '../net/server/server-loop.js';
import {
  type AntiCheatKind,
  CHAT_BUDGET,
  CHAT_HISTORY,
  type ChatLine,
  type ChatRefusal,
  chatSchema,
  GAME_ENTITY_TYPES,
  type MatchNotice,
  peerReportSchema,
  type RoomState,
  type RosterEntry,
  type Standing,
} from '../protocol/index.js';
import {
  addPlayer,
  cloneMatch,
  cloneWorld,
  createMatch,
  findPlayer,
  findVehicle,
  freeVehicleId,
  hitscanOnWorld,
  type KillFeedEntry,
  type MatchOptions,
  type MatchState,
  PickupEntity,
  RocketEntity,
  type RuleEvent,
  removePlayer,
  skipMatchTicks,
  stepGame,
  TICK_RATE,
  VehicleEntity,
  type VehicleInput,
  type World,
} from '../sim/index.js';
import { ANTI_CHEAT_KINDS, AntiCheat } from './anti-cheat.js';
import { BotAllowance } from './bot-allowance.js';
import { parseCreateOptions } from './create-options.js';
import { DesyncLog } from './desync-log.js';
import { IdleCars } from './idle-cars.js';
import { MatchBans } from './match-bans.js';
import { MatchTable } from './match-table.js';
import { PeerReports } from './peer-reports.js';
import { ROOM_DEFAULTS, roomConfigProblem, type VehikillRoomConfig } from './room-config.js';
import { ServerBots } from './server-bots.js';
import { StallExcuse } from './stall-excuse.js';
import { TickTimes } from './tick-times.js';

/** Counters a player's anti-cheat checks compare against, from the last check. */
interface Seen {
  rate: number;
  future: number;
  claims: number;
  malformed: number;
  rejectedFires: number;
  hashes: number;
}

/** One player's anti-cheat record, for operators and tests. */
export interface PlayerAntiCheat {
  readonly playerId: string;
  readonly name: string;
  readonly violations: Readonly<Record<AntiCheatKind, number>>;
  readonly counters: PlayerCounters | undefined;
}

/** A player the anti-cheat kicked. */
export interface AntiCheatKick {
  readonly playerId: string;
  readonly name: string;
  readonly kind: AntiCheatKind;
  /** Violations of that kind within the window when kicked. */
  readonly count: number;
  /** Everything the player had committed by then, by kind. */
  readonly violations: Readonly<Record<AntiCheatKind, number>>;
}

/** What a player over their chat budget is told, in the refusal of each line over it (`say`'s request). */
const CHAT_REFUSED: Omit<ChatRefusal, 'kind'> = {
  code: 'RATE_LIMITED',
  message: `too many chat lines: ${CHAT_BUDGET.burst} at once, then one a second (long lines go slower)`,
};

/**
 * The roster goes to the members at most this often (ms); changes within go together at the end. A
 * player leaving and rejoining in a loop (30 times a second within the connection's rate) otherwise had
 * the room broadcast it 60 times a second to every member.
 */
const ROSTER_EVERY_MS = 250;

/** Anti-cheat checks run every this many ticks (6: ten times a second). */
const CHECK_EVERY_TICKS = 6;
/** A warning of one kind goes to its offender at most this often (ms). */
const WARN_EVERY_MS = 1_000;

/**
 * Vehikill's authoritative room: runs the simulation and the rules at 60 Hz on a drift-free fixed-step
 * loop, takes every player's inputs on their server link, judges shots with lag compensation and
 * everything else with the rules, and sends each player delta snapshots (near action first, their own
 * car and scoreboard line always). Room messages carry the roster, kills, the match's phases and chat.
 * Anti-cheat counts what honest clients never do (see anti-cheat.ts) and kicks past the limits.
 * Quick Play rooms are topped up with server-side bots, who leave as humans join.
 * Configure a server's rooms with `vehikillRoom(config)`; this class uses the defaults.
 */
export class VehikillRoom extends Room {
  /** The server's configuration of its rooms (`vehikillRoom(config)` makes a subclass with its own). */
  static config: VehikillRoomConfig = {};
  /** The server bots each address's rooms run, shared by the rooms of this class (see maxBotsPerAddress). */
  static botAllowance = new BotAllowance<VehikillRoom>();

  sync!: RoomSync;
  authority!: ArenaAuthority<RoomClient>;
  readonly tickTimes = new TickTimes();
  /** Players the anti-cheat kicked, oldest first (the newest 100). */
  readonly kicks: AntiCheatKick[] = [];
  readonly #roster = new Map<string, RosterEntry>();
  readonly #clients = new Map<string, RoomClient>();
  readonly #chat: ChatLine[] = [];
  /**
   * What each player may still say (CHAT_BUDGET): over it, a line goes to no one. Made in onCreate with
   * the room's clock, whose stalls of the server it credits from then on.
   */
  #chatBudget!: MessageBudget;
  readonly #seen = new Map<RoomClient, Seen>();
  readonly #lastWarned = new Map<string, number>();
  readonly #desyncLog = desyncLogOf(this.constructor);
  readonly #spawnedAt = new Map<number, number>();
  readonly #positions = new WeakMap<object, { x: number; y: number }>();
  /** Who was kicked during this match: refused until the next one starts. */
  readonly #bans = new MatchBans();
  #config!: Required<Omit<VehikillRoomConfig, 'antiCheat' | 'match' | 'maxBotsPerAddress' | 'metrics'>> &
    VehikillRoomConfig;
  #matchOptions!: MatchOptions;
  #match!: MatchState;
  #matchNumber = 1;
  #nextMatchAtTick: number | undefined;
  /**
   * The match as it ended, until the next one: the end screen's winners and standings. Kept, not read off
   * the match, which players leave and join during the pause.
   */
  #final: { readonly winners: readonly number[]; readonly standings: readonly Standing[] } | undefined;
  #table!: MatchTable;
  #bots!: ServerBots;
  /** Which players' cars are parked: the room's bots leave them alone, and every client is told. */
  readonly #idleCars = new IdleCars();
  readonly #parked = (vehicleId: number): boolean => this.#idleCars.idle(vehicleId);
  #botTarget = 0;
  #antiCheat!: AntiCheat<RoomClient>;
  /** What stalls of this server's own explain of its players' refusals (see stall-excuse.ts). */
  readonly #stallExcuse = new StallExcuse<RoomClient>();
  /** Each player's shot claims refused since the last check that a stall of the server's explains. */
  readonly #stallExplainedClaims = new Map<RoomClient, number>();
  #reports!: PeerReports<RoomClient>;
  /**
   * Catches up to a second of ticks after a stall and skips the rest, never dropping them from the count:
   * dropped time would move the server's timeline behind every client's clock estimate, and their inputs
   * would arrive 'from the future' until they resynced. The match clock runs through skipped ticks too.
   */
  readonly #loop = new ServerLoop({
    tick: () => this.authority.world.tick,
    skip: (ticks) => this.#skip(ticks),
    onStall: (ticks, nowMs) => this.#stallExcuse.stalled(ticks, nowMs),
  });
  #cancelTimer: (() => void) | undefined;
  #rosterSentAt = Number.NEGATIVE_INFINITY;
  /** The roster broadcast waiting for the end of ROSTER_EVERY_MS: it carries every change made meanwhile. */
  #rosterDue = false;
  #disposed = false;
  #desyncs = 0;

  override onCreate(options: unknown): void {
    this.#chatBudget = new MessageBudget(CHAT_BUDGET, this.clock);
    const config = (this.constructor as typeof VehikillRoom).config;
    const created = parseCreateOptions(options);
    this.#config = { ...ROOM_DEFAULTS, botSeed: 1, ...config };
    const matchSeconds =
      created.matchMinutes !== undefined ? Math.round(created.matchMinutes * 60) : this.#config.matchSeconds;
    this.#matchOptions = {
      ...config.match,
      matchSeconds,
      warmupSeconds: this.#config.warmupSeconds,
    };
    this.#botTarget = this.#allowedBots(created.bots, created.quickPlay ? this.#config.quickPlayBots : 0);
    this.setMaxClients(created.maxPlayers ?? this.#config.maxPlayers);
    if (created.relayOnly) this.setPeerPrivacy('relay-only');
    this.setMetadata({ bots: this.#botTarget, matchSeconds });
    this.#antiCheat = new AntiCheat(config.antiCheat);
    // Witnesses count by address: sessions are free, so one person's two tabs must not be two witnesses.
    this.#reports = new PeerReports<RoomClient>({
      windowMs: this.#antiCheat.limits.windowMs,
      sourceOf: (client) => addressBlock(client.address),
    });
    this.#bots = new ServerBots(this.#config.botSeed);
    this.sync = new RoomSync(this, {
      types: GAME_ENTITY_TYPES,
      rateHz: this.#config.snapshotHz,
      budgetBytes: this.#config.budgetBytes,
      priority: (client, _id, entity) => this.#priority(client, entity),
      tier: (client, id, entity) => this.#tier(client, id, entity),
      // Each player's rate and budget follow their link's quality and device (a hidden page gets 5 Hz).
      adaptive: true,
      ...(this.#config.metrics ? { metrics: this.#config.metrics } : {}),
    });
    this.authority = new ArenaAuthority<RoomClient>({
      sync: this.sync,
      sendApp: (client, bytes) => client.link.send(Channel.phys, encodeAppFrame(bytes)),
      // A player whose machine stalls catches up with a burst of ticks: up to 20 (a third of a second)
      // are taken beyond the tick rate. A speed hack runs past that every tick; a burst, by dozens.
      inputBuffer: { rateAllowance: 20 },
      // A hidden page sends no inputs (its loop idles) and says so in its device report: its car brakes
      // rather than driving on with the keys held when the player switched tabs.
      idle: (client) => {
        const link: AdaptiveLinkFacts = client.link;
        return link.device?.hidden === true;
      },
      // A player sent fewer snapshots (a poor link, a hidden page, this server stalling under load)
      // honestly interpolates further back: its shots are compensated for up to three of the longest
      // intervals it was really sent at lately (capped), and a claim beyond that judged at the allowance.
      maxInterpDelayFor: delayCapByRecentRates(
        this.sync,
        () => this.clock.now(),
        undefined,
        (client, windowMs) => this.authority.longestSnapshotGapMs(client, windowMs),
      ),
      // A shot reaches back at most a round trip plus its delay: the WebSocket's heartbeats and the server
      // link's keepalives both measure it.
      rttOf: (client) => measuredRttMs(client.rttMs, client.link.stats().rttMs),
      onShot: (client, shot) => this.#onShot(client, shot),
      now: () => this.#loop.serverTime(this.clock.now()),
      dueTick: () => this.#loop.dueTick(this.clock.now()),
      simulate: (world, inputs, resolveHitscan) => this.#simulate(world, inputs, resolveHitscan),
      // Desync records replay from the rules' state as well as the world's.
      checkpointState: (world) => ({ world: cloneWorld(world), match: cloneMatch(this.#match) }),
      afterStep: () => this.#table.update(this.#match),
      onDesync: (client, record) => {
        this.#desyncs++;
        this.count('desyncs_total');
        // The record replays offline: its inputs from the newest checkpoint lead to both hashes.
        this.#desyncLog.add(
          client.playerId,
          addressBlock(client.address),
          `${client.name} (${client.playerId})`,
          record,
          this.clock.now(),
        );
      },
    });
    this.#match = createMatch(this.#matchOptions, this.authority.world.tick);
    this.#table = new MatchTable(this.sync.world, this.#parked);
    this.#table.update(this.#match);
    this.#topUpBots();

    this.onMessage('chat', chatSchema, (client, { text }) => {
      const verdict = this.#chatBudget.admitNow(client.playerId, Buffer.byteLength(text));
      if (verdict !== 'pass') {
        this.count('room_messages_refused_total', { type: 'chat' });
        // The answer to the line's request: its sender learns the fate of each line, not of one a second.
        throw new RoomError(CHAT_REFUSED.code, CHAT_REFUSED.message);
      }
      const line: ChatLine = { from: client.playerId, name: client.name, text, at: this.clock.now() };
      this.#chat.push(line);
      if (this.#chat.length > CHAT_HISTORY) this.#chat.shift();
      this.broadcast('chat', line);
    });
    this.onMessage('report', peerReportSchema, (client, report) => {
      const accused = this.#clients.get(report.accused);
      const entry = this.#roster.get(report.accused);
      if (!accused || !entry || accused === client) return;
      this.#reports.add({
        reporter: client,
        accused,
        vehicleId: entry.vehicleId,
        tick: report.tick,
        x: report.x,
        y: report.y,
      });
    });

    // Last: a throw above leaves nothing held (onDispose releases what is).
    const address = this.creatorAddress;
    if (address !== undefined) this.#botAllowance().hold(this, address, this.#botTarget);
    this.#loop.start(this.clock.now());
    this.#schedule();
  }

  override onJoin(client: RoomClient): void {
    // Thrown, the refusal goes to the player as JOIN_REJECTED with its message.
    const refusal = this.#bans.refusal(client.userId, addressBlock(client.address));
    if (refusal !== undefined) throw new Error(refusal);
    const vehicleId = this.#freeVehicleId();
    this.authority.join(client, vehicleId);
    addPlayer(this.#match, this.authority.world, vehicleId);
    this.#spawnedAt.set(vehicleId, this.authority.world.tick);
    this.#clients.set(client.playerId, client);
    this.#seen.set(client, { rate: 0, future: 0, claims: 0, malformed: 0, rejectedFires: 0, hashes: 0 });
    this.#table.update(this.#match);
    this.#roster.set(client.playerId, {
      playerId: client.playerId,
      name: client.name,
      vehicleId,
      playerEntity: this.#table.playerEntity(vehicleId) as number,
      bot: false,
    });
    this.#topUpBots();
    this.#broadcastRoster();
  }

  override onLeave(client: RoomClient, reason: LeaveReason): void {
    // By the anti-cheat, or by the server's operator: either way out for the rest of the match.
    if (reason === ErrorCode.KICKED) this.#bans.add(client.userId, addressBlock(client.address));
    const entry = this.#roster.get(client.playerId);
    this.authority.leave(client);
    if (entry) removePlayer(this.#match, this.authority.world, entry.vehicleId);
    this.#roster.delete(client.playerId);
    this.#clients.delete(client.playerId);
    this.#seen.delete(client);
    this.#antiCheat.forget(client);
    this.#stallExcuse.forget(client);
    this.#stallExplainedClaims.delete(client);
    this.#reports.forget(client);
    // Keyed by player and kind: a room that runs for days sees thousands of players come and go.
    for (const kind of ANTI_CHEAT_KINDS) this.#lastWarned.delete(`${client.playerId}:${kind}`);
    this.#table.update(this.#match);
    this.#topUpBots();
    this.#broadcastRoster();
  }

  override onResume(client: RoomClient, info: { resync: boolean }): void {
    if (info.resync) this.sync.resync(client);
  }

  override stateFor(_client: RoomClient): RoomState {
    return {
      roster: [...this.#roster.values()],
      match: this.#matchNotice(),
      killFeed: this.#match.killFeed.map((entry) => ({ ...entry })),
      chat: [...this.#chat],
      reloadHoldMs: this.#config.reloadHoldSeconds * 1_000,
    };
  }

  override onLinkMessage(client: RoomClient, channel: Channel, bytes: Uint8Array): void {
    this.authority.receive(client, channel, bytes);
  }

  override onDispose(): void {
    this.#disposed = true;
    this.#cancelTimer?.();
    this.#botAllowance().release(this);
  }

  /** The rules' state of the current match (read only). */
  get match(): Readonly<MatchState> {
    return this.#match;
  }

  get roster(): readonly RosterEntry[] {
    return [...this.#roster.values()];
  }

  get matchNumber(): number {
    return this.#matchNumber;
  }

  /** Hash reports that disagreed with the server's state (a client bug, never an honest network). */
  get desyncs(): number {
    return this.#desyncs;
  }

  get peerReportStats(): Readonly<PeerReports<RoomClient>['stats']> {
    return { ...this.#reports.stats };
  }

  /** Every member's violations by kind and the authority's raw counters. */
  antiCheatReport(): PlayerAntiCheat[] {
    return this.clients.map((client) => ({
      playerId: client.playerId,
      name: client.name,
      violations: this.#antiCheat.totals(client),
      counters: this.authority.countersOf(client),
    }));
  }

  #schedule(): void {
    if (this.#disposed) return;
    const now = this.clock.now();
    const wait = Math.max(1, (1 - this.#loop.alpha(now)) * TICK_MS);
    this.#cancelTimer = this.clock.setTimeout(() => this.#onTimer(), wait);
  }

  #onTimer(): void {
    if (this.#disposed) return;
    const due = this.#loop.advance(this.clock.now());
    for (let index = 0; index < due; index++) {
      const started = performance.now();
      this.#tick();
      const took = performance.now() - started;
      this.tickTimes.add(took);
      this.reportTick(took);
    }
    this.#schedule();
  }

  /** Ticks past the catch-up after a stall: the world stands still for them, the match's time runs. */
  #skip(ticks: number): void {
    this.authority.skip(ticks);
    for (const event of skipMatchTicks(this.#match, this.authority.world, ticks)) this.#onRuleEvent(event);
    this.#table.update(this.#match);
  }

  #tick(): void {
    const world = this.authority.world;
    if (this.#nextMatchAtTick !== undefined && world.tick >= this.#nextMatchAtTick) this.#newMatch();
    this.authority.step();
    if (world.tick % CHECK_EVERY_TICKS === 0) this.#checkPlayers();
  }

  #simulate(
    world: World,
    inputs: ReadonlyMap<number, VehicleInput>,
    resolveHitscan: (
      shooter: number,
      origin: { x: number; y: number },
      direction: { x: number; y: number },
      range: number,
    ) => number | null,
  ): ReadonlyMap<number, VehicleInput> {
    const all = new Map(inputs);
    this.#idleCars.note(world.tick, inputs);
    for (const [id, input] of this.#bots.inputs(world, this.#match, this.#parked)) all.set(id, input);
    const truth = hitscanOnWorld(world);
    const events = stepGame(world, this.#match, all, (shooter, origin, direction, range) =>
      this.#bots.has(shooter)
        ? truth(shooter, origin, direction, range)
        : resolveHitscan(shooter, origin, direction, range),
    );
    for (const event of events) this.#onRuleEvent(event);
    return all;
  }

  #onRuleEvent(event: RuleEvent): void {
    if (event.type === 'kill') {
      const entry: KillFeedEntry = {
        tick: this.#match.tick,
        killer: event.killer,
        victim: event.victim,
        weapon: event.weapon,
      };
      this.broadcast('kill', entry);
    } else if (event.type === 'respawn') {
      this.#spawnedAt.set(event.player, this.#match.tick);
    } else if (event.type === 'match-started') {
      this.broadcast('match', this.#matchNotice());
    } else if (event.type === 'match-ended') {
      this.#nextMatchAtTick = this.#match.tick + Math.round(this.#config.pauseSeconds * TICK_RATE);
      this.#final = {
        winners: [...this.#match.winners],
        standings: this.#match.players.map((player) => ({
          vehicleId: player.id,
          kills: player.kills,
          deaths: player.deaths,
          score: player.score,
        })),
      };
      // The final scoreboard goes out in the same tick's snapshots; the notice carries it too.
      this.#table.update(this.#match);
      this.broadcast('match', this.#matchNotice());
    }
  }

  #newMatch(): void {
    const world = this.authority.world;
    const previous = this.#match;
    this.#match = createMatch(this.#matchOptions, world.tick);
    this.#matchNumber++;
    this.#nextMatchAtTick = undefined;
    this.#final = undefined;
    this.#bans.clear();
    for (const player of previous.players) {
      addPlayer(this.#match, world, player.id);
      this.#spawnedAt.set(player.id, world.tick);
    }
    for (const seen of this.#seen.values()) seen.rejectedFires = 0;
    this.#table.update(this.#match);
    this.broadcast('match', this.#matchNotice());
  }

  #matchNotice(): MatchNotice {
    const match = this.#match;
    const final = match.phase === 'ended' ? this.#final : undefined;
    return {
      match: this.#matchNumber,
      phase: match.phase,
      winners: final ? [...final.winners] : [],
      standings: final ? final.standings.map((line) => ({ ...line })) : [],
      ...(final && this.#nextMatchAtTick !== undefined
        ? { nextMatchInMs: Math.max(0, (this.#nextMatchAtTick - match.tick) * TICK_MS) }
        : {}),
      matchEntity: this.#table.matchEntity,
    };
  }

  /** Compares each player's counters with the last check; every new refusal is a violation. */
  #checkPlayers(): void {
    const now = this.clock.now();
    for (const client of [...this.clients]) {
      const counters = this.authority.countersOf(client);
      const seen = this.#seen.get(client);
      const entry = this.#roster.get(client.playerId);
      if (!counters || !seen || !entry) continue;
      let claims = 0;
      for (const [reason, count] of Object.entries(counters.shotsRefused)) {
        // A shot fired before the first two snapshots honestly has no view, and one a stalled client aimed
        // at a frame older than the history (its lateness explains it) cannot be judged: misses, not
        // violations.
        if (reason !== 'no-view' && reason !== 'late-view') claims += count ?? 0;
      }
      const rejectedFires = findPlayer(this.#match, entry.vehicleId)?.rejectedFires ?? 0;
      // Of the refusals a stall of this server's may bring on (a burst of inputs read at once, a view
      // its stall kept on screen), what the stall explains is not held against the player; the rest is.
      const excuse = this.#stallExcuse;
      const stallClaims = this.#stallExplainedClaims.get(client) ?? 0;
      this.#stallExplainedClaims.delete(client);
      const deltas: [AntiCheatKind, number][] = [
        ['input-rate', excuse.unexcused(client, 'input-rate', counters.inputs.rate - seen.rate, now)],
        ['input-future', excuse.unexcused(client, 'input-future', counters.inputs.future - seen.future, now)],
        ['shot-claim', claims - seen.claims - stallClaims],
        ['malformed', counters.malformed - seen.malformed],
        ['fire-rule', rejectedFires - seen.rejectedFires],
        ['hash-rate', counters.hashReportsRefused - seen.hashes],
      ];
      seen.rate = counters.inputs.rate;
      seen.future = counters.inputs.future;
      seen.claims = claims;
      seen.malformed = counters.malformed;
      seen.rejectedFires = rejectedFires;
      seen.hashes = counters.hashReportsRefused;
      for (const [kind, delta] of deltas) {
        if (delta > 0 && this.#violation(client, kind, delta, now)) break;
      }
    }
    const violators = this.#reports.judge(
      this.authority.world.tick,
      now,
      (tick, vehicleId) => this.authority.vehicleAt(tick, vehicleId),
      (vehicleId) => this.#spawnedAt.get(vehicleId) ?? 0,
    );
    for (const client of violators) {
      if (this.#clients.get(client.playerId) === client) this.#violation(client, 'forged-phys', 1, now);
    }
  }

  /**
   * A shot refused for a view further back than judged: while a stall of this server's explains the
   * excess (the stall kept that frame on the player's screen, or its input in the server's socket), the
   * next check does not count it.
   */
  #onShot(client: RoomClient, shot: ShotOutcome): void {
    if (shot.ok || shot.excessMs === undefined) return;
    if (!this.#stallExcuse.explainsReach(shot.excessMs, this.clock.now())) return;
    this.#stallExplainedClaims.set(client, (this.#stallExplainedClaims.get(client) ?? 0) + 1);
  }

  /** Records violations; warns the offender; kicks past the limit. Returns whether it kicked. */
  #violation(client: RoomClient, kind: AntiCheatKind, count: number, now: number): boolean {
    const verdict = this.#antiCheat.record(client, kind, count, now);
    this.count('anticheat_violations_total', { kind }, count);
    if (verdict.exceeded) {
      this.count('anticheat_kicks_total', { kind });
      this.kicks.push({
        playerId: client.playerId,
        name: client.name,
        kind,
        count: verdict.count,
        violations: this.#antiCheat.totals(client),
      });
      if (this.kicks.length > 100) this.kicks.shift();
      this.kick(
        client,
        `anti-cheat: ${verdict.count} ${kind} violations within ${this.#antiCheat.limits.windowMs / 1000} s`,
      );
      return true;
    }
    const key = `${client.playerId}:${kind}`;
    if (now - (this.#lastWarned.get(key) ?? Number.NEGATIVE_INFINITY) >= WARN_EVERY_MS) {
      this.#lastWarned.set(key, now);
      client.send('warning', { kind, count: verdict.count, limit: verdict.limit });
    }
    return false;
  }

  #botAllowance(): BotAllowance<VehikillRoom> {
    return (this.constructor as typeof VehikillRoom).botAllowance;
  }

  /**
   * The bot target a creation may have: what it asked for (`asked`), or the server's for its kind of room
   * (`byDefault`, Quick Play's), within what the creator's address has left of `maxBotsPerAddress`. Asking
   * for more refuses the creation, saying how many it may have; a default is cut to what is left.
   */
  #allowedBots(asked: number | undefined, byDefault: number): number {
    const wanted = asked ?? byDefault;
    const address = this.creatorAddress;
    if (wanted === 0 || address === undefined) return wanted;
    const allowance = this.#botAllowance();
    const left = allowance.left(address);
    if (wanted <= left) return wanted;
    if (asked === undefined) return left;
    throw new Error(
      `too many server bots from your address: its rooms run ${allowance.running(address)} of the ` +
        `${allowance.max} one address may have at once; create this room with ` +
        `${left > 0 ? `at most ${left} bots` : 'no bots'}, or close a room with bots first`,
    );
  }

  /**
   * Bots fill the room up to its target; one leaves for each human who joins. Humans are counted from
   * the room's own table: during `onJoin` the host's `clients` does not hold the joining player yet.
   */
  #topUpBots(): void {
    const world = this.authority.world;
    const wanted = Math.max(0, this.#botTarget - this.#clients.size);
    let changed = false;
    while (this.#bots.count > wanted) {
      const id = this.#bots.ids[this.#bots.count - 1] as number;
      this.#bots.remove(id);
      removePlayer(this.#match, world, id);
      this.#roster.delete(`bot:${id}`);
      changed = true;
    }
    while (this.#bots.count < wanted) {
      const id = this.#freeVehicleId();
      const name = this.#bots.add(id);
      addPlayer(this.#match, world, id);
      this.#spawnedAt.set(id, world.tick);
      this.#table.update(this.#match);
      this.#roster.set(`bot:${id}`, {
        playerId: `bot:${id}`,
        name,
        vehicleId: id,
        playerEntity: this.#table.playerEntity(id) as number,
        bot: true,
      });
      changed = true;
    }
    if (changed) this.#table.update(this.#match);
  }

  /**
   * The lowest vehicle id no player (human or bot, alive or wrecked) holds, no rocket in flight names and
   * no car in the lag-compensation history (the last second) has: a shot drawn before a player left still
   * hits that player's car, by its id. Nor, until the next match, one the ended match's standings name:
   * the end screen names the winners by id, and a newcomer given a leaver's would be shown as the winner.
   */
  #freeVehicleId(): number {
    const taken = this.authority.historyVehicleIds();
    for (const entry of this.#roster.values()) taken.add(entry.vehicleId);
    for (const line of this.#final?.standings ?? []) taken.add(line.vehicleId);
    return freeVehicleId(this.#match, this.authority.world, taken);
  }

  /** Sends the roster now, or at the end of ROSTER_EVERY_MS after the last one (as it is then). */
  #broadcastRoster(): void {
    if (this.#rosterDue) return;
    const wait = this.#rosterSentAt + ROSTER_EVERY_MS - this.clock.now();
    if (wait <= 0) {
      this.#sendRoster();
      return;
    }
    this.#rosterDue = true;
    this.clock.setTimeout(() => {
      this.#rosterDue = false;
      this.#sendRoster();
    }, wait);
  }

  #sendRoster(): void {
    this.#rosterSentAt = this.clock.now();
    if (this.clients.length > 0) this.broadcast('roster', { players: [...this.#roster.values()] });
  }

  /** Near action first: vehicles and rockets gain priority the closer they are to the member's car. */
  #priority(client: RoomClient, entity: EntityRecord): number {
    if (entity.type !== VehicleEntity && entity.type !== RocketEntity) return 1;
    const vehicleId = this.authority.vehicleOf(client);
    const own = vehicleId === undefined ? undefined : findVehicle(this.authority.world, vehicleId);
    if (!own) return 1;
    const at = this.#positionOf(entity);
    const distance = Math.hypot(at.x - own.x, at.y - own.y);
    return 0.25 + 4 / (1 + distance / 16);
  }

  /** The member's own car and own scoreboard line go in every snapshot; pickups (which never move) wait their turn. */
  #tier(client: RoomClient, id: number, entity: EntityRecord): Tier {
    const entry = this.#roster.get(client.playerId);
    if (entry !== undefined) {
      if (id === entry.playerEntity) return Tier.critical;
      if (entity.type === VehicleEntity && id === this.authority.vehicleEntity(entry.vehicleId))
        return Tier.critical;
    }
    return entity.type === PickupEntity ? Tier.ambient : Tier.normal;
  }

  /** Decoded once per distinct codes array (the table keeps unchanged ones), not per member. */
  #positionOf(entity: EntityRecord): { x: number; y: number } {
    let at = this.#positions.get(entity.codes);
    if (!at) {
      const state = codesToState(entity.type, entity.codes) as { x: number; y: number };
      at = { x: state.x, y: state.y };
      this.#positions.set(entity.codes, at);
    }
    return at;
  }
}

/**
 * One desync log per room class (a server's configuration of its rooms): its bounds per address hold
 * across all of the server's rooms, so a player hopping between rooms gains no more full records.
 */
const desyncLogs = new WeakMap<object, DesyncLog>();

function desyncLogOf(roomClass: object): DesyncLog {
  let log = desyncLogs.get(roomClass);
  if (!log) {
    log = new DesyncLog({ log: (line) => console.warn(line) });
    desyncLogs.set(roomClass, log);
  }
  return log;
}

/**
 * A room type for `server.define('vehikill', vehikillRoom(config))` with this server's configuration.
 * Throws a RangeError naming the field when the config is one every room would refuse (roomConfigProblem).
 */
export function vehikillRoom(config: VehikillRoomConfig = {}): typeof VehikillRoom {
  const problem = roomConfigProblem(config);
  if (problem) throw new RangeError(`vehikillRoom config: ${problem.field} ${problem.message}`);
  return class ConfiguredVehikillRoom extends VehikillRoom {
    static override config = config;
    static override botAllowance = new BotAllowance<VehikillRoom>(config.maxBotsPerAddress);
  };
}
