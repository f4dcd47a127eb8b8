import { type Disposer, Emitter, realClock } from '../common/index.js';
import {
  ErrorCode,
  encodeMessage,
  Feature,
  hasFeature,
  isSessionKeepMs,
  Kind,
  MAX_PEER_DATA_BYTES,
  MAX_SESSION_KEEP_MS,
  type Message,
  nameProblem,
  normalizeRoomCode,
  ProtocolError,
  type RoomInfo,
  type Scalar,
} from '../protocol/index.js';
import {
  Conditioner,
  type ConditionerSettings,
  type LinkStats,
  type QualityView,
  type RtcSignal,
} from '../transport/index.js';
import { onBrowserOnline } from './browser-online.js';
import type { ClientEvents, ConnectionState } from './client-events.js';
import { checkClientOptions } from './client-option-checks.js';
import type { ClientOptions } from './client-options.js';
import { ClientRooms } from './client-rooms.js';
import { errorCodeOfClose } from './close-error-code.js';
import { DeviceReporting } from './device/device-reporting.js';
import type { DeviceState } from './device/device-watch.js';
import { readableNotice } from './drain-notice.js';
import { IceCredentials } from './ice-credentials.js';
import { LinkEpochs } from './mesh/link-epochs.js';
import { onPageShownAfterAway } from './page-shown.js';
import { RoomAnswers } from './room-answers.js';
import type { RoomConnection } from './room-connection.js';
import { RoomListings } from './room-listings.js';
import { type RoomRequestStats, RoomRequests } from './room-requests.js';
import type { RoomTransport } from './room-transport.js';
import type { RoomQuery, RoomWatch } from './room-watch.js';
import {
  ClientServerLink,
  type ServerLinkMode,
  type ServerLinkPath,
} from './server-link/client-server-link.js';
import { ServerRequests } from './server-requests.js';
import { SessionConnection } from './session-connection.js';
import { SessionSends } from './session-sends.js';
import type { SyncSeating } from './sync/synced-state.js';
import { unknownKey } from './unknown-key.js';

export type { ClientEvents, ConnectionState } from './client-events.js';

export interface ClientStats {
  state: ConnectionState;
  /** Newest heartbeat round trip over the WebSocket (ms). */
  rttMs: number;
  /** Server time minus local time (ms) as `serverNow()` applies it (slewed toward the estimate). */
  clockOffsetMs: number;
  /** The link to the server: the mode asked for, whether the server offers direct links, the path in use. */
  serverLink: LinkStats & { mode: ServerLinkMode; offered: boolean; path: ServerLinkPath };
  /**
   * What the WebSocket's send queue shed rather than send late (counts since the client was made):
   * volatile messages dropped because they could not go at once (above the session's rate, or the socket
   * backed up), keyed ones (a peer's `phys` sample) replaced by a newer one, expiring ones whose TTL ran
   * out while they waited.
   */
  sends: { volatileDropped: number; superseded: number; expired: number };
  /** The rooms' requests (`room.request`): waiting now, timed out and late replies dropped, since made. */
  requests: RoomRequestStats;
}

/**
 * How long `keepSessionForReload` asks a session to be held for a reload by default: a page reloads and
 * connects in a second or two, on a slow phone in several.
 */
const DEFAULT_RELOAD_KEEP_MS = 10_000;

/** How long `close()` waits, by default, for reliable messages held back to be written. */
const DEFAULT_CLOSE_FLUSH_MS = 3_000;
type Messages = Record<string, unknown>;

/**
 * A connection to a vehikill-net server: one session that survives dropped sockets. Reliable messages
 * are buffered while down and replayed on resume; nothing is lost or duplicated. Runs in browsers and Node.
 */
