import {
  Channel,
  type Client,
  type LeaveReason,
  type MeshOptions,
  type PeerMesh,
  physRateFor,
  type RoomConnection,
  RoomRequestError,
} from 'vehikill-net/client';
import { ErrorCode, isSessionKeepMs, normalizeRoomCode, ProtocolError } from 'vehikill-net/protocol';
import { ArenaClient, type ArenaFrame } from '../net/client/arena-client.js';
import type { PeerDisagreement } from '../net/client/remote-view.js';
import {
  type AntiCheatWarning,
  type ChatLine,
  type ChatRefusal,
  type ClientMessages,
  type CreateOptions,
  decodePeerMessage,
  type Effect,
  encodeEffect,
  encodeFireNotice,
  encodePhysSample,
  type FireNotice,
  type MatchNotice,
  ROOM_TYPE,
  type RoomState,
  type RosterEntry,
  type ServerMessages,
} from '../protocol/index.js';
import {
  cos,
  findVehicle,
  type KillFeedEntry,
  MAX_SPEED,
  MatchEntity,
  type MatchSyncState,
  NEUTRAL_INPUT,
  PickupEntity,
  type PickupSyncState,
  PlayerEntity,
  type PlayerSyncState,
  sin,
  type Vehicle,
  VehicleEntity,
  type VehicleInput,
} from '../sim/index.js';
import { SessionEmitter, type Unsubscribe } from './session-emitter.js';

export type VehikillRoom = RoomConnection<ServerMessages, ClientMessages>;

/**
 * How long (ms) a page asks the server to hold its seat as it goes away when no room told it otherwise:
 * a reload is back in a second or two, a slow phone's in several; a closed tab's car then leaves this soon.
 */
export const DEFAULT_RELOAD_HOLD_MS = 10_000;

/** What the player's controls are chosen from each tick (a human's keys ignore it; a bot's brain uses it). */
export interface SessionView {
  /** The tick these controls are for. */
  readonly tick: number;
  readonly playing: boolean;
  /** The own vehicle as predicted, while it has one. */
  readonly own: Vehicle | undefined;
  /** The own scoreboard line (health, ammo, score), once synced. */
  readonly me: PlayerSyncState | undefined;
  /**
   * The server tick `me` was sent at: it counts every fire input for earlier ticks, none for this one
   * or later (what a client predicting its ammo counts down itself).
   */
  readonly meTick?: number;
  /** False while wrecked (waiting to respawn); undefined before the scoreboard synced. */
  readonly alive: boolean | undefined;
  /** Other vehicles as drawn last frame. */
  readonly others: ArenaFrame['vehicles'];
  /**
   * Whether the server has found this vehicle's player away from the controls (synced `parked`): a bot
   * leaves such a car alone, as the room's own bots do. False for a vehicle not (yet) synced.
   */
  readonly parked: (vehicleId: number) => boolean;
  readonly pickups: readonly PickupSyncState[];
}

export interface ScoreLine extends RosterEntry, Partial<PlayerSyncState> {}

/** One frame to draw, with everything the HUD shows. */
export interface GameFrame extends ArenaFrame {
  /** The own scoreboard line (health, ammo, kills...) once synced. */
  readonly me: PlayerSyncState | undefined;
  readonly match: MatchSyncState | undefined;
  readonly pickups: readonly PickupSyncState[];
}

export interface GameSessionEvents {
  /** Who plays (humans and bots): at joining and at every change. */
  roster: readonly RosterEntry[];
  kill: KillFeedEntry;
  /** The match changed phase (warmup, playing, ended with standings). */
  match: MatchNotice;
  chat: ChatLine;
  /**
   * The server refused something this client sent: an anti-cheat kind, and how close a kick is; or
   * (kind 'chat') a chat line of `say` over the player's chat budget, which went to no one.
   */
  warning: AntiCheatWarning | ChatRefusal;
  /** A trigger pulled, ours (`from` undefined) or a peer's: show the muzzle flash and tracer now. */
  fire: { readonly from: string | undefined; readonly notice: FireNotice };
  effect: { readonly from: string; readonly effect: Effect };
  /** A peer's sample was far from the server's state: reported to the server, which judges it. */
  'peer-report': { readonly accused: string; readonly tick: number; readonly distance: number };
  /**
   * The room sent its whole state again: back from a drop during which messages to us were lost (the
   * server's outbox for us overflowed). Roster, match notice, kill feed and chat are replaced with it;
   * the 'chat', 'kill' and 'match' events of the time away never come, so redraw them from the session.
   */
  resync: RoomState;
  /** We are out of the room (left, kicked, room gone). */
  left: { readonly reason: LeaveReason; readonly message: string };
  /** Something malformed from the server or a peer was dropped. */
  'bad-message': ProtocolError;
}

