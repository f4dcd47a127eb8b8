import { randomBytes } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type * as v from 'valibot';
import { type WebSocket, WebSocketServer } from 'ws';
import { type Cancel, type Clock, type Disposer, every, realClock } from '../common/index.js';
import {
  closeCodeFor,
  ErrorCode,
  encodeMessage,
  Kind,
  MAX_NAME_LENGTH,
  MAX_REASON_LENGTH,
  SESSION_LEAVE_PATH,
  SessionGoneReason,
} from '../protocol/index.js';
import { AddressRate } from './address-rate.js';
import { authenticateWithin } from './auth/authenticate-within.js';
import { type Authenticator, guestAuthenticator, type Identity } from './auth/authenticator.js';
import { GuestTokens } from './auth/guest-tokens.js';
import { AddressSlots } from './connection/address-slots.js';
import { closeReason } from './connection/close-reason.js';
import { LoopStalls } from './connection/loop-stalls.js';
import { endCutOff, ServerConnection } from './connection/server-connection.js';
import { type AppServer, checkAppServer, routeUpgrades, whenListening } from './http/attached-server.js';
import { handleGuestTokenRequest } from './http/guest-endpoint.js';
import { answerError, answerNotFound } from './http/json-answer.js';
import { handleSessionLeaveRequest } from './http/leave-endpoint.js';
import { RequestsInProgress } from './http/requests-in-progress.js';
import { answerClientError, refuse } from './http/socket-refusal.js';
import { createStaticHandler, namesStaticFile } from './http/static-files.js';
import { checkUpgrade } from './http/upgrade-guard.js';
import { checkIceOptions } from './ice/ice-options.js';
import { issueIceServers } from './ice/ice-servers.js';
import { CountingMetrics, type MetricsSink } from './metrics.js';
import { ServerMonitoring } from './monitoring/monitoring.js';
import type { ServerStats } from './monitoring/server-stats.js';
import { createServerStats } from './monitoring/server-stats-view.js';
import { NodeTopics, type SubscribeOptions, type TopicHandler } from './node-messages/node-topics.js';
import { type RoomCallOptions, RoomCalls } from './node-messages/room-calls.js';
import { SubscriptionsDown } from './node-messages/subscriptions-down.js';
import type { GameServerOptions, ResolvedLimits } from './options.js';
import { checkAllowedOrigins, checkNodeId, checkPublicUrl, resolveLimits } from './options.js';
import { MemoryRegistry } from './registry/memory-registry.js';
import { NodePresence } from './registry/node-presence.js';
import { otherNodesCheck } from './registry/node-warnings.js';
import { arrivalPlanTtl, type Registry } from './registry/registry.js';
import { addressBlock, normalizeAddress, remoteAddress } from './remote-address.js';
import { arrivalUrl, arrivingFrom, drainName } from './rooms/drain-arrivals.js';
import { DrainTargets, type Leaver } from './rooms/drain-targets.js';
import type { RoomTypeOptions } from './rooms/quick-play-order.js';
import type { Room, RoomClass } from './rooms/room.js';
import { RoomManager } from './rooms/room-manager.js';
import { checkServerLinkOptions } from './server-link/server-link-options.js';
import { ServerLinks } from './server-link/server-links.js';
import { SessionOrigin } from './sessions/resume-token.js';
import type { Session } from './sessions/session.js';
import { SessionEventHub, type SessionEvents } from './sessions/session-events.js';
import { type ResumeOutcome, SessionStore } from './sessions/session-store.js';

export interface CloseOptions {
  /** Rooms keep running this long (ms) after players are told, or until they empty. Default 5,000. */
  drainMs?: number;
}

export interface DrainOptions {
  /** Running rooms may go on this long (ms) before their players are moved to other nodes. Default 60,000. */
  deadlineMs?: number;
}

/**
 * The game server: one HTTP(S) server that serves the page and the guest-token endpoint, and upgrades
 * `path` to WebSockets carrying sessions and rooms. Its own server (`listen`), or the app's (`attach`,
 * with `handleRequest` or `middleware` in the app's request handler).
 */
export class GameServer {
  readonly clock: Clock;
  /**
   * Where counts and timings go: `options.metrics`, or a CountingMetrics made here. Typed as the sink
   * interface, so that code taking any GameServer takes one with any sink; to read counts back, pass a
   * CountingMetrics (or your own sink) and keep a reference to it.
   */
  readonly metrics: MetricsSink;
  /** Every player's link to this server (direct over UDP, or TCP mode); `available` says if direct works. */
  readonly serverLinks: ServerLinks;
  readonly registry: Registry;
  readonly rooms: RoomManager;
  readonly nodeId: string;
  /** What operators see: history, alerts, analytics (the dashboard and /metrics serve them). */
  readonly monitoring: ServerMonitoring;
  /** A read-only view of rooms, players and links, as the dashboard and the Prometheus gauges read it. */
  readonly stats: ServerStats;