export class Client {
  readonly #events = new Emitter<ClientEvents>();
  readonly #connection: SessionConnection;
  readonly #requests: ServerRequests;
  /** The rooms' requests waiting for their replies, across the rooms the client enters. */
  readonly #roomRequests: RoomRequests;
  /** The rooms' requests to us that we owe an answer, across the rooms the client enters. */
  readonly #roomAnswers: RoomAnswers;
  /** What rooms and the server link send over the session, each in its frame. */
  readonly #sends: SessionSends;
  /** Sessions welcomed so far (resumes not counted): see `SyncSeating.session`. */
  #sessions = 0;
  /** How the client last closed for good: what a join answered just before that rejects with. */
  #closedWith: { code: ErrorCode; message: string } | undefined;
  /** The room we are in, and the joins and leaves that take us in and out of rooms. */
  readonly #rooms: ClientRooms;
  /** The room listings asked for, and the live one followed. */
  readonly #listings: RoomListings;
  readonly #serverLink: ClientServerLink;
  #stopWatchingOnline: (() => void) | undefined;
  readonly #conditioner: Conditioner;
  /** Across rooms: a peer met again in another seating tells our new links from the old (see LinkEpochs). */
  readonly #linkEpochs = new LinkEpochs();
  /** The device watch, told to the server. */
  readonly #device: DeviceReporting;
  /** STUN/TURN servers for WebRTC links, with TURN credentials refreshed before they expire. */
  readonly #ice: IceCredentials;
  /** The newest welcome's `graceMs`. */
  #graceMs: number | undefined;
  /** `close()` calls so far: a `connect()` waiting for one to finish is undone by a later one. */
  #closeCalls = 0;

