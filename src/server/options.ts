import type { Clock } from '../common/index.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../protocol/frame-limits.js';
import { MAX_PEER_DATA_BYTES, MAX_SIGNAL_BYTES } from '../protocol/messages.js';
import { isWebSocketUrl } from '../protocol/websocket-url.js';
import type { Authenticator } from './auth/authenticator.js';
import type { IceServer, TurnRestOptions } from './ice/ice-servers.js';
import type { MetricsSink } from './metrics.js';
import type { MonitoringOptions } from './monitoring/monitoring.js';
import type { Registry } from './registry/registry.js';
import { wellFormed } from './registry/well-formed-json.js';
import type { ServerLinkOptions } from './server-link/server-link-options.js';

/**
 * Monitoring options (metricsPath, metricsToken, metricsRenderTimeoutMs, adminToken, historyFile,
 * historySaveMs, alertWebhookUrl, alerts, analytics, dashboardDir): see MonitoringOptions and
 * docs/operations.md.
 */
export interface GameServerOptions extends MonitoringOptions {
  /** Interface to listen on. Default '127.0.0.1' (localhost only); '0.0.0.0' to serve a network. */
  host?: string;
  /** WebSocket endpoint path. Default '/ws'. */
  path?: string;
  /** Serve HTTPS/WSS with this certificate and key (PEM). Plain HTTP otherwise. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Folder of static files (the game page) served over HTTP. None by default. */
  staticDir?: string;
  /** Where rooms and seats are recorded. Default: in memory, this process only. */
  registry?: Registry;
  /** The app's own authentication. Default: guest tokens from POST /auth/guest. */
  authenticator?: Authenticator;
  /** Serve POST /auth/guest. Default: true when no `authenticator` is given. */
  guestAuth?: boolean;
  /** HMAC secret for guest tokens (at least 32 bytes). Default: random per process, so tokens die with it. */
  guestSecret?: string;
  /** Guest token lifetime in ms. Default 24 h. */
  guestTokenTtlMs?: number;
  /**
   * Who guest tokens are for (their `aud` claim, 1 to 128 characters): a token issued with another
   * audience, or with none (before audiences were written), is refused UNAUTHORIZED. Give each deployment
   * that could share a `guestSecret` its own (staging, production, another game). Default 'guest'.
   */
  guestAudience?: string;
  /**
   * Guest tokens (POST /auth/guest, a renewal too) one address (an IPv6 address: its /64) may be given at
   * once; past it, and past the rate below, the request is answered HTTP 429 with RATE_LIMITED and a
   * `Retry-After`. Minting costs the server tens of microseconds, so a loop asking from one machine would
   * otherwise take a core. Default 256, as many as `connectBurst`: every player behind a NAT (a school,
   * a LAN party) may load the page at once; a reload or a few tabs is one token each.
   */
  guestTokenBurst?: number;
  /** Guest tokens per second one address may go on being given once its burst is spent. Default 16. */
  guestTokensPerSecond?: number;
  /** STUN (and static TURN) servers handed to every client for its WebRTC links. Default: none. */
  iceServers?: readonly IceServer[];
  /** TURN with time-limited credentials per player (coturn `--use-auth-secret`). Default: none. */
  turn?: TurnRestOptions;
  /**
   * The server link: the server as a WebRTC peer of each player, so inputs and snapshots travel as
   * datagrams (one UDP port for everyone). On by default; `{ enabled: false }` keeps everything on the
   * WebSocket.
   */
  serverLink?: ServerLinkOptions;
  /**
   * Accept WebSocket upgrades (and guest token requests from other pages) only from these Origins, as
   * browsers send them: scheme, host and a port other than the default, e.g. 'https://example.com' (no
   * trailing slash). Default: any.
   */
  allowedOrigins?: readonly string[];
  /**
   * Reverse proxies in front of this server (hops). 0 (the default): a connection's address is its
   * socket's. n > 0: the address n entries from the right of `X-Forwarded-For` (each proxy appends the
   * address it was reached from; entries further left are whatever the client sent), or the socket's
   * when the header has no such entry. Per-address limits (room creation, guest tokens, WebSockets held) count by
   * this address, and TCP connections are then not bounded per address (see `maxConnectionsPerAddress`):
   * behind a proxy, leave it 0 and every player shares the proxy's; set it higher than the proxies there
   * are, and a client can claim any address.
   */
  trustProxy?: number;
  clock?: Clock;
  /**
   * Where counts and timings go. Default CountingMetrics (in memory). A PrometheusMetrics is also served
   * at `metricsPath`.
   */
  metrics?: MetricsSink;
  /** Name of this node in room listings. Default: random. */
  nodeId?: string;
  /**
   * The WebSocket URL other nodes send clients to for this node's rooms (e.g. `wss://node3.example.com/ws`).
   * Default: the URL `listen()` bound, which only works when clients can reach that address.
   */
  publicUrl?: string;
  /**
   * A node that has not heartbeated to the registry for this long (ms) is dead: its rooms leave the
   * listing. It heartbeats every third of this. Default 6,000; at least 100.
   */
  nodeTtlMs?: number;
  /**
   * Largest inbound frame in bytes; larger ones close the socket (1009). Announced in the welcome, so
   * clients refuse larger messages at the call. Default 64 KiB (DEFAULT_MAX_FRAME_BYTES).
   */
  maxPayloadBytes?: number;
  /** Most open WebSockets; more are refused with 503. Default 10,000. */
  maxConnections?: number;
  /**
   * Most connections held from one address (an IPv6 address: its /64), so that one machine cannot take the
   * whole of `maxConnections`, nor every file descriptor. With `trustProxy` 0, every TCP connection accepted
   * counts from then until it closes (plain HTTP, kept alive or not, as much as a WebSocket, whose upgrade
   * takes no second slot; HTTPS before its handshake), and one more is closed at once, unread. With
   * `trustProxy` above 0 the peer is a proxy carrying many players: WebSockets (and upgrades in progress)
   * count by the address the proxies name, and more are refused with 429 and RATE_LIMITED; the proxy's own
   * connections are bounded by the proxy. Default 256: a school, an office or a carrier's NAT puts many
   * players behind one address. Behind a reverse proxy, set `trustProxy`, or every connection is the
   * proxy's and shares this limit.
   */
  maxConnectionsPerAddress?: number;
  /**
   * Connections one address (an IPv6 address: its /64) may open at once; past it, and past the rate below,
   * an upgrade is answered HTTP 429 with RATE_LIMITED before any authentication, and a `Retry-After`. A
   * connection costs the server half a millisecond or more (upgrade, hello, join), so a loop reconnecting
   * from one machine would otherwise take a core. Default 256, as many as `maxConnectionsPerAddress`
   * allows by default: every player behind a NAT (a school, a LAN party) comes back at once after a
   * network blip, before their clients' backoff grows or fails them over to another node.
   */
  connectBurst?: number;
  /**
   * Connections per second one address may go on opening once its burst is spent. Default 16: a reconnect
   * loop from one address costs the server 1-2 % of a core.
   */
  connectsPerSecond?: number;
  /** Server heartbeat period in ms. Default 5,000. */
  heartbeatMs?: number;
  /** A connection silent this long (ms) is terminated. Default 3 heartbeats. */
  heartbeatTimeoutMs?: number;
  /** A connection must send its hello within this many ms. Default 5,000. */
  helloTimeoutMs?: number;
  /**
   * The `authenticator` must answer an upgrade within this many ms, or the upgrade is refused as when it
   * throws (500 INTERNAL_ERROR, logged; the client tries again). Default 5,000.
   */
  authTimeoutMs?: number;
  /**
   * A room's async `onCreate` must finish within this many ms, or the creation is refused (JOIN_REJECTED) and
   * the half-made room disposed: a player's requests run one at a time, so one that never finished held its
   * creator's every later request. Default 5,000 (as long as quick plays wait for a creation under way).
   */
  createTimeoutMs?: number;
  /**
   * An HTTP request (a page, the guest endpoint, a WebSocket upgrade) must have sent all its headers within
   * this many ms, or its socket is closed: slow clients cannot hold sockets open. Default 10,000 (or
   * `httpRequestTimeoutMs` if that is shorter).
   */
  httpHeadersTimeoutMs?: number;
  /** An HTTP request must have sent its whole body within this many ms. Default 30,000. */
  httpRequestTimeoutMs?: number;
  /** How long a dropped player's seat and unacked messages are held (ms). Default 30,000. */
  graceMs?: number;
  /** Unacked messages held per session for replay. Default 1,024. */
  outboxMessages?: number;
  /** Unacked bytes held per session for replay. Default 1 MiB. */
  outboxBytes?: number;
  /**
   * Bytes allowed to wait per player when their socket backs up (beyond what the socket itself holds),
   * queued by priority. Past it, waiting volatile messages are dropped; if reliable ones alone exceed
   * it, the player cannot keep up: the socket is closed with OUTBOX_OVERFLOW and the client resumes
   * (with a resync if its outbox overflowed). Default 1 MiB. With what the socket holds, control frames
   * included, at most `sendQueueBytes + outboxBytes` may wait in all; past it, the same cut.
   */
  sendQueueBytes?: number;
  /** Ack after this many inbound sequenced messages. Default 32. */
  ackEvery?: number;
  /** ...or this many ms after the first unacked one. Default 50. */
  ackDelayMs?: number;
  /** Messages a player's session may send in a burst (a resume goes on from it). Default 240. */
  rateBurst?: number;
  /** Messages per second a player's session may sustain. Default 120. */
  ratePerSecond?: number;
  /**
   * Signals (offers, answers, ICE candidates) one room member may send another in a burst. Over it (or
   * over the byte budget below) the signal is not relayed and the sender is answered RATE_LIMITED, a
   * fault. Default 40: a peer connection takes an offer or answer and a handful of candidates, and a
   * pair of players has two (data and voice).
   */
  signalBurst?: number;
  /** Signals per second one member may sustain towards another. Default 20. */
  signalsPerSecond?: number;
  /**
   * Bytes of signaling (as relayed) one member may send another in a burst: at least 16 KiB, the
   * largest signal. Default 64 KiB, several times what connecting a pair takes.
   */
  signalBytesBurst?: number;
  /** Bytes of signaling per second one member may sustain towards another. Default 16 KiB. */
  signalBytesPerSecond?: number;
  /**
   * Bytes of peer data (as relayed) one room member may send another through the server relay at once,
   * on `event`, `dispatch` and the link's own control (`phys` has its newest-only 20 Hz gate instead).
   * Over it (or the rate below) the data is not relayed and the sender is told RATE_LIMITED, at most
   * once a second per target and not as a fault: an honest mesh can go over it (its `dispatch` backlog
   * sent again after a direct link died, in rounds of up to 64 frames of up to 16 KiB), and `dispatch`
   * goes again when no ack comes. At least 17 KiB, the largest relayed message. Default 256 KiB: 16
   * messages of the largest size at once, or a retransmission round of 64 frames of 4 KiB.
   */
  relayBytesBurst?: number;
  /**
   * Bytes of relayed peer data per second one member may sustain towards another (channels as above).
   * Default 32 KiB (256 kbit/s per pair). The relay carries a pair's game traffic whenever their direct
   * link fails; Vehikill at its busiest sends a peer a fire notice every 60 Hz tick with the trigger held
   * (gun, and rocket every tenth tick) and an effect now and then, about 66 messages of 60 bytes
   * as relayed: 4 KiB/s, an eighth of this. Within the connection's 120 messages a second a sender only
   * reaches it with messages over 270 bytes on average. And it bounds what one sender keeping just under
   * its budget can pile on a target whose link stalls: 256 KiB + 15 s x 32 KiB = 736 KiB by the time the
   * heartbeat gives up on it (the default 3 x 5 s), under the 1 MiB `sendQueueBytes` past which the
   * target would be cut off. A leave and rejoin, the sender's or the target's, does not reset it: a
   * departed member's budgets are kept until they have refilled (burst / rate).
   */
  relayBytesPerSecond?: number;
  /** Faults a player's session may make in a burst before it is cut off and ended. Default 20. */
  errorBudget?: number;
  /** Faults forgiven per second. Default 1. */
  errorRefillPerSecond?: number;
  /** Empty rooms are disposed after this many ms. Default 30,000. */
  emptyDisposeMs?: number;
  /**
   * Rooms none of whose members sent anything (room messages, server link, peer relay) for this many ms
   * are disposed, members connected or not: being connected (heartbeats) is not activity. Default 30 min.
   * `Infinity` turns it off (a turn-based table or a waiting room whose players sit silent); 0 is refused.
   */
  idleDisposeMs?: number;
  /** Most rooms on this node. Default 10,000. */
  maxRooms?: number;
  /**
   * Most empty rooms (waiting for `emptyDisposeMs`) that rooms created from one address, or by one
   * identity, may be; an IPv6 address counts as its /64. When a room empties past it, its creator's
   * oldest empty room is disposed at once: it has no one in it, so no one loses anything, and a client
   * creating rooms in a loop recycles its own rather than filling `maxRooms`. Default 4: a player keeps
   * a room or two waiting while they try another (a friend may still join it by code), and a household
   * or a small LAN party behind one NAT leaves a few; what a larger NAT leaves empty beyond that only
   * goes sooner than `emptyDisposeMs`.
   */
  maxEmptyRoomsPerCreator?: number;
  /**
   * Rooms one address (an IPv6 address: its /64) may create at once; past it, and past the rate below,
   * a creation (or a quick play that would create) is answered RATE_LIMITED, a fault. Default 20: a
   * lobby of 20 players behind one NAT may all create (or quick-play into an empty server) at once.
   */
  roomCreateBurst?: number;
  /**
   * Rooms per second one address may go on creating. Default 1: a player creates a room every few
   * minutes, so even a NAT of a hundred players stays far below; a loop creating rooms gets one a
   * second, whose empty rooms `maxEmptyRoomsPerCreator` recycles (a registry write each way).
   */
  roomCreatesPerSecond?: number;
  /**
   * Room listings one address (an IPv6 address: its /64) may ask for at once: `listRooms`, and
   * `watchRooms`, whose answer is a listing too; past it, and past the rate below, one is answered
   * RATE_LIMITED before anything is read. A listing reads every open room of its type and answers up to
   * `maxRoomsListed` of them (0.1 ms for 1,000 rooms in memory, far more of a shared Redis), so one
   * machine's sessions listing (or watching and unwatching) in a loop, each within its connection's rate,
   * took a core: 150 of them, the event loop held up 1.3 s. Default 256, as `connectBurst`: every lobby
   * behind a NAT lists again at once when its players come back after a network blip.
   */
  listingBurst?: number;
  /** Room listings per second one address may go on asking for. Default 16, as `connectsPerSecond`. */
  listingsPerSecond?: number;
  /**
   * Lobbies watching the room listing (`client.watchRooms`) get one list for all the changes within
   * this many ms: a match filling up costs one listing read per watched query, not one per seat. Default 250.
   */
  roomListIntervalMs?: number;
  /**
   * Most rooms one room listing answers (`listRooms`, `watchRooms`), the oldest that match; a client's
   * `limit` may ask for fewer. It bounds what a listing reads from the registry (with Redis, on the one
   * thread every node shares) and the size of the answer. Default 200.
   */
  maxRoomsListed?: number;
  /**
   * Most distinct room queries lobbies watch at once on this node (`client.watchRooms`); a watch of
   * one more is refused `RATE_LIMITED`, saying the server is at its limit. Each costs a listing read
   * per `roomListIntervalMs` of changes. Default 256.
   */
  maxWatchedQueries?: number;
  /**
   * The share of `maxWatchedQueries` the lobbies of one address (an IPv6 address: its /64) watch once
   * the node follows half of them: a watch of one more distinct query from there is then refused
   * `RATE_LIMITED`, saying it is the address's. Below half, an address may watch more (the lobbies behind
   * one NAT, each with filters of its own), up to half the node: one machine opening sessions cannot take
   * them all. A holder of many /64s is bounded only by `maxWatchedQueries`. Default 16.
   */
  maxWatchedQueriesPerAddress?: number;
}