export interface GameSessionOptions {
  /** A vehikill-net Client (in Node: `new Client({ url, WebSocket })`); connected here if it is not yet. */
  readonly client: Client;
  /** The controls for each tick (default: none held). */
  sampleInput?(view: SessionView): VehicleInput;
  /** Peer mesh options, e.g. `{ rtc: false }` where there is no WebRTC, or node-datachannel's. */
  readonly mesh?: MeshOptions;
  /**
   * Privacy: peers never learn this player's address. The mesh uses TURN (or the server's relay) only,
   * and rooms this player creates are relay-only for everyone. Default false.
   */
  readonly relayOnly?: boolean;
  readonly clock?: { now(): number; setTimeout(callback: () => void, ms: number): () => void };
  /** Own phys samples sent to peers per second (default 20, the relay's cap). */
  readonly samplesPerSecond?: number;
}

/** Reports about one peer go to the server at most this often (ms). */
const REPORT_EVERY_MS = 250;

/**
 * How near its car, as our newest snapshot has it, a peer's fire notice or effect must be to be drawn
 * (units): half a second at the most any car moves (MAX_SPEED), beyond an honest sender's lead over our
 * snapshots (its prediction ahead of the server, our snapshots behind it) on a poor link.
 */
const PEER_EFFECT_REACH = MAX_SPEED / 2;

function abandonedJoin(): ProtocolError {
  return new ProtocolError(
    ErrorCode.NOT_IN_ROOM,
    'left while the join was under way: the join was abandoned',
  );
}

/**
 * A player's whole game, in browsers and in Node (bots): joins a Vehikill room (Quick Play, a private
 * room, or one by code), runs the ArenaClient over the server link (clock sync, inputs, prediction,
 * interpolation), keeps the roster, the scoreboard, the match's phase and clock, the kill feed and chat,
 * and talks to peers over the mesh: its own phys samples (`phys`), fire notices (`dispatch`) and effects
 * (`event`) out; peers' samples in to draw their cars fresher (clamped near the server's state), their
 * notices and effects to show at once. A peer sample far from the server's state is reported to the
 * server. Call `update(now)` and draw `frame(now)` every frame; listen with `on(event, fn)`. One join
 * at a time: another asked while one is under way is refused (`JOIN_REJECTED`); `leave()` abandons it.
 */