  constructor(options: ClientOptions = {}) {
    checkClientOptions(options);
    if (options.name !== undefined) {
      const problem = nameProblem(options.name);
      if (problem !== undefined) throw new TypeError(`Client option 'name' ${problem}`);
    }
    this.#ice = new IceCredentials(options.clock ?? realClock, () => this.#requestIceServers());
    const linkSettings =
      typeof options.serverLink === 'string' ? { mode: options.serverLink } : (options.serverLink ?? {});
    this.#connection = new SessionConnection(options, this.#events, {
      wantsServerLink: () => this.#serverLink.wantsDirect,
      welcomed: (body, fresh) => {
        this.#graceMs = body.graceMs;
        this.#sends.takesDataToPeers = body.dataToPeers === true;
        this.#roomRequests.serverAnswers = hasFeature(body.features, Feature.requests);
        this.#ice.update(body.iceServers ?? [], body.iceTtlMs);
        this.#serverLink.maxMessageBytes = body.linkMessageBytes ?? MAX_PEER_DATA_BYTES;
        this.#onWelcome(body.serverLink ?? false, fresh, body.resync);
        // A session taken over: its room is held again before `open` (and `connect()`) tells the app.
        if (fresh && body.room !== undefined) this.#rooms.adopt(body.room);
      },
      message: (message) => this.#onMessage(message),
      dropped: (inner, error) => this.#requests.failDropped(inner, error),
      unreadable: (error) => this.#requests.failUnreadable(error, () => this.#rooms.leaveUnreadRoom()),
      datagram: (c, p, t) => this.#serverLink.receiveDatagram(c, p, t),
      sessionLost: (reason, code, message) => {
        // First: what the app sends from its room-left handlers goes to the next session's link.
        this.#serverLink.resetSession();
        this.#dropEverything(reason, code, message, false);
      },
      finished: (code, message) => {
        const byUs = code === 'CLOSED_BY_CLIENT' || code === 'GAVE_UP';
        this.#closedWith = { code: errorCodeOfClose(code), message };
        // Before the pending requests fail: one that the watch's 'end' handler makes (a last listing)
        // went into the session being closed after they had, and was never answered.
        this.#listings.endWatch();
        this.#dropEverything(byUs ? 'left' : code, errorCodeOfClose(code), message, true);
        this.#stopWatchingOnline?.();
        this.#device.close();
        this.#ice.stop();
        this.#serverLink.resetSession(); // the direct path closes with the session
      },
    });
    const connection = this.#connection;
    this.#requests = new ServerRequests(connection);
    this.#roomRequests = new RoomRequests(connection.clock);
    this.#roomAnswers = new RoomAnswers(connection.clock, connection);
    this.#rooms = new ClientRooms({
      requests: this.#requests,
      session: connection,
      playerId: () => this.playerId,
      state: () => this.state,
      closedWith: () => this.#closedWith,
      roomTransport: (selfId, m) => this.#roomTransport(selfId, m),
      refuseRequest: (q) =>
        this.#roomAnswers.answer(q, {
          ok: false,
          code: ErrorCode.NOT_IN_ROOM,
          message: 'the player is not in that room',
        }),
    });
    this.#listings = new RoomListings(
      this.#requests,
      () => connection.state,
      (error) => this.#events.emit('error', error),
    );
    this.#sends = new SessionSends(connection);
    this.#conditioner = new Conditioner(connection.clock, options.conditioner);
    this.#serverLink = new ClientServerLink(
      {
        clock: connection.clock,
        connected: () => connection.state === 'open',
        conditioner: this.#conditioner,
        iceServers: () => this.#ice.servers,
        sendDatagrams: (c, p, messageClass, ttlMs) => this.#sends.sendDatagrams(c, p, messageClass, ttlMs),
        sendSignal: (body) => connection.sendSequenced(encodeMessage(Kind.LinkSignalToServer, body as never)),
        seating: () => this.#seating(),
      },
      linkSettings,
    );
    this.#device = new DeviceReporting(options.device, {
      sends: this.#sends,
      isOpen: () => this.state === 'open',
      changed: (state) => this.#events.emit('device', state),
    });
    this.#device.watch();
    // Subscribed before any of the app's listeners: a game that reads `quality` as it hears it is
    // reconnecting reads it poor already.
    this.#events.on('state', (state) => {
      if (state === 'reconnecting') this.#serverLink.away();
    });
  }

  /**
   * The quality of the link to the server (the path in use): round trip, jitter, loss each way,
   * bandwidth, and a grade with hysteresis for a connection indicator. `quality.on('change', ...)`.
   */
  get quality(): QualityView {
    return this.#serverLink.quality;
  }

  /** What this client reports about its device, and the class the server treats it as. */
  get device(): DeviceState {
    return this.#device.state;
  }

  /** The developer's network conditioner now in force (undefined: off). */
  get conditions(): ConditionerSettings | undefined {
    return this.#conditioner.settings;
  }

  /**
   * Developer tool: from now on, adds these impairments to this client's own traffic (server link and
   * peer links, both ways); undefined turns the conditioner off. Throws on a bad setting.
   */
  setConditions(settings: ConditionerSettings | undefined): void {
    this.#conditioner.set(settings);
  }

  /** A snapshot of the connection: heartbeat RTT, clock offset, and the server link's mode, path and counters. */
  stats(): ClientStats {
    const link = this.#serverLink;
    return {
      state: this.state,
      rttMs: this.rttMs,
      clockOffsetMs: this.clockOffsetMs,
      serverLink: { mode: link.mode, offered: link.offered, path: link.path, ...link.stats() },
      sends: this.#connection.sendStats,
      requests: this.#roomRequests.stats,
    };
  }

  /**
   * This client's link to the server, for inputs and snapshots: direct (datagrams over WebRTC) when the
   * server offers it, TCP mode over the WebSocket otherwise. Its `state` is 'direct' or 'relayed'.
   */
  get serverLink(): ClientServerLink {
    return this.#serverLink;
  }

  get state(): ConnectionState {
    return this.#connection.state;
  }
  get playerId(): string | undefined {
    return this.#connection.session?.playerId;
  }
  get name(): string | undefined {
    return this.#connection.session?.name;
  }
  /**
   * What a new client needs to take this session over (its `resumeToken` option): after a page reload,
   * or in a process restarted, within the grace period. A secret: whoever has it can play as this
   * player until the session ends. Keep it in sessionStorage (per tab, gone with the tab), never in a URL
   * or a log, and keep the newest: it changes (the `resume-token` event) with each new session and
   * takeover. Undefined without a session.
   */
  get resumeToken(): string | undefined {
    return this.#connection.resumeToken;
  }
  /**
   * How long the server holds this session's seat after a drop, in ms, as its newest welcome said
   * (undefined before the first). Counted by the server from when it noticed the drop: a player down for
   * longer may find the session gone (`session-expired`) when the connection comes back.
   */
  get graceMs(): number | undefined {
    return this.#graceMs;
  }
  /** Newest heartbeat round trip in ms. */
  get rttMs(): number {
    return this.#connection.rttMs;
  }
  /**
   * Server time minus local time, in ms: the offset `serverNow()` applies now (`serverNow()` is
   * `clock.now() + clockOffsetMs`). Slewed, not the newest estimate: see `serverNow()`.
   */
  get clockOffsetMs(): number {
    return this.#connection.clockOffsetMs;
  }
  /** The room we are in, if any. */
  get room(): RoomConnection | undefined {
    return this.#rooms.room;
  }
  /**
   * Estimated current server time in ms. Never runs backwards: a better estimate from a heartbeat is
   * slewed to, at most 1 ms per 100 ms (server time runs at 99%..101% speed meanwhile). It steps only to
   * the first welcome's time and to an estimate more than 1 s away (the server restarted, or the local
   * clock stepped), which may be backwards.
   */
  serverNow(): number {
    return this.#connection.serverNow();
  }

  /**
   * Resolves once the server has read and handled everything this client sent before the call (room
   * messages, requests, leaves): its room's handlers have run for them (an async handler has begun). For
   * tests, and for an app that reads the server's side (an HTTP endpoint) after its own sends. Messages
   * held back by the send rate are written first; then a heartbeat ping goes, whose answer comes after the
   * server has read what came before it: nothing new on the wire. Rejects NOT_CONNECTED if the client is
   * not open, or stops being open before the answer.
   */
  serverCaughtUp(): Promise<void> {
    return this.#connection.serverCaughtUp();
  }

  on<E extends keyof ClientEvents>(event: E, listener: (payload: ClientEvents[E]) => void): Disposer {
    return this.#events.on(event, listener);
  }

  /**
   * Opens the session. Resolves at the server's welcome (a resumed session's included: called while
   * reconnecting, it waits for that); rejects if the client closes first.
   */
  connect(): Promise<void> {
    // A close still writing what it held back is ending this session: resolved now, the app was handed a
    // client closed a moment later. Connected anew once it is done, unless the app closes again meanwhile.
    const closing = this.#connection.closing;
    if (closing !== undefined) {
      const closeCalls = this.#closeCalls;
      return closing.then(() => {
        if (this.#closeCalls !== closeCalls) {
          throw new ProtocolError(ErrorCode.NOT_CONNECTED, 'closed again before it could connect');
        }
        return this.connect();
      });
    }
    if (this.state === 'open') return Promise.resolve();
    // The close stopped the device watch with the session: without a new one, a page hidden from now on
    // was never reported (nor a battery running low), and the server went on as the page was at the close.
    if (this.state === 'closed') this.#device.watch();
    const opened = new Promise<void>((resolve, reject) => {
      const welcomed = () => {
        for (const dispose of disposers) dispose();
        resolve();
      };
      const disposers = [
        this.#events.once('open', welcomed),
        this.#events.once('reconnect', welcomed),
        this.#events.once('closed', ({ code, message }) => {
          for (const dispose of disposers) dispose();
          reject(new ProtocolError(errorCodeOfClose(code), message));
        }),
      ];
    });
    this.#connection.start();
    return opened;
  }

  /**
   * The public rooms that match `query`, oldest first. A room this client cannot read (listed by a server
   * of another version, say) is left out, with an `error` event (INVALID_MESSAGE) saying how many and why.
   */
  listRooms(query: RoomQuery = {}): Promise<RoomInfo[]> {
    return this.#listings.list(query);
  }

  /**
   * Follows the room listing live: resolves with a `RoomWatch` whose `rooms` is the listing now (as
   * `listRooms` answers) and which fires `change` with the whole new list whenever a room of the cluster
   * that the query covers is added, removed, filled or changed (a burst of changes comes as one list). One
   * watch at a time: a new one ends the one before. It survives dropped sockets and new sessions.
   */
  watchRooms(query: RoomQuery = {}, onChange?: (rooms: readonly RoomInfo[]) => void): Promise<RoomWatch> {
    return this.#listings.watch(query, onChange);
  }

  create<
    In extends Messages = Messages,
    Out extends Messages = Messages,
    Replies extends Messages = Messages,
  >(
    type: string,
    options: { private?: boolean; options?: unknown } = {},
  ): Promise<RoomConnection<In, Out, Replies>> {
    const unknown = unknownKey('create', options, ['private', 'options']);
    if (unknown) return Promise.reject(unknown);
    return this.#rooms.join(Kind.CreateRoom, { type, ...options });
  }

  join<In extends Messages = Messages, Out extends Messages = Messages, Replies extends Messages = Messages>(
    roomId: string,
    options?: unknown,
  ): Promise<RoomConnection<In, Out, Replies>> {
    return this.#rooms.join(
      Kind.JoinRoom,
      { roomId, ...(options === undefined ? {} : { options }) },
      (room) => room.roomId === roomId,
    );
  }

  joinByCode<
    In extends Messages = Messages,
    Out extends Messages = Messages,
    Replies extends Messages = Messages,
  >(code: string, options?: unknown): Promise<RoomConnection<In, Out, Replies>> {
    const typed = normalizeRoomCode(code);
    return this.#rooms.join(
      Kind.JoinByCode,
      { code, ...(options === undefined ? {} : { options }) },
      (room) => typed !== undefined && room.code === typed,
    );
  }

  /** Joins a public room of `type` with a free seat (matching `filter`), or creates one. */
  quickPlay<
    In extends Messages = Messages,
    Out extends Messages = Messages,
    Replies extends Messages = Messages,
  >(
    type: string,
    options: { filter?: Record<string, Scalar>; options?: unknown } = {},
  ): Promise<RoomConnection<In, Out, Replies>> {
    const unknown = unknownKey('quickPlay', options, ['filter', 'options']);
    if (unknown) return Promise.reject(unknown);
    return this.#rooms.join(Kind.QuickPlay, { type, ...options });
  }

  /**
   * Ends the session: the server frees our seat at once. Reliable messages the client still holds back
   * (sent above the session's rate, or while the socket was backed up) are written first, for at most
   * `flushMs` (default 3,000); those that could not be are told in an `error` event (NOT_CONNECTED). Resolves
   * once closed, with how many could not be sent. Requests waiting for an answer reject (NOT_CONNECTED).
   * Called again while it writes, it shares that close's promise; a shorter `flushMs` shortens the wait.
   */
  close(options: { flushMs?: number } = {}): Promise<number> {
    const flushMs = options.flushMs ?? DEFAULT_CLOSE_FLUSH_MS;
    if (!(typeof flushMs === 'number' && flushMs >= 0 && flushMs !== Number.POSITIVE_INFINITY)) {
      throw new TypeError(
        `close option 'flushMs' must be a finite number of at least 0, got ${String(flushMs)}`,
      );
    }
    this.#closeCalls++;
    return this.#connection.close(flushMs);
  }

  /**
   * Closes at once for a page going away (call it from `pagehide`), even while a `close()` is still writing
   * what it held back: as `close({ flushMs: 0 })`, and the
   * session's goodbye also goes as a beacon (`navigator.sendBeacon`) to the server the session lives on,
   * which ends it for good at once. The socket's closing frame alone is often never sent by a page that
   * is being torn down, and the server then holds the seat for its grace period. Returns whether the
   * browser took the beacon: false with no session (never connected, or closed already), and always in
   * Node, where there are no beacons and this is just `close({ flushMs: 0 })`.
   */
  closeForUnload(): boolean {
    // Before the close, which forgets the session and its token.
    const sent = this.#connection.sendLeaveBeacon();
    this.#closeCalls++;
    void this.#connection.close(0);
    return sent;
  }

  /**
   * For a page going away that may come back (call it from `pagehide` instead of `closeForUnload`): a
   * beacon asks the server to hold this session, once the page's socket is gone, at most `keepMs`
   * (default 10,000; never longer than it would be held anyway: the server's grace period, or its room's
   * longer reconnection window) for the reloaded page to take it over
   * with `resumeToken`. A reload within it is back in its room; a tab closed for good frees its seat
   * after `keepMs` rather than the whole grace period. Nothing is closed: a page that stays, or comes back
   * from the back/forward cache, goes on (a resume lets the hold go). Returns whether the browser took the
   * beacon: false with no session, and always in Node. A `keepMs` that is not a whole number of ms in
   * 1..600,000 throws a RangeError.
   */
  keepSessionForReload(keepMs = DEFAULT_RELOAD_KEEP_MS): boolean {
    if (!isSessionKeepMs(keepMs)) {
      throw new RangeError(
        `keepSessionForReload: keepMs must be a whole number of ms in 1..${MAX_SESSION_KEEP_MS}, got ${String(keepMs)}`,
      );
    }
    return this.#connection.sendLeaveBeacon(keepMs);
  }

  /**
   * The room whose snapshots a SyncedState on the server link may apply: ours (by its membership, which
   * every snapshot names), and whether a join is on its way. Undefined from a server that names no
   * memberships: nothing to go by.
   */
  #seating(): SyncSeating | undefined {
    const room = this.#rooms.room;
    if (room !== undefined && room.membership === undefined) return undefined;
    return { membership: room?.membership, joining: this.#rooms.joining, session: this.#sessions };
  }

  /**
   * What a room this client enters sends with: through this session, each send naming the room's
   * seating `m`.
   */
  #roomTransport(selfId: string, m: number | undefined): RoomTransport {
    // The room's requests are told apart from other rooms' by this: each room gets a transport of its own.
    const asker = {};
    return {
      clock: this.#connection.clock,
      selfId,
      iceServers: () => this.#ice.servers,
      sendRoomMessage: (type, data, options) => this.#sends.sendRoomMessage(type, data, options, m),
      request: (type, data, options) =>
        this.#roomRequests.ask(asker, type, options, (q, sendOptions, w) =>
          this.#sends.sendRoomMessage(type, data, sendOptions, m, { q, w }),
        ),
      endRequests: (code, why) => this.#roomRequests.failOf(asker, code, why),
      answer: (q, outcome) => this.#roomAnswers.answer(q, outcome),
      conditioner: this.#conditioner,
      linkEpochs: this.#linkEpochs,
      connected: () => this.#connection.state === 'open',
      closing: () => this.#connection.closing !== undefined,
      sendSignal: (to, signal) => this.#sends.sendSignalToPeer(to, signal, m),
      sendToPeer: (to, channel, bytes, messageClass, ttlMs) =>
        this.#sends.sendToPeer(to, channel, bytes, messageClass, ttlMs, m),
      sendPhysToPeers: (to, bytes) => this.#sends.sendPhysToPeers(to, bytes, m),
      leaveRoom: (leaving) => this.#rooms.leave(leaving),
    };
  }

  /** The server this client talks to now: `url` until a redirect or failover moves it to another node. */
  get url(): string {
    return this.#connection.url;
  }

  /** The session or the client ended: the room is left and pending requests fail. */
  #dropEverything(
    reason: Parameters<RoomConnection['applyLeft']>[0],
    code: ErrorCode,
    message: string,
    final: boolean,
  ): void {
    // The ended session's requests fail before the app hears of the room: what its room-left handler asks
    // (a quick play elsewhere) goes to the next session and must be answered there, not failed with these.
    const room = this.#rooms.release();
    // First: what the room's handlers would answer at its leave is for the ended session, not the next one.
    this.#roomAnswers.clear();
    this.#requests.failAll(code, message);
    // With the session's code, before the room's leave would fail them with its reason.
    this.#roomRequests.failAll(code, `the session ended (${message})`);
    room?.applyLeft(reason, message);
    // Closed for good, there is no next session: what the handler asked fails too, or it would wait for ever.
    if (final) this.#requests.failAll(code, message);
  }

  #onWelcome(offered: boolean, fresh: boolean, resync: boolean): void {
    if (fresh) this.#sessions++;
    const link = this.#serverLink;
    // A new session: the server's end of the old link is gone with the old session.
    link.welcomed(fresh);
    link.offered = offered;
    this.#rooms.welcomed(fresh, resync);
    if (link.mode === 'require' && !(offered && link.wantsDirect)) {
      // Each says what would make a direct link possible: a Node client has no RTCPeerConnection of its own.
      const why = offered
        ? "this side has no WebRTC (no RTCPeerConnection: pass serverLink: { mode: 'require', RTCPeerConnection }, in Node from node-datachannel/polyfill)"
        : 'the server makes no direct links (its serverLink option is off, or node-datachannel did not load there)';
      this.#events.emit(
        'error',
        new ProtocolError(ErrorCode.SERVER_LINK_UNAVAILABLE, `a direct server link is required, but ${why}`),
      );
    }
    this.#watchOnline();
    this.#device.report();
    if (fresh) this.#listings.rewatch();
  }

  /** Asks for fresh ICE servers (TURN credentials); the answer comes as an IceServers message. */
  #requestIceServers(): void {
    try {
      this.#connection.sendSequenced(encodeMessage(Kind.RefreshIceServers, {}));
    } catch {
      // A full outbox: the connection is down for long. The welcome that ends it brings fresh ones.
    }
  }

  /** The network came back, or the page is back after long away: ask for a direct server link again now. */
  #watchOnline(): void {
    if (this.#stopWatchingOnline) return;
    const retry = () => this.#serverLink.retryDirect();
    const stops = [onBrowserOnline(retry), onPageShownAfterAway(this.#connection.clock, retry)];
    this.#stopWatchingOnline = () => {
      for (const stop of stops) stop();
      this.#stopWatchingOnline = undefined;
    };
  }

  #onMessage(message: Message): void {
    switch (message.kind) {
      case Kind.Error: {
        const { closesInMs } = message.body;
        if (message.body.code === ErrorCode.SERVER_SHUTTING_DOWN && closesInMs !== undefined) {
          this.#events.emit('closing', { inMs: closesInMs, message: message.body.message });
        }
        if (message.body.code === ErrorCode.SERVER_LINK_UNAVAILABLE) this.#serverLink.attemptsUnavailable();
        const error = new ProtocolError(
          message.body.code,
          readableNotice(message.body.code, message.body.message, {
            hasFallback: this.#connection.hasFallback,
            inRoom: this.room !== undefined,
          }),
        );
        if (!this.#requests.refuse(message.body.rid, error)) this.#events.emit('error', error);
        return;
      }
      case Kind.Response:
        this.#requests.answer(message.body);
        return;
      case Kind.RoomReply:
        this.#roomRequests.reply(message.body);
        return;
      case Kind.ServerRoomMessage: {
        // A request of the room's is owed its answer from here on, whichever way it goes next.
        const { q } = message.body;
        if (q === undefined || this.#roomAnswers.take({ ...message.body, q })) this.#rooms.receive(message);
        return;
      }
      case Kind.SignalFromPeer:
        this.#rooms.receiveSignal(message.body);
        return;
      case Kind.DataFromPeer: {
        // The room drops it if stamped for another seating. Unlike room messages, one for the room a join in
        // flight enters is not kept for it: that room would have no relay link yet to take it.
        const { from, c, p, t, m } = message.body;
        this.#rooms.room?.receivePeerData(from, c, p, t, m);
        return;
      }
      case Kind.LinkSignalFromServer:
        this.#serverLink.receiveSignal(message.body.n, message.body.s as RtcSignal);
        return;
      case Kind.DatagramFromServer:
        this.#serverLink.receiveDatagram(message.body.c, message.body.p, message.body.t);
        return;
      case Kind.RoomList:
        this.#listings.receiveList(message.body);
        return;
      case Kind.IceServers:
        this.#ice.update(message.body.iceServers, message.body.iceTtlMs);
        return;
      default:
        this.#rooms.receive(message);
    }
  }
}