export type ResolvedLimits = Required<
  Pick<
    GameServerOptions,
    | 'path'
    | 'maxPayloadBytes'
    | 'maxConnections'
    | 'maxConnectionsPerAddress'
    | 'connectBurst'
    | 'connectsPerSecond'
    | 'guestTokenBurst'
    | 'guestTokensPerSecond'
    | 'heartbeatMs'
    | 'heartbeatTimeoutMs'
    | 'helloTimeoutMs'
    | 'authTimeoutMs'
    | 'createTimeoutMs'
    | 'httpHeadersTimeoutMs'
    | 'httpRequestTimeoutMs'
    | 'graceMs'
    | 'outboxMessages'
    | 'outboxBytes'
    | 'sendQueueBytes'
    | 'ackEvery'
    | 'ackDelayMs'
    | 'rateBurst'
    | 'ratePerSecond'
    | 'signalBurst'
    | 'signalsPerSecond'
    | 'signalBytesBurst'
    | 'signalBytesPerSecond'
    | 'relayBytesBurst'
    | 'relayBytesPerSecond'
    | 'errorBudget'
    | 'errorRefillPerSecond'
    | 'emptyDisposeMs'
    | 'idleDisposeMs'
    | 'maxRooms'
    | 'maxEmptyRoomsPerCreator'
    | 'roomCreateBurst'
    | 'roomCreatesPerSecond'
    | 'listingBurst'
    | 'listingsPerSecond'
    | 'trustProxy'
    | 'roomListIntervalMs'
    | 'maxRoomsListed'
    | 'maxWatchedQueries'
    | 'maxWatchedQueriesPerAddress'
    | 'nodeTtlMs'
  >