export class GameSession {
  readonly client: Client;
  readonly #options: GameSessionOptions;
  readonly #events = new SessionEmitter<GameSessionEvents>((error) =>
    console.error('GameSession listener:', error),
  );
  readonly #roster = new Map<string, RosterEntry>();
  readonly #killFeed: KillFeedEntry[] = [];
  readonly #chat: ChatLine[] = [];
  /** When each peer in the room was last reported (see #onDisagreement); only players in the roster. */
  readonly #lastReport = new Map<string, number>();
  readonly #roomDisposers: Unsubscribe[] = [];
  #arena: ArenaClient | undefined;
  #room: VehikillRoom | undefined;
  #mesh: PeerMesh | undefined;
  #matchNotice: MatchNotice | undefined;
  #reloadHoldMs: number = DEFAULT_RELOAD_HOLD_MS;
  /** When (the session's clock) the newest match notice arrived: its `nextMatchInMs` counts from then. */
  #matchNoticeAt = 0;
  #relayOnly: boolean;
  #lastFrame: GameFrame | undefined;
  #lastInput: VehicleInput = NEUTRAL_INPUT;
  #peerSendsDropped = 0;
  /** The peer sample being pushed, so a disagreement it causes can name it. */
  #pushing: { from: string; tick: number; x: number; y: number } | undefined;
  /** The join under way, if any: the netcode, mesh and listeners being made are for its room. */
  #joining: { abandoned: boolean; done: Promise<void> } | undefined;

  constructor(options: GameSessionOptions) {
    this.client = options.client;
    this.#options = options;
    this.#relayOnly = options.relayOnly ?? false;
    // Before `connect()` resolves: the snapshots of the match follow the welcome at once.
    this.client.on('open', ({ takenOver }) => {
      if (takenOver) this.#takeOver();
    });
  }

  on<E extends keyof GameSessionEvents>(
    event: E,
    listener: (payload: GameSessionEvents[E]) => void,
  ): Unsubscribe {
    return this.#events.on(event, listener);
  }

  /** Joins a public room with a free seat, or makes one (topped up with bots by the server). */
  quickPlay(options: Omit<CreateOptions, 'quickPlay'> = {}): Promise<void> {
    return this.#join(() =>
      this.client.quickPlay<ServerMessages, ClientMessages>(ROOM_TYPE, {
        options: { ...options, quickPlay: true, ...(this.#relayOnly ? { relayOnly: true } : {}) },
      }),
    );
  }

  /** Makes a private room; its code (`room.code`) is what friends join with. */
  createPrivate(options: Omit<CreateOptions, 'quickPlay'> = {}): Promise<void> {
    return this.#join(() =>
      this.client.create<ServerMessages, ClientMessages>(ROOM_TYPE, {
        private: true,
        options: { ...options, ...(this.#relayOnly ? { relayOnly: true } : {}) },
      }),
    );
  }

  /** Joins a listed room by its id (public rooms need no code). */
  join(roomId: string): Promise<void> {
    return this.#join(
      () => this.client.join<ServerMessages, ClientMessages>(roomId),
      (room) => room.roomId === roomId,
    );
  }

  joinByCode(code: string): Promise<void> {
    const typed = normalizeRoomCode(code);
    return this.#join(
      () => this.client.joinByCode<ServerMessages, ClientMessages>(code),
      (room) => typed !== undefined && room.code === typed,
    );
  }

  /**
   * Leaves the room (the session stays connected for another). A join under way is abandoned: its room is
   * left as soon as it is answered and its promise rejects (`NOT_IN_ROOM`); this resolves once it has ended.
   */
  async leave(): Promise<void> {
    const room = this.#room;
    this.#detach();
    const joining = this.#joining;
    if (joining) joining.abandoned = true;
    await room?.leave();
    await joining?.done.catch(() => {});
  }

  /**
   * Leaves and closes the connection; reliable messages still held back by the rate go first, for at
   * most `flushMs` (the client's default 3 s; 0 closes at once, as a page going away must).
   */
  close(options: { flushMs?: number } = {}): void {
    this.#detach();
    void this.client.close(options);
    this.#events.clear();
  }

  /** The privacy setting for the next room joined (the mesh of the current one keeps its links). */
  setRelayOnly(relayOnly: boolean): void {
    this.#relayOnly = relayOnly;
  }

  get relayOnly(): boolean {
    return this.#relayOnly;
  }

  get room(): VehikillRoom | undefined {
    return this.#room;
  }

  get arena(): ArenaClient | undefined {
    return this.#arena;
  }

  get mesh(): PeerMesh | undefined {
    return this.#mesh;
  }

  get roster(): readonly RosterEntry[] {
    return [...this.#roster.values()];
  }

  /** Our own roster entry, once the server listed us. */
  get me(): RosterEntry | undefined {
    const id = this.client.playerId;
    return id === undefined ? undefined : this.#roster.get(id);
  }

  /**
   * How long (ms) the server holds this player's seat once the page goes away, as its room said on joining
   * (the server's `RELOAD_HOLD_SECONDS`): what the page asks for in its pagehide (`keepSessionForReload`).
   * DEFAULT_RELOAD_HOLD_MS before a room said, or where it said nothing the client takes.
   */
  get reloadHoldMs(): number {
    return this.#reloadHoldMs;
  }

  /** The newest match notice (phase changes; standings once ended). */
  get matchNotice(): MatchNotice | undefined {
    return this.#matchNotice;
  }

  /**
   * Once the match has ended: ms until the next one starts, counted down from the notice's
   * `nextMatchInMs` (which is as of its sending, so showing it as it is would say "10 s" all the pause).
   */
  nextMatchInMs(): number | undefined {
    const inMs = this.#matchNotice?.nextMatchInMs;
    if (inMs === undefined) return undefined;
    return Math.max(0, inMs - (this.#now() - this.#matchNoticeAt));
  }

  /** The match's phase and seconds left, as synced. */
  get match(): MatchSyncState | undefined {
    const id = this.#matchNotice?.matchEntity;
    return id === undefined ? undefined : this.#arena?.synced.get(id, MatchEntity)?.state;
  }

  get killFeed(): readonly KillFeedEntry[] {
    return this.#killFeed;
  }

  get chat(): readonly ChatLine[] {
    return this.#chat;
  }

  /** Every player's scoreboard line as synced (health, ammo, kills, deaths, score), by roster. */
  scoreboard(): ScoreLine[] {
    return this.roster.map((entry) => ({ ...entry, ...this.#playerState(entry.playerEntity) }));
  }

  /**
   * Sends a chat line through the server (which passes it to everyone in the room, this player too), as a
   * request: resolves once the room has answered. A line the room refused (over the player's chat budget)
   * went to no one, and is told as a 'warning' of kind 'chat', each refused line its own. Never rejects: a
   * line lost with the room or the session is not the chat's to tell.
   */
  async say(text: string): Promise<void> {
    const room = this.#room;
    if (room === undefined) return;
    try {
      await room.request('chat', { text });
    } catch (error) {
      if (error instanceof RoomRequestError && error.reason === 'RATE_LIMITED')
        this.#events.emit('warning', { kind: 'chat', code: 'RATE_LIMITED', message: error.message });
    }
  }

  /** Runs the ticks that are due (inputs, prediction, samples to peers). Call every frame. */
  update(now: number): void {
    this.#arena?.update(now);
  }

  frame(now: number): GameFrame | undefined {
    const arena = this.#arena;
    if (!arena) return undefined;
    const frame: GameFrame = {
      ...arena.frame(now),
      me: this.#myState(),
      match: this.match,
      pickups: this.#pickups(),
    };
    this.#lastFrame = frame;
    return frame;
  }

  /** `isThisRoom` names the room a join asks for, when it can be known before asking (an id, a code). */
  async #join(
    request: () => Promise<VehikillRoom>,
    isThisRoom?: (room: VehikillRoom) => boolean,
  ): Promise<void> {
    // One room at a time: a second join tore down what the first was making, then both set up over
    // each other, and the first room's leave (the server moving the player on) took the second's
    // netcode with it, seated with no inputs going out.
    if (this.#joining) {
      throw new ProtocolError(ErrorCode.JOIN_REJECTED, 'a join is under way: wait for it before another');
    }
    const joining = { abandoned: false, done: Promise.resolve() };
    this.#joining = joining;
    joining.done = this.#joinNow(joining, request, isThisRoom);
    try {
      await joining.done;
    } finally {
      this.#joining = undefined;
    }
  }

  async #joinNow(
    joining: { readonly abandoned: boolean },
    request: () => Promise<VehikillRoom>,
    isThisRoom?: (room: VehikillRoom) => boolean,
  ): Promise<void> {
    if (this.client.state === 'idle') await this.client.connect();
    if (joining.abandoned) throw abandonedJoin();
    const previous = this.#room;
    // The client refuses a join of the room it is in, as the server would, and keeps the player seated:
    // refused here, before this session lets go of the room (and then leaves it, below).
    if (previous !== undefined && isThisRoom?.(previous)) {
      throw new ProtocolError(
        ErrorCode.JOIN_REJECTED,
        'already in this room: leave it first to join it again',
      );
    }
    this.#detach();
    // Made before the join: the first snapshots follow the join's answer at once.
    const arena = this.#newArena();
    let room: VehikillRoom;
    try {
      room = await request();
    } catch (error) {
      arena.dispose();
      this.#arena = undefined;
      // Refused, the server left the player where they were (it moves them only when the join is taken),
      // but this session plays there no more: leave, or their car stays in that match, driven by nobody
      // and beyond `leave()` (which has no room now), until the session closes.
      if (previous !== undefined && this.client.room === previous) await previous.leave().catch(() => {});
      throw error;
    }
    // Left while the join was under way: the player asked to be seated nowhere, so the room the answer
    // seated them in is left at once rather than played in behind the game's back.
    if (joining.abandoned) {
      arena.dispose();
      if (this.#arena === arena) this.#arena = undefined;
      await room.leave().catch(() => {});
      throw abandonedJoin();
    }
    this.#attach(room);
  }

  /**
   * The client took over the session of the page before this one (a reload, within the server's grace
   * period): the match it sits in is played here again, the same car and score, its state from the room's
   * state and the full snapshots the server sends a player taking a session over.
   */
  #takeOver(): void {
    const room = this.client.room as VehikillRoom | undefined;
    if (room === undefined) return;
    this.#detach();
    this.#newArena();
    this.#attach(room);
  }

  /** The netcode of a match about to be entered, made before its first snapshot can come. */
  #newArena(): ArenaClient {
    const arena = new ArenaClient({
      link: this.client.serverLink,
      sampleInput: (tick) => this.#sampleInput(tick),
      ...(this.#options.clock ? { clock: this.#options.clock } : {}),
      onPeerDisagreement: (report) => this.#onDisagreement(report),
      onBadMessage: (error) => this.#events.emit('bad-message', error),
    });
    this.#arena = arena;
    return arena;
  }

  #attach(room: VehikillRoom): void {
    this.#room = room;
    const state = room.initialState as RoomState | undefined;
    if (state) this.#applyState(state);
    this.#roomDisposers.push(
      room.onMessage('roster', ({ players }) => this.#setRoster(players)),
      room.onMessage('kill', (entry) => {
        this.#killFeed.push(entry);
        if (this.#killFeed.length > 10) this.#killFeed.shift();
        this.#events.emit('kill', entry);
      }),
      room.onMessage('match', (notice) => {
        // Each match's feed starts empty, as the server's does: at the next match's first notice, which is
        // its warm-up's, or its play's on a server with no warm-up.
        if (notice.match !== this.#matchNotice?.match) this.#killFeed.length = 0;
        this.#setMatchNotice(notice);
        this.#events.emit('match', notice);
      }),
      room.onMessage('chat', (line) => {
        this.#chat.push(line);
        if (this.#chat.length > 100) this.#chat.shift();
        this.#events.emit('chat', line);
      }),
      room.onMessage('warning', (warning) => this.#events.emit('warning', warning)),
      room.on('state', ({ state: resent }) => {
        this.#applyState(resent as RoomState);
        this.#events.emit('resync', resent as RoomState);
      }),
      room.on('leave', ({ reason, message }) => {
        this.#detach();
        this.#events.emit('left', { reason, message });
      }),
    );
    const meshOptions: MeshOptions = { ...this.#options.mesh };
    if (this.#relayOnly && meshOptions.rtc !== false) {
      meshOptions.rtc = { ...meshOptions.rtc, iceTransportPolicy: 'relay' };
    }
    const mesh = room.mesh(meshOptions);
    this.#mesh = mesh;
    this.#roomDisposers.push(
      mesh.on('message', ({ from, channel, bytes }) => this.#onPeer(from, channel, bytes)),
    );
  }

  #detach(): void {
    for (const dispose of this.#roomDisposers.splice(0)) dispose();
    this.#mesh?.close();
    this.#mesh = undefined;
    this.#arena?.dispose();
    this.#arena = undefined;
    this.#room = undefined;
    this.#roster.clear();
    this.#lastReport.clear();
    this.#killFeed.length = 0;
    this.#matchNotice = undefined;
  }

  #applyState(state: RoomState): void {
    this.#setRoster(state.roster);
    this.#setMatchNotice(state.match);
    this.#killFeed.splice(0, this.#killFeed.length, ...state.killFeed);
    this.#chat.splice(0, this.#chat.length, ...state.chat);
    // What keepSessionForReload takes, or the default: a page going away must not throw.
    this.#reloadHoldMs = isSessionKeepMs(state.reloadHoldMs) ? state.reloadHoldMs : DEFAULT_RELOAD_HOLD_MS;
  }

  #setMatchNotice(notice: MatchNotice): void {
    this.#matchNotice = notice;
    this.#matchNoticeAt = this.#now();
  }

  #now(): number {
    return this.#options.clock?.now() ?? performance.now();
  }

  #setRoster(players: readonly RosterEntry[]): void {
    this.#roster.clear();
    for (const entry of players) this.#roster.set(entry.playerId, entry);
    // Forgotten as players go: a long session meets many players over many matches.
    for (const id of this.#lastReport.keys()) if (!this.#roster.has(id)) this.#lastReport.delete(id);
    this.#events.emit('roster', this.roster);
  }

  #playerState(entity: number): PlayerSyncState | undefined {
    return this.#arena?.synced.get(entity, PlayerEntity)?.state;
  }

  readonly #parked = (vehicleId: number): boolean => {
    for (const entry of this.#roster.values()) {
      if (entry.vehicleId === vehicleId) return this.#playerState(entry.playerEntity)?.parked === true;
    }
    return false;
  };

  #myState(): PlayerSyncState | undefined {
    const me = this.me;
    return me === undefined ? undefined : this.#playerState(me.playerEntity);
  }

  /** The tick the own scoreboard line was last sent at. */
  #myStateTick(): number | undefined {
    const me = this.me;
    return me === undefined ? undefined : this.#arena?.synced.get(me.playerEntity, PlayerEntity)?.tick;
  }

  #pickups(): PickupSyncState[] {
    const pickups: PickupSyncState[] = [];
    for (const entity of this.#arena?.synced.entities() ?? []) {
      if (entity.type === PickupEntity) pickups.push(entity.state as PickupSyncState);
    }
    return pickups;
  }

  /** Once per tick, from the ArenaClient: the controls, and what peers are told of them. */
  #sampleInput(tick: number): VehicleInput {
    const arena = this.#arena;
    const prediction = arena?.prediction;
    const own = prediction ? findVehicle(prediction.world, prediction.vehicleId) : undefined;
    const me = this.#myState();
    const match = this.match;
    const view: SessionView = {
      tick,
      playing: match?.phase === 'playing',
      own,
      me,
      meTick: this.#myStateTick(),
      alive: me?.alive,
      others: this.#lastFrame?.vehicles ?? [],
      parked: this.#parked,
      pickups: this.#lastFrame?.pickups ?? [],
    };
    const input = this.#options.sampleInput?.(view) ?? NEUTRAL_INPUT;
    const previous = this.#lastInput;
    this.#lastInput = input;
    const mesh = this.#mesh;
    if (!own || !prediction || me?.alive !== true || !mesh) return input;
    const every = Math.max(1, Math.round(60 / this.#physSamplesPerSecond()));
    if (tick % every === 0) {
      mesh.broadcast(
        Channel.phys,
        encodePhysSample({ tick: prediction.world.tick, input: previous, state: own }),
      );
    }
    const weapons: ('gun' | 'rocket')[] = [];
    if (input.fire && me.gunAmmo > 0) weapons.push('gun');
    if (input.altFire && me.rocketAmmo > 0) weapons.push('rocket');
    for (const weapon of weapons) {
      const notice: FireNotice = {
        tick,
        weapon,
        origin: { x: own.x, y: own.y },
        direction: { x: cos(own.angle), y: sin(own.angle) },
      };
      this.#toPeers(mesh, Channel.dispatch, encodeFireNotice(notice));
      this.#events.emit('fire', { from: undefined, notice });
    }
    if (input.boost && !previous.boost) {
      this.#toPeers(mesh, Channel.event, encodeEffect({ kind: 'boost', x: own.x, y: own.y }));
    }
    return input;
  }

  /**
   * Peer messages are for show: when one cannot go (the outbox to the server's relay is full while the
   * connection is down or slow) it is dropped and counted, and the game goes on.
   */
  #toPeers(mesh: PeerMesh, channel: Channel, bytes: Uint8Array): void {
    try {
      mesh.broadcast(channel, bytes);
    } catch {
      this.#peerSendsDropped++;
    }
  }

  /** Peer messages dropped because they could not be sent (see #toPeers). */
  get peerSendsDropped(): number {
    return this.#peerSendsDropped;
  }

  #onPeer(from: string, channel: Channel, bytes: Uint8Array): void {
    let message: ReturnType<typeof decodePeerMessage>;
    try {
      message = decodePeerMessage(bytes);
    } catch (error) {
      this.#events.emit('bad-message', error as ProtocolError);
      return;
    }
    if (message.type === 'sample' && channel === Channel.phys) {
      const entry = this.#roster.get(from);
      const arena = this.#arena;
      if (!entry || !arena) return;
      const { tick, state } = message.sample;
      // Sim ids are the roster's: a peer can only speak for its own vehicle.
      const claimed = { ...state, id: entry.vehicleId };
      this.#pushing = { from, tick, x: state.x, y: state.y };
      try {
        arena.receivePeerSample(entry.vehicleId, tick, claimed);
      } finally {
        this.#pushing = undefined;
      }
    } else if (message.type === 'fire' && channel === Channel.dispatch) {
      if (this.#nearCarOf(from, message.notice.origin))
        this.#events.emit('fire', { from, notice: message.notice });
    } else if (message.type === 'effect' && channel === Channel.event) {
      if (this.#nearCarOf(from, message.effect))
        this.#events.emit('effect', { from, effect: message.effect });
    }
  }

  /**
   * Whether `at` is near the car of the player `from` as our newest snapshot has it: a peer's notices and
   * effects are drawn at once, from where the sender says it is, so one player could otherwise draw shots
   * fired from another's car (or from nowhere) on everyone's screen.
   */
  #nearCarOf(from: string, at: { readonly x: number; readonly y: number }): boolean {
    const vehicleId = this.#roster.get(from)?.vehicleId;
    const entity = vehicleId === undefined ? undefined : this.#arena?.entityOfVehicle(vehicleId);
    const car = entity === undefined ? undefined : this.#arena?.synced.get(entity, VehicleEntity)?.state;
    if (car === undefined) return false;
    const dx = at.x - car.x;
    const dy = at.y - car.y;
    return dx * dx + dy * dy <= PEER_EFFECT_REACH * PEER_EFFECT_REACH;
  }

  #onDisagreement(report: PeerDisagreement): void {
    const sample = this.#pushing;
    const room = this.#room;
    if (!sample || !room) return;
    const now = this.#now();
    if (now - (this.#lastReport.get(sample.from) ?? Number.NEGATIVE_INFINITY) < REPORT_EVERY_MS) return;
    this.#lastReport.set(sample.from, now);
    // Volatile: a report is a hint (a peer that keeps forging is reported again by its next samples), and
    // a reliable one, sent from this listener while the session's outbox was full (a starved or cut-off
    // socket), threw OUTBOX_OVERFLOW out of the sample's handler. A volatile message is sent at once or
    // dropped, never held.
    room.send(
      'report',
      { accused: sample.from, tick: sample.tick, x: sample.x, y: sample.y },
      { class: 'volatile' },
    );
    this.#events.emit('peer-report', { accused: sample.from, tick: sample.tick, distance: report.distance });
  }

  /**
   * How often peers get a sample of our vehicle: the configured rate (default 20/s), lowered for a hidden
   * page, battery or data saving and low-end devices (physRateFor), and halved while our link to the
   * server is poor (a poor link is usually a poor uplink to peers too).
   */
  #physSamplesPerSecond(): number {
    const normal = physRateFor(this.client.device.class, this.#options.samplesPerSecond ?? 20);
    return this.client.quality.grade === 'poor' ? Math.max(5, normal / 2) : normal;
  }
}