  readonly #options: GameServerOptions;
  readonly #limits: ResolvedLimits;
  /** Its own server, which `listen` listens on (unused when attached). */
  readonly #http: http.Server;
  /** The app's server when `attach`ed, and how to take our listener off it again. */
  #attached: { server: AppServer; detach: Disposer } | undefined;
  /** Which of `listen` and `attach` started this server: one of them, once. */
  #startedBy: 'listen' | 'attach' | undefined;
  /** Set as `close()` ends: `handleRequest` answers nothing more, so the app's own handler answers. */
  #stoppedServing = false;
  readonly #wss: WebSocketServer;
  readonly #sessions: SessionStore;
  /** What `on` listens to: this node's sessions beginning, dropping, coming back and ending. */
  readonly #sessionEvents: SessionEventHub;
  readonly #connections = new Set<ServerConnection>();
  /**
   * Held per address block, for `maxConnectionsPerAddress`: with `trustProxy` 0, every TCP connection
   * accepted (`#onConnection`); behind proxies, WebSockets and upgrades in progress by forwarded address.
   */
  readonly #addressSlots: AddressSlots;
  // Counted by who sent it, as other bad HTTP input is (the session leave endpoint's).
  readonly #requestsInProgress = new RequestsInProgress((req) =>
    this.monitoring.clientErrors.count(
      'bad_input_total',
      { code: ErrorCode.RATE_LIMITED },
      addressBlock(remoteAddress(req, this.#limits.trustProxy)),
    ),
  );
  /** Upgrades per address block over time, for `connectBurst` and `connectsPerSecond`. */
  readonly #connectRate: AddressRate;
  /** Guest tokens per address block over time, for `guestTokenBurst` and `guestTokensPerSecond`. */
  readonly #guestTokenRate: AddressRate;
  #warnedBehindProxy = false;
  /** A request carried X-Forwarded-For while `trustProxy` is 0 (see `#warnIfBehindProxy`). */
  #sawForwardedFor = false;
  readonly #authenticator: Authenticator;
  readonly #guestTokens: GuestTokens | undefined;
  /** This node's record in the registry, kept by heartbeats. */
  readonly #presence: NodePresence;
  /** Calls into rooms on any node (`callRoom`), and other nodes' calls into this one's. */
  readonly #calls: RoomCalls;
  /** Messages between the nodes' app code (`publish`, `subscribe`). */
  readonly #topics: NodeTopics;
  readonly #serveStatic: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) | undefined;
  readonly #ownsRegistry: boolean;
  #cancelHeartbeat: Cancel | undefined;
  /** A heartbeat's check put off to the next turn after a stall (see `#heartbeat`). */
  #cancelDeferredCheck: Cancel | undefined;
  /** This process's event-loop stalls, which players' rate limits and budgets do not hold against them. */
  readonly #stalls: LoopStalls;
  /** `#stalls.stalledMs` as the last heartbeat saw it: a heartbeat that finds it grown follows a stall. */
  #stalledAtHeartbeat = 0;
  #publicUrl: string | undefined;
  /** `publicUrl` as given, normalized (see `checkPublicUrl`). */
  readonly #givenPublicUrl: string | undefined;
  /** Tells the registry this is a new process when it reuses a node id (see `NodeInfo.bootId`). */
  readonly #bootId = randomBytes(8).toString('hex');
  #draining: Promise<void> | undefined;
  /**
   * What the drain has told its players, in turn told to every hello that comes after (see `#tellLeaving`):
   * the notice, then the goodbye; each with the URL of the node its player goes to (see DrainTargets).
   */
  #drainSaid: 'notice' | 'goodbye' | undefined;
  /** Where the drain sends each player: the rooms spread over the other nodes. */
  readonly #drainTargets: DrainTargets;
  /**
   * The name this process's drain plans under and tags its goodbyes with (see `Registry.planArrivals`):
   * opaque, since the goodbye shows it to the players. One per process, as is its drain.
   */
  readonly #drainName = drainName();
  #closing: Promise<void> | undefined;
  /** Ends `attach`'s wait for the app's server to listen (see `whenListening`). */
  #stopWatchingApp: (() => void) | undefined;
  /** `listen` or `attach` failed, and stopped the server (see `#startOrStop`). */
  #startFailed = false;
  /** When `close()` closes the players still here (real time): set as it begins. */
  #shutdownDeadline: number | undefined;

  constructor(options: GameServerOptions = {}) {
    this.#options = options;
    this.#limits = resolveLimits(options);
    this.#addressSlots = new AddressSlots(this.#limits.maxConnectionsPerAddress);
    this.#connectRate = new AddressRate({
      burst: this.#limits.connectBurst,
      perSecond: this.#limits.connectsPerSecond,
    });
    this.#guestTokenRate = new AddressRate({
      burst: this.#limits.guestTokenBurst,
      perSecond: this.#limits.guestTokensPerSecond,
    });
    checkIceOptions(options.iceServers, options.turn);
    checkServerLinkOptions(options.serverLink);
    checkAllowedOrigins(options.allowedOrigins);
    this.#givenPublicUrl = checkPublicUrl(options.publicUrl);
    checkNodeId(options.nodeId);
    this.clock = options.clock ?? realClock;
    this.#stalls = new LoopStalls(this.clock);
    this.#drainTargets = new DrainTargets({ clock: this.clock, nodeId: () => this.nodeId });
    this.metrics = options.metrics ?? new CountingMetrics();
    this.nodeId = options.nodeId ?? `node-${randomBytes(4).toString('hex')}`;
    this.monitoring = new ServerMonitoring({
      sink: this.metrics,
      clock: this.clock,
      nodeId: this.nodeId,
      secure: options.tls !== undefined,
      trustProxy: this.#limits.trustProxy,
      options,
      endSession: (playerId, message) => this.endSession(playerId, message),
    });
    // Everything below reports through the monitoring tap, which passes it on to `this.metrics`.
    const metrics = this.monitoring.metrics;
    this.#ownsRegistry = options.registry === undefined;
    this.registry = options.registry ?? new MemoryRegistry({ clock: this.clock });
    const guestAuth = options.guestAuth ?? options.authenticator === undefined;
    this.#guestTokens = guestAuth
      ? new GuestTokens({
          secret: options.guestSecret ?? randomBytes(32).toString('base64url'),
          ...(options.guestTokenTtlMs === undefined ? {} : { ttlMs: options.guestTokenTtlMs }),
          ...(options.guestAudience === undefined ? {} : { audience: options.guestAudience }),
          clock: this.clock,
        })
      : undefined;
    const authenticator =
      options.authenticator ?? (this.#guestTokens && guestAuthenticator(this.#guestTokens));
    if (!authenticator) throw new TypeError('GameServer needs an authenticator when guestAuth is false');
    this.#authenticator = authenticator;
    this.#serveStatic = options.staticDir === undefined ? undefined : createStaticHandler(options.staticDir);
    this.#sessionEvents = new SessionEventHub(metrics);
    this.#sessions = new SessionStore(
      this.clock,
      this.#limits,
      new SessionOrigin(this.nodeId, this.#bootId),
      (session) => {
        // A lobby watch goes with its session: kept, it would hold one of the node's watched queries.
        this.rooms.watchers.unwatch(session);
        this.#sessionEvents.ended(session);
      },
    );
    this.rooms = new RoomManager({
      ...this.#limits,
      registry: this.registry,
      clock: this.clock,
      stalls: this.#stalls,
      metrics,
      nodeId: this.nodeId,
      publicUrl: () => this.#publicUrl,
      bootId: this.#bootId,
    });
    this.#presence = new NodePresence({
      registry: this.registry,
      clock: this.clock,
      metrics,
      nodeId: this.nodeId,
      bootId: this.#bootId,
      nodeTtlMs: this.#limits.nodeTtlMs,
      maxRooms: this.#limits.maxRooms,
      rooms: this.rooms,
      sessionCount: () => this.#sessions.size,
      otherNodesCheck: otherNodesCheck({
        // Guest tokens signed with a random secret of this process's.
        randomGuestSecret: this.#guestTokens !== undefined && options.guestSecret === undefined,
        // The URL announced is the address listened on, which may be every interface's.
        boundUrl: this.#givenPublicUrl === undefined,
      }),
    });
    const between = {
      registry: this.registry,
      clock: this.clock,
      metrics,
      nodeId: this.nodeId,
      // One count for the node's channel for calls and its topics' (`node_subscriptions_down`), and one
      // pair of log lines for an outage of them all.
      subscriptionsDown: new SubscriptionsDown(metrics, { nodeId: this.nodeId, clock: this.clock }),
    };
    this.#calls = new RoomCalls({
      ...between,
      hostedRoom: (roomId) => this.rooms.hostedRoom(roomId),
      maxBytes: this.#limits.maxPayloadBytes,
    });
    this.#topics = new NodeTopics({ ...between, maxBytes: this.#limits.maxPayloadBytes });
    this.serverLinks = new ServerLinks(
      this.clock,
      this.#stalls,
      metrics,
      this.monitoring.clientErrors,
      options.serverLink ?? {},
      (session, channel, bytes) => this.rooms.handleLinkMessage(session, channel, bytes),
      (session, code) => this.#linkFault(session, code),
    );
    const onRequest = (req: IncomingMessage, res: ServerResponse) =>
      this.#requestsInProgress.serve(req, res, () => void this.#onHttpRequest(req, res));
    // Node's defaults (60 s for headers, 300 s for a request, checked every 30 s) let a few slow clients
    // hold thousands of sockets; these are checked often enough to act near the limit.
    const timeouts = {
      headersTimeout: this.#limits.httpHeadersTimeoutMs,
      requestTimeout: this.#limits.httpRequestTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, this.#limits.httpHeadersTimeoutMs / 2)),
    };
    this.#http = options.tls
      ? https.createServer({ cert: options.tls.cert, key: options.tls.key, ...timeouts }, onRequest)
      : http.createServer(timeouts, onRequest);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.#limits.maxPayloadBytes,
      perMessageDeflate: false, // game frames are small and binary: compression costs more CPU than it saves
      clientTracking: false,
    });
    // For https too: the TLS server emits its raw TCP sockets here, before any handshake.
    this.#http.on('connection', (socket: Socket) => this.#onConnection(socket));
    this.#http.on('upgrade', (req, socket, head) => void this.#onUpgrade(req, socket, head));
    this.#http.on('clientError', (error, socket) => answerClientError(error, socket));
    this.stats = createServerStats({
      connections: () => this.#connections.size,
      sessions: () => this.#sessions.all(),
      rooms: () => this.rooms.listings(),
    });
  }

  /**
   * Registers a room type that clients can create, join and quick-play; `options.quickPlayOrder` is the
   * order quick play tries its open rooms in (default oldest first). Throws a TypeError for a bad name or
   * option. Define a type the same on every node: quick play orders by what each room was listed with.
   */
  define(type: string, roomClass: RoomClass, options: RoomTypeOptions = {}): this {
    this.rooms.define(type, roomClass, options);
    return this;
  }

  /**
   * Starts listening; port 0 picks a free one. Resolves with the bound port and base URLs. Once: after
   * `close()` (begun or done) it rejects, and a new GameServer listens instead; after `attach` too. When
   * it rejects (its port is taken), the server has stopped what it started, as `close()` would have.
   */
  async listen(port = 8080): Promise<{ port: number; httpUrl: string; wsUrl: string }> {
    // `close()` ends the rooms, the handshake pacer, the registry and the monitoring for good: opened
    // again, the socket took connections that got no session, no room and no direct link.
    if (this.#closing)
      throw new Error(`vehikill-net: this GameServer ${this.#closedHow()}: make a new one to listen again`);
    if (this.#startedBy === 'attach')
      throw new Error('vehikill-net: this GameServer is attached to an app server: it cannot listen too');
    this.#startedBy = 'listen';
    return this.#startOrStop(async () => {
      await this.#startServices();
      // Closed while the services started: `close()` has closed the socket already, and listening now
      // would open it again for good (it answered 503 after `close()` resolved).
      if (this.#closing) throw closedBeforeListening();
      await this.#listenOn(port);
      // Closed as the socket bound (its 'listening' came before `close()` could stop it): `close()` has
      // run its course, so the socket is closed here, and the services are not started after it.
      if (this.#closing) {
        this.#http.close();
        throw closedBeforeListening();
      }
      return this.#goLive();
    });
  }

  /**
   * Binds the server's own socket. A `close()` that comes as it binds (after `listen` is called, before
   * its 'listening') means it never listens: the socket's 'close' rejects then, as this would otherwise
   * wait forever.
   */
  #listenOn(port: number): Promise<void> {
    const http = this.#http;
    return new Promise<void>((resolve, reject) => {
      const closed = () => {
        http.off('error', failed);
        reject(closedBeforeListening());
      };
      const failed = (error: Error) => {
        http.off('close', closed);
        reject(error);
      };
      http.once('error', failed);
      http.once('close', closed);
      http.listen(port, this.#options.host ?? '127.0.0.1', () => {
        http.off('error', failed);
        http.off('close', closed);
        resolve();
      });
    });
  }

  /**
   * Serves the game on the app's own HTTP(S) server, beside the app's routes, listening already or not yet
   * (then it waits for it to listen). Resolves, as `listen` does, with the port and base URLs the server
   * is bound to (`publicUrl` still names this node to the others). Upgrades on `path` are the game's; the
   * app's own 'upgrade' listeners take the other paths, and with none they are refused 404. The app hands
   * its requests to `handleRequest` or `middleware()`. `maxConnectionsPerAddress` counts this game's
   * WebSockets, not the app's HTTP connections; the server's timeouts are the app's. `close()` takes our
   * listener off and leaves the app's server open. Once: not after `listen` (nor `listen` after it), not
   * after `close()`; `tls` is refused (attach an https.Server instead). When it rejects (the app's server
   * failed to listen), the game has stopped what it started, as `close()` would have, and is off the app's
   * server.
   */
  async attach(server: AppServer): Promise<{ port: number; httpUrl: string; wsUrl: string }> {
    checkAppServer(server);
    if (this.#options.tls !== undefined)
      throw new Error(
        "vehikill-net: attach() cannot use the `tls` option: the app's server speaks TLS (attach an https.Server)",
      );
    if (this.#closing)
      throw new Error(`vehikill-net: this GameServer ${this.#closedHow()}: make a new one to attach again`);
    if (this.#startedBy !== undefined)
      throw new Error(
        `vehikill-net: this GameServer was started by ${this.#startedBy}() already: attach once`,
      );
    this.#startedBy = 'attach';
    // Watched from now: the app may call its `listen` right after this call, and its 'listening' or
    // 'error' come while the services start. Its failure is this call's, thrown below.
    const watch = whenListening(server);
    watch.listening.catch(() => {});
    // Stopped by `close()`: the app's server may never listen.
    this.#stopWatchingApp = () => watch.stop(closedBeforeAppListened());
    return this.#startOrStop(async () => {
      await this.#startServices();
      // Closed while the services started: `close()` may have taken our listeners off already, and one put
      // on now would stay on the app's server for good, its upgrades sent to a game that has closed.
      if (this.#closing) throw closedBeforeAppListened();
      const detach = routeUpgrades(server, this.#limits.path, (req, socket, head) => {
        void this.#onUpgrade(req, socket, head);
      });
      // Taken off by the stop, if the app's server fails to listen.
      this.#attached = { server, detach };
      await watch.listening;
      // Closed while the app's server was still to listen: started now, nothing would stop it again.
      if (this.#closing) throw closedBeforeAppListened();
      return this.#goLive();
    });
  }

  /**
   * Runs a start (`listen`'s or `attach`'s); if it fails, stops everything it started before passing its
   * error on. Kept, the services of a server that never served held its UDP port (a `serverLink.udpPort`
   * the next GameServer of the process is then refused), sampled metrics every second and watched the
   * event loop, for nothing, until a `close()` the caller had no reason to make: a failed start is final,
   * as a GameServer starts once.
   */
  async #startOrStop(
    start: () => Promise<{ port: number; httpUrl: string; wsUrl: string }>,
  ): Promise<{ port: number; httpUrl: string; wsUrl: string }> {
    try {
      return await start();
    } catch (error) {
      // Not when `close()` came first: that is how it ended.
      if (!this.#closing) this.#startFailed = true;
      // Should the stop fail too, the start's error is still the one this call tells (a later `close()`
      // rejects with the stop's).
      await this.close({ drainMs: 0 }).catch(() => {});
      throw error;
    }
  }

  /** How this server ended, for the error of a start after it. */
  #closedHow(): string {
    return this.#startFailed ? 'failed to start and stopped' : 'was closed';
  }

  /** What `listen` and `attach` start before the server takes connections. */
  async #startServices(): Promise<void> {
    await this.serverLinks.start();
    await this.monitoring.start(this.stats);
  }

  /** What `listen` and `attach` start once the server listens: resolves with its URLs once registered. */
  async #goLive(): Promise<{ port: number; httpUrl: string; wsUrl: string }> {
    this.#cancelHeartbeat = every(this.clock, this.#limits.heartbeatMs, () => this.#heartbeat());
    this.#stalls.start();
    this.#publicUrl = this.#givenPublicUrl ?? this.urls().wsUrl;
    // Other nodes' calls into this node's rooms; a failed subscription is made again by itself.
    this.#calls.start().catch(() => {});
    await this.#presence.start(this.#publicUrl);
    return this.urls();
  }

  /**
   * Answers `req` when it is for one of the game's routes (`/auth/guest`, the session leave path,
   * `/healthz`, the metrics and dashboard routes that are on, a file of `staticDir` when set) and returns
   * true; returns false, having touched nothing, for any other request, which the app answers. For an app
   * server the GameServer is `attach`ed to; false for every request once `close()` is done.
   */
  handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
    if (this.#stoppedServing) return false;
    const pathname = pathnameOf(req.url);
    if (pathname === undefined || !this.#servesPath(pathname, req.url)) return false;
    this.#requestsInProgress.serve(req, res, () => void this.#onHttpRequest(req, res));
    return true;
  }

  /**
   * `handleRequest` as a Connect or Express middleware: the game's routes are answered, and every other
   * request goes on to `next`.
   */
  middleware(): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
    return (req, res, next) => {
      if (!this.handleRequest(req, res)) next();
    };
  }

  /** Whether `pathname` (of `target`) is one of the routes `#onHttpRequest` answers. */
  #servesPath(pathname: string, target: string | undefined): boolean {
    if (pathname === '/auth/guest' || pathname === SESSION_LEAVE_PATH || pathname === '/healthz') return true;
    if (this.monitoring.serves(pathname)) return true;
    return this.#options.staticDir !== undefined && namesStaticFile(this.#options.staticDir, target);
  }

  /** The URL other nodes send clients to for this node's rooms (known once listening). */
  get publicUrl(): string | undefined {
    return this.#publicUrl;
  }

  /**
   * Drains this node for a deploy: it creates no more rooms (quick play and creation go to other nodes),
   * locks its rooms in the listing, and tells its players (SERVER_DRAINING notice). Rooms run until they
   * empty or `deadlineMs` passes; then their players are closed with SERVER_DRAINING, whose message is a
   * live node's URL that the client moves to (then the app quick-plays again). A player who comes back
   * later (its network was down) is told the same: the notice, or after its replay the goodbye.
   * Idempotent; `close()` afterwards stops the process's server.
   */
  drain(options: DrainOptions = {}): Promise<void> {
    const deadlineMs = waitOption('drain', 'deadlineMs', options.deadlineMs ?? 60_000);
    this.#draining ??= this.#drain(deadlineMs);
    return this.#draining;
  }

  async #drain(deadlineMs: number): Promise<void> {
    await this.rooms.startDraining().catch(() => {});
    await this.#presence.beat();
    // Other drains count these players against their targets until they are gone from here, and for a
    // node TTL more: the targets' heartbeats report them by then. Capped (a deadline may be Infinity):
    // the plan is written again as the deadline passes.
    await this.#planDrain(arrivalPlanTtl(deadlineMs + this.#limits.nodeTtlMs));
    this.#drainSaid = 'notice';
    for (const connection of this.#connections) {
      // One still to say hello hears it with its answer, not before its welcome.
      if (connection.session !== undefined) this.#tellLeaving(connection);
    }
    // The players' requests under way too: a creation the drain refused is being sent to another node,
    // and the goodbye would fail it on its way.
    await this.#waitUntil(
      () => this.rooms.playerCount === 0 && this.rooms.requestsUnderWay === 0,
      deadlineMs,
    );
    // Goodbye first, rooms after: the client leaves its room once it has switched to the new node, so
    // a quick play from its room-left handler goes there rather than to this node.
    // Where the notice said each player would go, if that node is still live and not draining itself.
    await this.#planDrain(this.#limits.nodeTtlMs);
    this.#drainSaid = 'goodbye';
    await this.#sendAway([...this.#connections]);
    // Not told RoomLeft: a player away now would have it replayed before the goodbye its resume gets,
    // and leave its room while still on this node. Every client leaves it as it moves, as above.
    this.rooms.disposeAll(ErrorCode.SERVER_DRAINING, 'the server was drained', false);
    // The node leaves the registry for good: a heartbeat after would list it again, as draining, until
    // `close()`, and other nodes would count it live. One already on its way lands before the removal.
    await this.#presence.leave();
  }

  /**
   * Tells one connection what the drain has told every player so far: the SERVER_DRAINING notice, or
   * once it said goodbye, the goodbye. For the connections open as the drain starts, and for each hello
   * after: a player whose network was down during the drain hears it as it comes back. Once `close()`
   * began, its SERVER_SHUTTING_DOWN notice too, for a hello on a socket opened just before.
   */
  #tellLeaving(connection: ServerConnection): void {
    if (this.#drainSaid === 'goodbye') void this.#sendAway([connection]);
    else if (this.#drainSaid === 'notice')
      connection.notify(ErrorCode.SERVER_DRAINING, this.#drainTargets.targetFor(this.#leaver(connection)));
    if (this.#shutdownDeadline !== undefined) this.#notifyShutdown(connection);
  }

  /** Gives `connection` the notice `close()` gives its players, with the time left until it closes them. */
  #notifyShutdown(connection: ServerConnection): void {
    const left = Math.max(0, (this.#shutdownDeadline ?? 0) - Date.now());
    connection.notifyShutdown(`the server is shutting down within ${Math.ceil(left / 1000)} s`, left);
  }

  /**
   * Says goodbye with SERVER_DRAINING and the URL of the node each player goes to ('' for none), then
   * closes.
   */
  async #sendAway(connections: ServerConnection[]): Promise<void> {
    for (const connection of connections) {
      // The URL names this drain, so that the node it lands on takes the player off this drain's plan
      // as its own load starts counting it (see ArrivalTally).
      const target = this.#drainTargets.targetFor(this.#leaver(connection));
      connection.bye(ErrorCode.SERVER_DRAINING, arrivalUrl(target, this.#drainName));
    }
    await this.#waitUntil(() => connections.every((c) => c.socket.bufferedAmount === 0), 1_000);
    for (const connection of connections) {
      connection.socket.close(closeCodeFor(ErrorCode.SERVER_DRAINING), 'moved to another node');
    }
  }

  /**
   * Plans where the drain sends the players connected now (see DrainTargets), over the live nodes that
   * take players (none when the registry is down). By boot, not id: a process that gave its id up to a
   * newer one sends its players there. Not to this node's own URL under another id: a crashed
   * predecessor's record, not yet expired, and players sent there came back to this draining node, were
   * sent there again, and so on. Nodes draining at the same time count each other's players (for
   * `arrivalsTtlMs`: see `Registry.planArrivals`).
   */
  async #planDrain(arrivalsTtlMs: number): Promise<void> {
    const nodes = await this.registry.listNodes().catch(() => []);
    const others = nodes.filter(
      (node) =>
        node.bootId !== this.#bootId &&
        !node.draining &&
        (node.nodeId === this.nodeId || node.url !== this.#publicUrl),
    );
    const leavers = [...this.#connections].map((connection) => this.#leaver(connection));
    const types = this.rooms.listings().map((listing) => listing.type);
    await this.#drainTargets.planShared(
      this.registry,
      this.#drainName,
      others,
      leavers,
      types,
      arrivalsTtlMs,
    );
  }

  /** The player on `connection` as the drain sends it away: with the room it plays in here, if any. */
  #leaver(connection: ServerConnection): Leaver {
    const session = connection.session;
    const listing = this.rooms.listing(session?.roomId);
    const room = listing && { roomId: listing.roomId, type: listing.type, players: listing.clients };
    return { playerId: session?.playerId, room };
  }

  /**
   * Why a load balancer should send no new players here (`/healthz` answers 503 with it), or undefined:
   * closing, draining, or its node id given up to a newer process (it takes no new rooms and, no longer
   * heartbeating, is in nobody's listing: it never becomes healthy again).
   */
  #notTakingPlayers(): 'closing' | 'draining' | 'node id given up' | undefined {
    if (this.#closing !== undefined) return 'closing';
    if (this.#draining !== undefined) return 'draining';
    if (this.#presence.yieldedNodeId) return 'node id given up';
    return undefined;
  }

  urls(): { port: number; httpUrl: string; wsUrl: string } {
    const server = this.#attached?.server ?? this.#http;
    const address = server.address() as AddressInfo | null;
    if (!address) throw new Error('the server is not listening');
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const secure = this.#attached ? server instanceof https.Server : this.#options.tls !== undefined;
    return {
      port: address.port,
      httpUrl: `${secure ? 'https' : 'http'}://${host}:${address.port}`,
      wsUrl: `${secure ? 'wss' : 'ws'}://${host}:${address.port}${this.#limits.path}`,
    };
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * The room `roomId` as its app code sees it (`broadcast`, `kick`, `setMetadata`, `lock`, `clients`...),
   * when this process hosts it; undefined otherwise (no such room, disposed, or hosted by another node:
   * `registry.getRoom(roomId)` names that node). Narrow it with `instanceof` to call your room's own methods.
   */
  localRoom(roomId: string): Room | undefined {
    return this.rooms.hostedRoom(roomId);
  }

  /** The rooms this process hosts now, oldest first: each with its `type`, `roomId` and `clients`. */
  localRooms(): Room[] {
    return this.rooms.hostedRooms();
  }

  /**
   * The room of this process that the session `playerId` is seated in (a session sits in one room at a
   * time); undefined when it is in none, still joining one, or not a session of this process.
   */
  localRoomOf(playerId: string): Room | undefined {
    const session = this.#sessions.get(playerId);
    return session === undefined ? undefined : this.rooms.roomOf(session);
  }

  /**
   * Calls `name` (see `Room.onCall`) of the room `roomId`, on this node or another: resolves with the
   * handler's answer. Arguments and answer travel as JSON, on one node as between nodes (at most
   * `maxPayloadBytes` of it). Rejects with a RoomCallError whose `code` says why: ROOM_NOT_FOUND,
   * UNKNOWN_MESSAGE_TYPE (no such call), INVALID_MESSAGE (its schema refused the arguments, or JSON cannot
   * write them), MESSAGE_TOO_LARGE, REQUEST_FAILED (the handler threw: with its `reason` and message for a
   * RoomError), REQUEST_TIMEOUT (no answer within `timeoutMs`), NODE_UNREACHABLE (the room's node is gone
   * or did not take the call), REGISTRY_UNAVAILABLE, RATE_LIMITED (too many calls waiting) or
   * SERVER_SHUTTING_DOWN. A room id or name that is no string, or a bad `timeoutMs`, throws at once.
   */
  callRoom(roomId: string, name: string, args?: unknown, options?: RoomCallOptions): Promise<unknown> {
    return this.#calls.call(roomId, name, args, options);
  }

  /**
   * Sends `data` to every node's subscribers of `topic` (`subscribe`), this node's too: resolves with how
   * many nodes listen there (as the registry counts them), once the registry took it. At most once each,
   * best effort (a node whose subscription is down as it goes misses it). `data` travels as JSON, at most
   * `maxPayloadBytes`: INVALID_MESSAGE or MESSAGE_TOO_LARGE otherwise; REGISTRY_UNAVAILABLE when Redis is
   * down. A topic is 1-64 letters, digits or `_.:-` (a TypeError otherwise).
   */
  publish(topic: string, data?: unknown): Promise<number> {
    return this.#topics.publish(topic, data);
  }

  /**
   * Calls `handler` with each message published on `topic` by any node (this one too), as `schema` (a
   * valibot schema) gives it; one it refuses is dropped and counted. Resolves once this node listens: what
   * is published after that is heard (while Redis is unreachable, or refuses, it tries again until it
   * listens). `onGap` is called when messages may have been missed: the subscription was down and is back.
   * Neither `handler` nor `onGap` is called before the promise has resolved. The disposer ends the
   * subscription. Rejects SERVER_SHUTTING_DOWN once the server has closed, or when it
   * closes before the subscription is in place.
   */
  subscribe<S extends v.GenericSchema>(
    topic: string,
    schema: S,
    handler: TopicHandler<v.InferOutput<S>>,
    options?: SubscribeOptions,
  ): Promise<Disposer> {
    return this.#topics.subscribe(topic, schema, handler as TopicHandler<unknown>, options);
  }

  /**
   * Listens to this node's sessions (not other nodes': see docs/server.md for a cluster's presence):
   * 'session-begin' once a new player is authenticated and welcomed, 'session-away' when its socket drops
   * (the session and its seat held for a resume), 'session-back' when it resumes or a new client takes it
   * over (`takenOver`), and 'session-end' once per session when it ends for good, with its `reason` ('left',
   * SESSION_EXPIRED, SESSION_ENDED, TOO_MANY_ERRORS, SERVER_SHUTTING_DOWN...), `close()` included. A
   * listener that throws or rejects is logged and counted (`room_hook_errors_total`), and the others still
   * run. An unknown event name, or a listener that is no function, throws a TypeError.
   */
  on<E extends keyof SessionEvents>(event: E, listener: (payload: SessionEvents[E]) => unknown): Disposer {
    return this.#sessionEvents.on(event, listener);
  }

  /**
   * Ends the session `playerId` for good, connected or away: it leaves its room with SESSION_ENDED (the
   * room's `onLeave` and the other members' `member-leave` say so), its client gets a goodbye with
   * SESSION_ENDED and `message` and closes (`closed` event: no reconnect, no fresh session of its own),
   * and its resume token resumes nothing any more. True when it ended a session; false when this process
   * has no live session of that id (never had, ended already, or another node's): calling it again is
   * harmless. `message` is cut to what the protocol carries (512 characters).
   */
  endSession(playerId: string, message = 'the server ended the session'): boolean {
    if (typeof message !== 'string') throw new TypeError('endSession(): message must be a string');
    const session = this.#sessions.get(playerId);
    if (session === undefined) return false;
    const said = message.slice(0, MAX_REASON_LENGTH);
    this.#connectionOf(session)?.sayGoodbye(ErrorCode.SESSION_ENDED, said);
    this.rooms.leave(session, ErrorCode.SESSION_ENDED, said);
    this.#sessions.delete(session, ErrorCode.SESSION_ENDED);
    return true;
  }

  /** Issues a guest token directly (for bots and tests in the same process). */
  issueGuestToken(name?: string): string {
    if (!this.#guestTokens) throw new Error('guest authentication is off on this server');
    return this.#guestTokens.issue(name).token;
  }

  /**
   * Graceful shutdown: stop accepting, tell players, let rooms run until they empty or `drainMs`
   * passes, then close every room and socket. Idempotent.
   */
  close(options: CloseOptions = {}): Promise<void> {
    const drainMs = waitOption('close', 'drainMs', options.drainMs ?? 5_000);
    this.#closing ??= this.#shutdown(drainMs);
    return this.#closing;
  }

  async #shutdown(drainMs: number): Promise<void> {
    this.#stopWatchingApp?.();
    const stopListening = new Promise<void>((resolve) => this.#http.close(() => resolve()));
    this.#http.closeIdleConnections();
    // Real time, as `#waitUntil` below.
    this.#shutdownDeadline = Date.now() + drainMs;
    for (const connection of this.#connections) {
      // One still to say hello hears it with its answer (`#tellLeaving`), not before its welcome.
      if (connection.session !== undefined) this.#notifyShutdown(connection);
    }
    await this.#waitUntil(() => this.rooms.roomCount === 0 || this.#connections.size === 0, drainMs);
    this.rooms.disposeAll(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
    for (const connection of this.#connections) {
      connection.bye(ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
    }
    await this.#waitUntil(() => [...this.#connections].every((c) => c.socket.bufferedAmount === 0), 1_000);
    for (const connection of this.#connections) {
      connection.socket.close(closeCodeFor(ErrorCode.SERVER_SHUTTING_DOWN), 'server shutting down');
    }
    await this.#waitUntil(() => this.#connections.size === 0, 1_000);
    for (const connection of this.#connections) connection.socket.terminate();
    this.#cancelHeartbeat?.();
    this.#cancelDeferredCheck?.();
    this.#stalls.stop();
    this.#presence.stop();
    // Before the node's messages stop: a 'session-end' listener tells the other nodes (presence, see
    // docs/server.md), and its `publish` would be refused SERVER_SHUTTING_DOWN once they have.
    for (const session of [...this.#sessions.all()])
      this.#sessions.delete(session, ErrorCode.SERVER_SHUTTING_DOWN);
    this.#calls.close();
    this.#topics.close();
    // Our rooms leave the shared listing now rather than when our heartbeat expires.
    await this.registry.removeNode(this.nodeId, this.#bootId).catch(() => {});
    this.serverLinks.close();
    this.rooms.close();
    this.#http.closeAllConnections();
    // The app's server stays open for the app's own routes, and theirs alone.
    this.#attached?.detach();
    this.#stoppedServing = true;
    await stopListening;
    await this.monitoring.close();
    if (this.#ownsRegistry) await this.registry.close();
  }

  async #waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
    // Real time on purpose: draining waits on sockets, which a manual clock cannot move.
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  /**
   * Ends the session `token` proves for good, as its socket's clean close would (ServerConnection): the
   * room hears it leave ('left') and the seat is free at once, with no grace period. A socket the server
   * still holds for it (the request came before the socket's close, or the socket's close never comes)
   * is closed with SESSION_EXPIRED first, so that nothing still arriving on it acts for the session.
   */
  #leaveByRequest(playerId: string, token: string, keepMs: number | undefined): ResumeOutcome {
    const outcome = this.#sessions.prove(playerId, token);
    if (!outcome.ok) return outcome;
    const session = outcome.session;
    if (keepMs !== undefined) {
      // Kept for a reload, not ended: held away for at most keepMs once the page's socket is gone, then
      // ended as an expiry would end it. Not capped at graceMs: the session's own expiry (its grace period,
      // or its room's longer window) ends it first when that comes sooner.
      session.holdAtMost(keepMs, () => {
        this.rooms.leave(session, ErrorCode.SESSION_EXPIRED, 'did not come back in time');
        this.#sessions.delete(session, ErrorCode.SESSION_EXPIRED);
      });
      return outcome;
    }
    this.#connectionOf(session)?.close(
      ErrorCode.SESSION_EXPIRED,
      'the session was ended by a leave request',
      SessionGoneReason.ended,
    );
    this.rooms.leave(session, 'left', 'left the game');
    this.#sessions.delete(session, 'left');
    return outcome;
  }

  /**
   * A fault on a player's server link (see ServerLinks): taken from the budget its WebSocket's bad frames
   * spend; the one that spends it cuts the player off as a bad frame would, whichever path it came on. A
   * scan for the socket, not an index: it runs once per player cut off.
   */
  #linkFault(session: Session, code: string): void {
    const guard = session.abuseGuard;
    const now = this.clock.now();
    if (guard === undefined || !guard.fault(now, this.#stalls.stalledMs(now))) return;
    const connection = this.#connectionOf(session);
    if (connection !== undefined) {
      connection.cutOff(code);
      return;
    }
    // Away, its direct link still sending: ended all the same.
    this.monitoring.metrics.count('connections_cut_total', { code: ErrorCode.TOO_MANY_ERRORS });
    endCutOff({ rooms: this.rooms, sessions: this.#sessions }, session);
  }

  /**
   * The connection the server holds for `session`'s socket now; undefined while it is away. A scan, not an
   * index: it runs once per session ended or cut off from outside its connection.
   */
  #connectionOf(session: Session): ServerConnection | undefined {
    for (const connection of this.#connections) {
      if (connection.session === session && connection.socket === session.socket) return connection;
    }
    return undefined;
  }

  /** 0 when `req`'s address may be given a guest token now, else ms until it may (counted as refused). */
  #admitGuestToken(req: IncomingMessage): number {
    const block = addressBlock(remoteAddress(req, this.#limits.trustProxy));
    const waitMs = this.#guestTokenRate.take(block, this.clock.now());
    if (waitMs > 0) {
      this.monitoring.metrics.count('guest_tokens_refused_total');
      this.#warnIfBehindProxy(req.headers['x-forwarded-for'] !== undefined);
    }
    return waitMs;
  }

  /**
   * Every TCP connection accepted, before a byte of it is read: with `trustProxy` 0 it takes a slot of its
   * address's `maxConnectionsPerAddress` until it closes (a plain request, kept alive or not, as much as a
   * WebSocket, whose upgrade then takes no second one), and one over the bound is answered 429
   * RATE_LIMITED and closed at once, unread (over TLS, closed).
   * Idle sockets (a request's first line, then nothing) would otherwise hold every descriptor the process
   * has. Behind proxies (`trustProxy` above 0) the peer is a proxy, whose connections carry many players:
   * bounding them here would cut them all off, so the proxy bounds its clients' connections, and the
   * WebSockets are bounded by the address the proxies name (`#onUpgrade`).
   */
  #onConnection(socket: Socket): void {
    if (this.#limits.trustProxy > 0) return;
    const address = normalizeAddress(socket.remoteAddress);
    // No peer address: the socket has closed already.
    if (address === undefined) {
      socket.destroy();
      return;
    }
    const block = addressBlock(address);
    if (!this.#addressSlots.take(block)) {
      this.monitoring.metrics.count('handshakes_refused_total', { code: ErrorCode.RATE_LIMITED });
      this.#warnIfBehindProxy(this.#sawForwardedFor);
      if (this.#http instanceof https.Server) {
        // Nothing can be said before a TLS handshake, which is work the bound is there to spare.
        socket.destroy();
        return;
      }
      // Told why, in the answer every other refusal has (a client or page sees RATE_LIMITED, not a
      // reset), before anything is read: HTTP lets a server answer early, and the socket stops reading.
      socket.pause();
      refuse(socket, 429, ErrorCode.RATE_LIMITED, 'too many connections from your address');
      return;
    }
    socket.once('close', () => this.#addressSlots.release(block));
  }

  async #onHttpRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#noteForwardedFor(req);
    const pathname = pathnameOf(req.url);
    if (pathname === undefined) {
      // The client's mistake, not ours: answered, and nothing logged (a loop of these would fill the log).
      answerError(res, 400, ErrorCode.INVALID_MESSAGE, 'malformed request target');
      return;
    }
    try {
      if (pathname === '/auth/guest') {
        if (this.#guestTokens) {
          await handleGuestTokenRequest(req, res, this.#guestTokens, this.#options.allowedOrigins, () =>
            this.#admitGuestToken(req),
          );
          return;
        }
        // Said with a code, so a client asking for a guest token stops asking: no retry can change this.
        answerError(
          res,
          404,
          ErrorCode.UNAUTHORIZED,
          'this server issues no guest tokens: connect with a token from its authenticator',
        );
        return;
      }
      if (pathname === SESSION_LEAVE_PATH) {
        // Who sent it, read now: a socket cut off while its body is read forgets its peer.
        const source = addressBlock(remoteAddress(req, this.#limits.trustProxy));
        await handleSessionLeaveRequest(
          req,
          res,
          (playerId, token, keepMs) => this.#leaveByRequest(playerId, token, keepMs),
          (name, code) => this.monitoring.clientErrors.count(name, { code }, source),
        );
        return;
      }
      if (pathname === '/healthz') {
        const notTakingPlayers = this.#notTakingPlayers();
        res.writeHead(notTakingPlayers ? 503 : 200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            ok: notTakingPlayers === undefined,
            ...(notTakingPlayers === undefined ? {} : { reason: notTakingPlayers }),
            rooms: this.rooms.roomCount,
            connections: this.#connections.size,
          }),
        );
        return;
      }
      if (await this.monitoring.handle(req, res, pathname)) return;
      if (this.#serveStatic && (await this.#serveStatic(req, res))) return;
      if (!res.headersSent) answerNotFound(res);
    } catch (error) {
      // A fault of ours (or of an app handler): what the error-spike alert counts in full.
      this.monitoring.metrics.count('internal_errors_total');
      console.error('vehikill-net: HTTP request failed', error);
      // Headers out, the status said success: ended now, the client would take the part sent for the
      // whole answer. Cut off instead (a chunked answer without its last chunk, a body short of its
      // length), which every client reads as a failed request.
      if (res.headersSent) res.destroy();
      else answerError(res, 500, ErrorCode.INTERNAL_ERROR, 'the server failed to answer this request');
    }
  }

  async #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    /** Set once the 101 is written (ws calls back at once): from then on the answer is a close, not HTTP. */
    let upgraded: WebSocket | undefined;
    this.#noteForwardedFor(req);
    try {
      if (this.#closing)
        return refuse(socket, 503, ErrorCode.SERVER_SHUTTING_DOWN, 'the server is shutting down');
      if (this.#connections.size >= this.#limits.maxConnections) {
        return refuse(socket, 503, ErrorCode.HANDSHAKE_REJECTED, 'the server is full');
      }
      const check = checkUpgrade(req, {
        path: this.#limits.path,
        ...(this.#options.allowedOrigins ? { allowedOrigins: this.#options.allowedOrigins } : {}),
      });
      if (!check.ok) {
        this.monitoring.metrics.count('handshakes_refused_total', { code: check.code });
        return refuse(socket, check.status, check.code, check.message);
      }
      // Read before the authenticator's await: a socket that closes meanwhile forgets its peer.
      const address = remoteAddress(req, this.#limits.trustProxy);
      // The drain that sent this client here, as the URL it was given names it.
      const sentBy = arrivingFrom(req.url);
      const block = addressBlock(address);
      // Without proxies, on our own server, its TCP connection holds the address's slot already
      // (`#onConnection`). On the app's server the app's own connections are not ours to count.
      const takesSlot = this.#limits.trustProxy > 0 || this.#attached !== undefined;
      if (takesSlot && !this.#addressSlots.take(block)) {
        this.monitoring.metrics.count('handshakes_refused_total', { code: ErrorCode.RATE_LIMITED });
        return refuse(socket, 429, ErrorCode.RATE_LIMITED, 'too many connections from your address');
      }
      // Before any authentication: a loop reconnecting from one address pays here, not the server. After
      // the slot, so that attempts refused while the address's slots are full do not spend its rate too.
      const waitMs = this.#connectRate.take(block, this.clock.now());
      if (waitMs > 0) {
        if (takesSlot) this.#addressSlots.release(block);
        this.monitoring.metrics.count('handshakes_refused_total', { code: ErrorCode.RATE_LIMITED });
        this.#warnIfBehindProxy(req.headers['x-forwarded-for'] !== undefined);
        const seconds = Math.ceil(waitMs / 1_000);
        return refuse(socket, 429, ErrorCode.RATE_LIMITED, 'too many connections opened from your address', {
          'Retry-After': String(seconds),
        });
      }
      // Given back when the socket closes, whatever becomes of the upgrade (refused, failed, a session).
      if (takesSlot) {
        if (socket.destroyed) this.#addressSlots.release(block);
        else socket.once('close', () => this.#addressSlots.release(block));
      }
      const answer = await authenticateWithin(
        this.#authenticator,
        req,
        check.token,
        this.#limits.authTimeoutMs,
        this.clock,
      );
      if (socket.destroyed) return;
      // Before the 101, as all that can fail on the app's answer: a throw after it is not an HTTP answer.
      const auth = answer.ok ? { ...answer, identity: readableIdentity(answer.identity) } : answer;
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        upgraded = ws;
        if (!auth.ok) {
          // Completed then closed with the code: a browser cannot read an HTTP refusal, but it can read this.
          // The socket is read until the client's close comes back: a bad frame meanwhile is an 'error'
          // event, which without a listener would be thrown and end the process.
          ws.on('error', () => ws.terminate());
          this.monitoring.metrics.count('auth_failures_total', { code: auth.code });
          // Cut to what an Error carries: a longer message would be dropped, and connect() never settle.
          ws.send(encodeMessage(Kind.Error, { code: auth.code, message: auth.message.slice(0, 512) }));
          // The close reason is cut in bytes: ws throws on one over 123, which would make this a fault.
          ws.close(closeCodeFor(auth.code), closeReason(auth.message));
          return;
        }
        const connection = new ServerConnection(ws, auth.identity, address, {
          clock: this.clock,
          stalls: this.#stalls,
          metrics: this.monitoring.metrics,
          frames: this.monitoring.frames,
          clientErrors: this.monitoring.clientErrors,
          sessions: this.#sessions,
          rooms: this.rooms,
          limits: this.#limits,
          isClosing: () => this.#closing !== undefined,
          saidGoodbye: () => this.#drainSaid === 'goodbye',
          tellLeaving: (bound) => this.#tellLeaving(bound),
          sessionStarted: () => {
            if (sentBy !== undefined) this.#presence.arrivals.note(sentBy);
          },
          sessionEvents: this.#sessionEvents,
          serverLinks: this.serverLinks,
          iceServersFor: (userId) =>
            issueIceServers(this.#options.iceServers ?? [], this.#options.turn, userId, this.clock.now()),
          onClosed: (closed) => this.#connections.delete(closed),
        });
        this.#connections.add(connection);
        this.monitoring.metrics.count('connections_total');
      });
    } catch (error) {
      // Ours, or the app's authenticator throwing: a fault, not the client's mistake.
      this.monitoring.metrics.count('internal_errors_total');
      console.error('vehikill-net: upgrade failed', error);
      if (upgraded === undefined) {
        refuse(socket, 500, ErrorCode.INTERNAL_ERROR, 'upgrade failed');
        return;
      }
      // An HTTP answer written into the WebSocket stream reads as a bad frame, and the client reconnects
      // for ever: told in frames, as a refusal is.
      upgraded.on('error', () => upgraded?.terminate());
      upgraded.send(encodeMessage(Kind.Error, { code: ErrorCode.INTERNAL_ERROR, message: 'upgrade failed' }));
      upgraded.close(closeCodeFor(ErrorCode.INTERNAL_ERROR), 'upgrade failed');
    }
  }

  /** Remembers that requests name a client in X-Forwarded-For while `trustProxy` is 0. */
  #noteForwardedFor(req: IncomingMessage): void {
    if (this.#limits.trustProxy === 0 && req.headers['x-forwarded-for'] !== undefined)
      this.#sawForwardedFor = true;
  }

  /**
   * Said once per process: connections refused for their address while the requests name a client in
   * X-Forwarded-For (`forwarded`: the refused one did, or, for a connection refused unread, any request
   * did) and `trustProxy` is 0 most likely all come through one proxy, so every player shares its address
   * and its limit.
   */
  #warnIfBehindProxy(forwarded: boolean): void {
    if (this.#warnedBehindProxy || this.#limits.trustProxy > 0 || !forwarded) return;
    this.#warnedBehindProxy = true;
    console.warn(
      'vehikill-net: connections or guest tokens refused at maxConnectionsPerAddress, connectBurst or guestTokenBurst from an address ' +
        'whose requests carry X-Forwarded-For, with trustProxy 0: behind a reverse proxy, set trustProxy (TRUST_PROXY) to the ' +
        'number of proxies, or every player shares the proxy address and its limits',
    );
  }

  #heartbeat(): void {
    const now = this.clock.now();
    this.#connectRate.sweep(now);
    this.#guestTokenRate.sweep(now);
    // After a stall of the loop, Node runs its due timers (this one) before it reads the sockets: what
    // the players sent meanwhile is still unread, and every one of them would look silent for the whole
    // stall (past the timeout, all cut at once). The check waits a turn, for those reads; a player that
    // really went silent is cut then, one turn late.
    const stalledMs = this.#stalls.stalledMs(now);
    if (stalledMs !== this.#stalledAtHeartbeat) {
      this.#stalledAtHeartbeat = stalledMs;
      this.#cancelDeferredCheck = this.clock.setTimeout(() => {
        this.#cancelDeferredCheck = undefined;
        this.#checkConnections(this.clock.now());
      }, 0);
      return;
    }
    this.#checkConnections(now);
  }

  /** Pings every connection in the protocol, and ends each one silent past `heartbeatTimeoutMs`. */
  #checkConnections(now: number): void {
    for (const connection of this.#connections) {
      // Not in the protocol yet: its own timer closes it if no hello comes (ServerConnection).
      if (!connection.session) continue;
      if (now - connection.lastHeard > this.#limits.heartbeatTimeoutMs) {
        this.monitoring.metrics.count('heartbeat_timeouts_total');
        connection.socket.terminate();
        continue;
      }
      connection.ping();
    }
  }
}

/**
 * The path of a request target, or undefined when it is none: Node's parser lets through absolute forms
 * (`http://[::1/x`) that the URL standard refuses. The usual origin form (`/path`) is read as a path
 * after the server's own origin: resolved against it as a reference, `//x/metrics` (or `/\x/metrics`)
 * was the host `x` and the path /metrics, which a proxy that keeps /metrics private had let through as
 * the path /x/metrics.
 */
function pathnameOf(target: string | undefined): string | undefined {
  try {
    if (target?.startsWith('/')) return new URL(`http://localhost${target}`).pathname;
    return new URL(target ?? '/', 'http://localhost').pathname;
  } catch {
    return undefined;
  }
}

/**
 * The identity as clients can read it: a display name from the app's authenticator over MAX_NAME_LENGTH
 * (the welcome's and every member list's limit) is cut to it, or the player's client could read neither
 * its welcome (connect() would never settle) nor any room the player is in.
 */
function readableIdentity(identity: Identity): Identity {
  if (typeof identity.name === 'string' && identity.name.length <= MAX_NAME_LENGTH) return identity;
  return { ...identity, name: String(identity.name).slice(0, MAX_NAME_LENGTH) };
}

/**
 * A wait given to `close` or `drain`, in ms: a number from 0 up (Infinity waits until the rooms empty).
 * Checked before anything stops: NaN made the deadline NaN, which ended the wait at once, and a negative
 * one did the same, where the caller may have meant a long drain.
 */
function waitOption(method: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`${method}(): ${name} must be a number of ms from 0 up, got ${String(value)}`);
  }
  return value;
}

/** `listen()`'s error when `close()` came before the server's socket listened. */
function closedBeforeListening(): Error {
  return new Error('vehikill-net: this GameServer was closed before it listened');
}

/** `attach()`'s error when `close()` came before the app's server listened. */
function closedBeforeAppListened(): Error {
  return new Error('vehikill-net: this GameServer was closed before its server listened');
}