>;

/** The shortest `nodeTtlMs` taken (see `resolveLimits`). */
const MIN_NODE_TTL_MS = 100;

/** Fills defaults and throws a TypeError at once for a setting that cannot work. */
export function resolveLimits(options: GameServerOptions): ResolvedLimits {
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const limits: ResolvedLimits = {
    path: options.path ?? '/ws',
    maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_FRAME_BYTES,
    maxConnections: options.maxConnections ?? 10_000,
    maxConnectionsPerAddress: options.maxConnectionsPerAddress ?? 256,
    connectBurst: options.connectBurst ?? 256,
    connectsPerSecond: options.connectsPerSecond ?? 16,
    guestTokenBurst: options.guestTokenBurst ?? 256,
    guestTokensPerSecond: options.guestTokensPerSecond ?? 16,
    heartbeatMs,
    heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? heartbeatMs * 3,
    helloTimeoutMs: options.helloTimeoutMs ?? 5_000,
    authTimeoutMs: options.authTimeoutMs ?? 5_000,
    createTimeoutMs: options.createTimeoutMs ?? 5_000,
    httpHeadersTimeoutMs:
      options.httpHeadersTimeoutMs ?? Math.min(10_000, options.httpRequestTimeoutMs ?? 10_000),
    httpRequestTimeoutMs: options.httpRequestTimeoutMs ?? 30_000,
    graceMs: options.graceMs ?? 30_000,
    outboxMessages: options.outboxMessages ?? 1_024,
    outboxBytes: options.outboxBytes ?? 1024 * 1024,
    sendQueueBytes: options.sendQueueBytes ?? 1024 * 1024,
    ackEvery: options.ackEvery ?? 32,
    ackDelayMs: options.ackDelayMs ?? 50,
    rateBurst: options.rateBurst ?? 240,
    ratePerSecond: options.ratePerSecond ?? 120,
    signalBurst: options.signalBurst ?? 40,
    signalsPerSecond: options.signalsPerSecond ?? 20,
    signalBytesBurst: options.signalBytesBurst ?? 64 * 1024,
    signalBytesPerSecond: options.signalBytesPerSecond ?? 16 * 1024,
    relayBytesBurst: options.relayBytesBurst ?? 256 * 1024,
    relayBytesPerSecond: options.relayBytesPerSecond ?? 32 * 1024,
    errorBudget: options.errorBudget ?? 20,
    errorRefillPerSecond: options.errorRefillPerSecond ?? 1,
    emptyDisposeMs: options.emptyDisposeMs ?? 30_000,
    idleDisposeMs: options.idleDisposeMs ?? 30 * 60_000,
    maxRooms: options.maxRooms ?? 10_000,
    maxEmptyRoomsPerCreator: options.maxEmptyRoomsPerCreator ?? 4,
    roomCreateBurst: options.roomCreateBurst ?? 20,
    roomCreatesPerSecond: options.roomCreatesPerSecond ?? 1,
    listingBurst: options.listingBurst ?? 256,
    listingsPerSecond: options.listingsPerSecond ?? 16,
    trustProxy: options.trustProxy ?? 0,
    roomListIntervalMs: options.roomListIntervalMs ?? 250,
    maxRoomsListed: options.maxRoomsListed ?? 200,
    maxWatchedQueries: options.maxWatchedQueries ?? 256,
    maxWatchedQueriesPerAddress: options.maxWatchedQueriesPerAddress ?? 16,
    nodeTtlMs: options.nodeTtlMs ?? 6_000,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (name === 'path') continue;
    if (name === 'idleDisposeMs' && value === Number.POSITIVE_INFINITY) continue; // off
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new TypeError(
        `GameServer option '${name}' must be a finite non-negative number, got ${String(value)}`,
      );
    }
  }
  if (!limits.path.startsWith('/')) throw new TypeError(`GameServer option 'path' must start with '/'`);
  // Periods of timers that listen() starts: 0 passed here, and listen() then threw out of its 'listening'
  // callback (an uncaught exception) and never settled.
  if (!(limits.heartbeatMs > 0)) {
    throw new TypeError(
      `GameServer option 'heartbeatMs' must be above 0 (connections are pinged that often)`,
    );
  }
  // The node heartbeats every third of it: shorter than a registry round trip or two, its record would
  // expire between heartbeats and other nodes sweep its rooms as a dead node's, over and over.
  if (limits.nodeTtlMs < MIN_NODE_TTL_MS) {
    throw new TypeError(
      `GameServer option 'nodeTtlMs' must be at least ${MIN_NODE_TTL_MS} (the node heartbeats every third of it)`,
    );
  }
  if (limits.heartbeatTimeoutMs <= limits.heartbeatMs) {
    throw new TypeError(
      'heartbeatTimeoutMs must be longer than heartbeatMs, or every connection would time out',
    );
  }
  // 0 would read as "off" and dispose every room at the next sweep instead.
  if (limits.idleDisposeMs <= 0) {
    throw new TypeError(
      `GameServer option 'idleDisposeMs' must be above 0 (Infinity: rooms are never disposed as idle)`,
    );
  }
  for (const name of ['authTimeoutMs', 'createTimeoutMs'] as const) {
    if (!(limits[name] > 0) || !Number.isFinite(limits[name])) {
      throw new TypeError(`GameServer option '${name}' must be a finite number of ms above 0`);
    }
  }
  // 0 would turn Node's timeout off, which is what these exist to prevent.
  if (limits.httpHeadersTimeoutMs <= 0)
    throw new TypeError(`GameServer option 'httpHeadersTimeoutMs' must be above 0`);
  if (limits.httpRequestTimeoutMs < limits.httpHeadersTimeoutMs) {
    throw new TypeError(`GameServer option 'httpRequestTimeoutMs' must be at least httpHeadersTimeoutMs`);
  }
  for (const [name, least] of [
    ['maxRoomsListed', 1],
    ['maxWatchedQueries', 1],
    ['maxWatchedQueriesPerAddress', 1],
    ['maxConnectionsPerAddress', 1],
    ['connectBurst', 1],
    ['guestTokenBurst', 1],
    ['roomCreateBurst', 1],
    ['listingBurst', 1],
    ['maxEmptyRoomsPerCreator', 0],
    ['trustProxy', 0],
  ] as const) {
    if (!Number.isInteger(limits[name]) || limits[name] < least) {
      throw new TypeError(`GameServer option '${name}' must be an integer of at least ${least}`);
    }
  }
  if (!(limits.connectsPerSecond > 0)) {
    throw new TypeError(
      `GameServer option 'connectsPerSecond' must be above 0, or an address is refused for good`,
    );
  }
  if (!(limits.guestTokensPerSecond > 0)) {
    throw new TypeError(
      `GameServer option 'guestTokensPerSecond' must be above 0, or an address is refused for good`,
    );
  }
  if (!(limits.listingsPerSecond > 0)) {
    throw new TypeError(
      `GameServer option 'listingsPerSecond' must be above 0, or an address is refused listings for good`,
    );
  }
  if (!(limits.roomCreatesPerSecond > 0)) {
    throw new TypeError(
      `GameServer option 'roomCreatesPerSecond' must be above 0, or no room is ever created`,
    );
  }
  if (limits.maxPayloadBytes < 1024) throw new TypeError('maxPayloadBytes below 1 KiB cannot carry a join');
  for (const name of ['signalBurst', 'signalsPerSecond', 'signalBytesPerSecond'] as const) {
    if (limits[name] <= 0)
      throw new TypeError(`GameServer option '${name}' must be above 0, or no signal passes`);
  }
  // A relayed signal is at most MAX_SIGNAL_BYTES of JSON; its frame adds the envelope and the sender.
  if (limits.signalBytesBurst < MAX_SIGNAL_BYTES + 1024) {
    throw new TypeError(
      `GameServer option 'signalBytesBurst' must be at least ${MAX_SIGNAL_BYTES + 1024}, or the largest signal never passes`,
    );
  }
  if (!(limits.relayBytesPerSecond > 0)) {
    throw new TypeError(`GameServer option 'relayBytesPerSecond' must be above 0, or no relayed data passes`);
  }
  // A relayed message carries up to MAX_PEER_DATA_BYTES; its frame adds the envelope and the sender.
  if (limits.relayBytesBurst < MAX_PEER_DATA_BYTES + 1024) {
    throw new TypeError(
      `GameServer option 'relayBytesBurst' must be at least ${MAX_PEER_DATA_BYTES + 1024}, or the largest relayed message never passes`,
    );
  }
  return limits;
}

