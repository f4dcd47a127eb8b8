/**
 * The load test's accounting: counters the progress line and the summary read, and the events that move
 * them. Pure, so that the summary's arithmetic can be checked by feeding it events.
 *
 * Every player is always in exactly one of: seated now (in a room whose traffic comes back), stalled (in a
 * room, but a chat line of theirs has not come back for longer than `--stall-ms`: a node that hangs keeps
 * the seat and the socket but answers nothing), out of play (seated once, lost their room and not back in
 * one), failed (never seated), not tried, or still on their way in. Losing a room moves a player from
 * seated (or stalled) to out of play; getting back in by quick play moves them back; an echo heard again
 * moves a stalled player back to seated.
 */
export interface LoadStats {
  /** Clients whose connection is open now (one reconnecting is not), as of the last count. */
  connected: number;
  /** Players in a room now. */
  seated: number;
  /** Redirects followed to reach a room (ROOM_ON_OTHER_NODE): how a cluster routes, not a fault. */
  redirected: number;
  /** Moves off a node that stopped answering or drained, by code (NODE_UNREACHABLE, SERVER_DRAINING). */
  movedOff: Map<string, number>;
  /**
   * Times a player lost their room mid-run (left other than by the load test itself), by leave reason: a
   * room of 4 lost is 4 here, one in `lostRooms`.
   */
  roomLosses: Map<string, number>;
  /** The rooms those players lost, by id: how many rooms went, where `roomLosses` counts players. */
  lostRooms: Set<string>;
  /** Players who lost their room and are not back in one now, by the reason they lost it. */
  outOfPlay: Map<string, number>;
  /** Players back in play by quick play after losing their room (a player losing twice counts twice). */
  rejoined: number;
  /** Quick plays after a lost room that failed, by code (each attempt). */
  rejoinErrors: Map<string, number>;
  /** Own chat lines sent (a stalled player sends none until their lines come back). */
  sent: number;
  /** Own chat lines heard back through the room, and their round trips (ms). */
  echoed: number;
  roundTrips: number[];
  /** Lines not heard back when their room was lost: never to be. */
  lostWithRoom: number;
  /** Lines not heard back by the end of the run (the last half second's included). */
  unansweredAtEnd: number;
  /** Players that were tried and not seated, by the code their connect, create or join failed with. */
  errors: Map<string, number>;
  /** Rooms whose creation failed (their creator is counted in `errors`)... */
  roomsFailed: number;
  /** ...and their other players, who were never tried, having no room to join. */
  notTried: number;
  /** Players never started because the run was interrupted (Ctrl-C, SIGTERM) before their turn. */
  notStarted: number;
  /** Chat lines whose send threw, by code (these players were seated). */
  sendErrors: Map<string, number>;
  /** Players in a room whose traffic stopped (not counted in `seated` or `byNode`), by node id, now. */
  stalled: Map<string, number>;
  /** Players seated per node id, now (stalled ones not among them). */
  byNode: Map<string, number>;
  /** What was refused RATE_LIMITED: a connection, or a room creation (also by a quick play). */
  rateLimited: Set<'connect' | 'create'>;
}

export function newStats(): LoadStats {
  return {
    connected: 0,
    seated: 0,
    redirected: 0,
    movedOff: new Map(),
    roomLosses: new Map(),
    lostRooms: new Set(),
    outOfPlay: new Map(),
    rejoined: 0,
    rejoinErrors: new Map(),
    sent: 0,
    echoed: 0,
    roundTrips: [],
    lostWithRoom: 0,
    unansweredAtEnd: 0,
    errors: new Map(),
    roomsFailed: 0,
    notTried: 0,
    notStarted: 0,
    sendErrors: new Map(),
    byNode: new Map(),
    stalled: new Map(),
    rateLimited: new Set(),
  };
}

/** The redirect code: a move to reach a room. Any other move is off a node that failed or drained. */
export const REDIRECT = 'ROOM_ON_OTHER_NODE';

function add(counts: Map<string, number>, key: string, n = 1): void {
  const total = (counts.get(key) ?? 0) + n;
  if (total === 0) counts.delete(key);
  else counts.set(key, total);
}

/** A player is in a room on `nodeId` (first seat or back in play). */
export function recordSeated(stats: LoadStats, nodeId: string): void {
  stats.seated++;
  add(stats.byNode, nodeId);
}

/** The client moved to another node, with `code` as the client's `moved` event gave it. */
export function recordMoved(stats: LoadStats, code: string): void {
  if (code === REDIRECT) stats.redirected++;
  else add(stats.movedOff, code);
}

/** A seated player on `nodeId` has heard nothing back for longer than the stall threshold. */
export function recordStalled(stats: LoadStats, nodeId: string): void {
  stats.seated--;
  add(stats.byNode, nodeId, -1);
  add(stats.stalled, nodeId);
}

/** A stalled player on `nodeId` hears their room again. */
export function recordUnstalled(stats: LoadStats, nodeId: string): void {
  add(stats.stalled, nodeId, -1);
  recordSeated(stats, nodeId);
}

/**
 * A seated (or, with `stalled`, a stalled) player's room `roomId` on `nodeId` was left, with `reason`,
 * without the load test leaving it.
 */
export function recordRoomLost(
  stats: LoadStats,
  reason: string,
  nodeId: string,
  roomId: string,
  stalled = false,
): void {
  if (stalled) {
    add(stats.stalled, nodeId, -1);
  } else {
    stats.seated--;
    add(stats.byNode, nodeId, -1);
  }
  add(stats.roomLosses, reason);
  stats.lostRooms.add(roomId);
  add(stats.outOfPlay, reason);
}

/** A player who lost their room with `lostReason` is back in one on `nodeId`. */
export function recordRejoined(stats: LoadStats, lostReason: string, nodeId: string): void {
  stats.rejoined++;
  add(stats.outOfPlay, lostReason, -1);
  recordSeated(stats, nodeId);
}

/** A quick play to get back into play failed with `code`; the player stays out of play. */
export function recordRejoinFailed(stats: LoadStats, code: string): void {
  add(stats.rejoinErrors, code);
}

/** How many of `counts` in all. */
export function countOf(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}

/**
 * The p-th percentile (0..100) of `values` by nearest rank, as the server's history and the benchmarks
 * compute it: the smallest value with at least p% of them at or below it, or NaN for none. (The rank
 * taken one too high made p99 of 100 round trips the slowest of them, and p50 of two the larger.)
 */
export function percentile(values: readonly number[], p: number): number {
  return percentiles(values, [p])[0] as number;
}

/**
 * Several percentiles of `values` (as `percentile`), from one sort: a run's round trips number millions
 * (2,000 clients for an hour), and a sort of them takes a second.
 */
export function percentiles(values: readonly number[], ps: readonly number[]): number[] {
  if (values.length === 0) return ps.map(() => Number.NaN);
  // A typed array sorts numbers natively, several times faster than a comparator over an Array.
  const sorted = Float64Array.from(values).sort();
  return ps.map((p) => {
    const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p * sorted.length) / 100)));
    return sorted[rank - 1] as number;
  });
}

/**
 * The round trips the progress line's p50 is of: the latest ones. It is printed four times a second, and
 * all of a long run's would take the load generator's own core to sort; the latest also show a server
 * slowing down at once, where the whole run's median would hide it.
 */
export const RECENT_ROUND_TRIPS = 10_000;
