/**
 * Every metric name the server reports through its MetricsSink, with its help text and labels: the
 * Prometheus sink declares them up front (so a scrape shows zeros rather than nothing), the docs list
 * them, and the dashboard's history picks from them. Names are the sink's, without a prefix.
 */
export interface CounterSpec {
  type: 'counter';
  help: string;
  labelNames: readonly string[];
}

export interface HistogramSpec {
  type: 'histogram';
  help: string;
  labelNames: readonly string[];
  buckets: readonly number[];
}

/** A value that goes up and down, set by the server as it changes (`MetricsSink.gauge`). */
export interface GaugeSpec {
  type: 'gauge';
  help: string;
  labelNames: readonly string[];
}

export type MetricSpec = CounterSpec | HistogramSpec | GaugeSpec;

const counter = (help: string, ...labelNames: string[]): CounterSpec => ({
  type: 'counter',
  help,
  labelNames,
});
const gauge = (help: string, ...labelNames: string[]): GaugeSpec => ({ type: 'gauge', help, labelNames });
const histogram = (help: string, buckets: readonly number[], ...labelNames: string[]): HistogramSpec => ({
  type: 'histogram',
  help,
  labelNames,
  buckets,
});

/** Round trips and jitter in ms: a LAN sits under 5, a good Internet path under 60, a bad one past 250. */
const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 40, 60, 80, 100, 150, 200, 250, 350, 500, 1000, 2000];
/** Tick work in ms: a 60 Hz tick has 16.7 ms to spend, a 30 Hz one 33. */
const TICK_BUCKETS_MS = [0.25, 0.5, 1, 2, 4, 6, 8, 10, 12, 16, 20, 25, 33, 50, 100];
/** Packet loss as a ratio: games notice 1 %, suffer at 5 %, break down past 20 %. */
const LOSS_BUCKETS = [0, 0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

export const metricCatalog = {
  connections_total: counter('WebSocket connections accepted'),
  handshakes_refused_total: counter(
    'WebSocket upgrades refused before authentication, and TCP connections closed unread past their address bound (RATE_LIMITED)',
    'code',
  ),
  guest_tokens_refused_total: counter("Guest tokens refused: past their address's rate (RATE_LIMITED)"),
  auth_failures_total: counter('Connections refused by the authenticator', 'code'),
  heartbeat_timeouts_total: counter('Connections terminated for silence'),
  socket_errors_total: counter('WebSocket protocol errors reported by ws', 'code'),
  messages_in_total: counter('Frames received from clients, by message kind', 'kind'),
  bytes_in_total: counter('Bytes received from clients, by message kind', 'kind'),
  messages_out_total: counter('Frames sent to clients, by message kind', 'kind'),
  bytes_out_total: counter('Bytes sent to clients, by message kind', 'kind'),
  bad_input_total: counter('Inbound messages refused by validation, size or rate limits', 'code'),
  anticheat_violations_total: counter(
    "Game actions a room's anti-cheat refused (Room.count), by kind",
    'kind',
    'room_type',
  ),
  desyncs_total: counter(
    "Players' decoded states that differed from the server's (Room.count), logged with a replay record",
    'room_type',
  ),
  room_messages_refused_total: counter(
    "Members' room messages a room refused over their budget (MessageBudget, Room.count), by message type",
    'type',
    'room_type',
  ),
  anticheat_kicks_total: counter(
    "Players a room's anti-cheat kicked (Room.count), by kind",
    'kind',
    'room_type',
  ),
  connections_cut_total: counter(
    'Connections cut off: too many bad messages (TOO_MANY_ERRORS), too much waiting to be read (OUTBOX_OVERFLOW)',
    'code',
  ),
  internal_errors_total: counter('Server faults while handling a message or request'),
  requests_refused_total: counter(
    'Client requests answered with an error (REGISTRY_UNAVAILABLE, ROOM_FULL, ...), by request kind and code',
    'request',
    'code',
  ),
  requests_redirected_total: counter(
    'Client requests answered with a redirect to the node hosting the room (ROOM_ON_OTHER_NODE), by request kind',
    'request',
  ),
  resumes_total: counter('Sessions resumed after a reconnect'),
  resume_failures_total: counter('Resume attempts refused', 'code'),
  client_error_sources_total: counter(
    'Client addresses that caused errors (bad input, socket errors, refused resumes, room request handlers hung), each counted once per second it erred',
  ),
  registry_failures_total: counter(
    "Failed registry calls: heartbeats, and the seat reservations and lookups of players' creates and joins",
  ),
  node_id_conflicts_total: counter(
    "Heartbeats that found another live process under this node's id (the older process yields)",
  ),
  node_url_conflicts_total: counter("Times another live node was seen listed at this node's public URL"),
  rooms_created_total: counter('Rooms created on this node'),
  rooms_disposed_total: counter('Rooms disposed on this node'),
  joins_refused_over_limit_total: counter(
    'Joins a room refused (ROOM_FULL) as over its seat limit though the registry gave a seat: the registry undercounted',
  ),
  room_creations_refused_total: counter(
    "Room creations refused: past their address's creation rate (RATE_LIMITED)",
  ),
  room_code_guesses_refused_total: counter(
    'Joins by code refused: their address tried too many wrong codes (RATE_LIMITED)',
  ),
  empty_rooms_disposed_early_total: counter(
    'Empty rooms disposed before emptyDisposeMs: their creator left more than maxEmptyRoomsPerCreator',
  ),
  room_hook_errors_total: counter('Exceptions thrown by room hooks and server.on listeners', 'hook'),
  room_requests_overdue_total: counter(
    "Players' room requests refused (REQUESTS_OVERDUE): too many of their earlier ones' handlers still ran past their deadlines",
  ),
  room_request_handlers_hung_total: counter(
    "Handlers of players' room requests still running a minute past their deadlines, taken for hung and counted once (not again as a hook error if they throw)",
  ),
  room_calls_failed_total: counter(
    'Room calls this node made (GameServer.callRoom) that failed, by code: ROOM_NOT_FOUND, REQUEST_TIMEOUT, NODE_UNREACHABLE, ...',
    'code',
  ),
  node_messages_dropped_total: counter(
    "Messages from other nodes (room calls, their answers, topic messages) dropped: too_large, malformed, late (the call's answer after its timeout), refused (by a subscriber's schema)",
    'reason',
  ),
  topic_handler_errors_total: counter(
    "Topic messages a subscriber's handler or schema threw on, and gaps its onGap threw on (GameServer.subscribe)",
  ),
  node_subscription_failures_total: counter(
    "Failed attempts to subscribe to this node's channel for room calls (kind=calls) or to a topic's (kind=topic), each tried again within 10 s: rising while the node hears no other node",
    'kind',
  ),
  node_subscriptions_down: gauge(
    "Channels this node wants and is not subscribed to now (its channel for room calls, its topics'): not in place yet (Redis down as it started, attempts failing) or lost with the connection until it is back; 0 in steady state",
  ),
  room_listings_refused_total: counter('Room listings refused: too many already reading the registry'),
  room_listings_rate_limited_total: counter(
    "Room listings and watches refused: past their address's listing rate (RATE_LIMITED)",
  ),
  room_lists_sent_total: counter('Room lists sent to watching lobbies (WatchRooms)'),
  room_list_failures_total: counter('Watched listings whose registry read failed (retried)'),
  signals_filtered_total: counter('Signaling messages stripped of non-relay candidates'),
  relayed_events_dropped_total: counter(
    "Relayed peer event messages dropped: the target's send queue was already too deep for them",
  ),
  relayed_phys_replaced_total: counter(
    "Relayed phys samples a newer one from the same sender replaced at the target's 20 Hz gate, never sent (a sender above 20 a second)",
  ),
  relayed_fanout_skipped_total: counter(
    'Players a relayed phys fan-out (DataToPeers) named that were not relayed to: not in the room (left, or never) or the sender itself',
  ),
  relayed_data_refused_total: counter(
    "Relayed peer data not relayed: over the sender's relay budget towards its target",
  ),
  server_link_unavailable_total: counter('Times node-datachannel could not be loaded'),
  server_link_handshakes_total: counter('Direct server-link handshakes started'),
  server_link_attempts_total: counter(
    'Direct server-link attempts by how they ended: direct, no-answer, bad-answer, timeout, failed or abandoned (the session ended)',
    'outcome',
  ),
  server_link_given_up_total: counter(
    'Sessions whose direct server-link attempts stopped after maxFailedAttempts failures in a row (TCP mode)',
  ),
  server_link_rejected_total: counter('Server-link messages dropped', 'reason'),
  sync_snapshots_total: counter('State snapshots sent'),
  sync_snapshot_bytes_total: counter('Bytes of state snapshots sent'),
  sync_bad_frames_total: counter('Undecodable sync frames from clients'),
  sync_snapshots_refused_total: counter("State snapshots a member's link would not take (closed or full)"),
  sync_snapshot_errors_total: counter('State snapshots not written: the encoder failed for that member'),
  sync_callback_errors_total: counter(
    'Calls of RoomSync app callbacks that threw or returned what they must not (replaced for that call)',
    'callback',
  ),
  sync_snapshots_over_budget_total: counter(
    "State snapshots that left out an entity too large to go even alone in the member's byte budget",
  ),
  sync_deflate_total: counter('Snapshots considered for deflate, by whether it was chosen', 'chosen'),
  sync_snapshots_stalled_total: counter(
    'State snapshots sent empty to a member who acked none of the 128 before (never acks, or always asks for a resync)',
  ),
  sync_types_mismatch_total: counter(
    "Members whose client cannot read the room's snapshots, its entity types being others (sent no more state)",
  ),
  rtt_ms: histogram('Heartbeat round-trip time to players (ms)', LATENCY_BUCKETS_MS),
  link_jitter_ms: histogram(
    'Jitter of players links as their quality monitor measures it (ms)',
    LATENCY_BUCKETS_MS,
  ),
  link_loss_ratio: histogram('Packet loss of players links, 0..1', LOSS_BUCKETS),
  tick_duration_ms: histogram('Time a room spent on one simulation tick (ms)', TICK_BUCKETS_MS, 'room_type'),
} as const satisfies Record<string, MetricSpec>;

export type KnownMetric = keyof typeof metricCatalog;

/** Buckets for an observed name the catalogue does not know. */
export const DEFAULT_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];