/**
 * Refuses a `publicUrl` clients could not be sent to (clients follow it as a WebSocket URL, and a wrong
 * one only showed as joins failing with it as the redirect's message). Returns it as given but for stray
 * whitespace around it (an environment file's newline) and the scheme's case, which clients check as
 * `ws://` or `wss://`; otherwise untouched, so it stays the string clients and proxies were given.
 */
export function checkPublicUrl(publicUrl: string | undefined): string | undefined {
  if (publicUrl === undefined) return undefined;
  const trimmed = String(publicUrl).trim();
  if (!isWebSocketUrl(trimmed)) {
    throw new TypeError(
      `GameServer option 'publicUrl' must be a ws: or wss: URL that clients can reach (e.g. wss://node3.example.com/ws), got '${String(publicUrl)}'`,
    );
  }
  refuseLoneSurrogate('publicUrl', trimmed);
  return trimmed.replace(/^wss?:/i, (scheme) => scheme.toLowerCase());
}

/** Refuses a `nodeId` the registry could not keep as it is (see `refuseLoneSurrogate`). */
export function checkNodeId(nodeId: string | undefined): void {
  if (nodeId !== undefined) refuseLoneSurrogate('nodeId', String(nodeId));
}

/**
 * The registry keeps its strings well-formed (a lone UTF-16 surrogate becomes U+FFFD, as Redis needs):
 * a node id or URL holding one would be listed as another string than the node's own, and the node would
 * not know its own rooms (players sent away from them) nor be found by its id.
 */
function refuseLoneSurrogate(name: string, text: string): void {
  if (wellFormed(text) === text) return;
  throw new TypeError(
    `GameServer option '${name}' holds a lone UTF-16 surrogate (half of a character, as a string cut inside an emoji leaves), which the registry cannot keep as it is`,
  );
}

/**
 * Refuses an `allowedOrigins` entry no browser sends as its Origin header (scheme, lowercase host, and a
 * port only when it is not the scheme's default): it would match nothing, and nobody could connect.
 */
export function checkAllowedOrigins(origins: readonly string[] | undefined): void {
  if (origins === undefined) return;
  if (!Array.isArray(origins)) throw new TypeError(`GameServer option 'allowedOrigins' must be an array`);
  for (const origin of origins) {
    let sent: string | undefined;
    try {
      sent = new URL(String(origin)).origin;
    } catch {
      sent = undefined;
    }
    if (sent === origin) continue;
    const fix =
      sent === undefined || sent === 'null'
        ? 'an Origin is a scheme, host and port, e.g. https://example.com'
        : `write '${sent}', as browsers send it`;
    throw new TypeError(
      `GameServer option 'allowedOrigins' has '${String(origin)}', which no browser sends as its Origin: ${fix}`,
    );
  }
}
