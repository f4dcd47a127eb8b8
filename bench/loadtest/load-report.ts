import type { LoadOptions } from './load-options.js';
import { countOf, type LoadStats, percentiles, RECENT_ROUND_TRIPS } from './load-stats.js';

/** What `npm run loadtest` exits with (docs/operations.md, "Load"). */
export const ExitCode = {
  /**
   * Every player is in a room at the end whose traffic comes back (none stalled; some may have lost a room
   * and got back in) and no send failed.
   */
  allInPlay: 0,
  /**
   * Some player is not in play at the end (stalled, failed, not tried, or lost their room and not back), or
   * a send failed.
   */
  notAllInPlay: 1,
  /** The options were refused. */
  badOptions: 2,
  /** No URL answered as a vehikill-net server: nothing was load tested. */
  unreachable: 3,
  /**
   * No URL took the load's clients, and at least one is a vehikill-net server that refused the Origin the
   * load sends (none, or `--origin` not in its `allowedOrigins`): nothing was load tested.
   */
  originRefused: 4,
} as const;

/**
 * What the load test exits with when a signal interrupted it, after its summary: 128 + the signal's number,
 * as a shell reports a process the signal ended (130 for SIGINT, 143 for SIGTERM).
 */
export function interruptedExitCode(signal: 'SIGINT' | 'SIGTERM'): number {
  return 128 + (signal === 'SIGINT' ? 2 : 15);
}

export function exitCodeOf(options: LoadOptions, stats: LoadStats): number {
  const allInPlay =
    stats.seated === options.rooms * options.players &&
    countOf(stats.stalled) === 0 &&
    countOf(stats.sendErrors) === 0;
  return allInPlay ? ExitCode.allInPlay : ExitCode.notAllInPlay;
}

/** `CODE xN, ...`, the most frequent first. */
function byCode(counts: ReadonlyMap<string, number>): string {
  const entries = [...counts].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
  return entries.map(([code, n]) => `${code} x${n}`).join(', ');
}

/** `N (CODE xN, ...)`, or `none`. */
function counted(counts: ReadonlyMap<string, number>): string {
  const n = countOf(counts);
  return n === 0 ? 'none' : `${n} (${byCode(counts)})`;
}

/**
 * `N rooms, M players (codes)`: each room lost counts once, each of its players once in the codes (a room of
 * 4 players lost read '4' alone, taken for 4 rooms); 'none' when no player lost a room.
 */
function roomsLost(stats: LoadStats): string {
  const players = countOf(stats.roomLosses);
  if (players === 0) return 'none';
  return `${plural(stats.lostRooms.size, 'room')}, ${plural(players, 'player')} (${byCode(stats.roomLosses)})`;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Round trip percentiles of `values`, each `N.N ms`, or `-` while nothing was echoed (rather than `NaN ms`). */
function ms(values: readonly number[], ps: readonly number[]): string[] {
  return percentiles(values, ps).map((value) => (values.length === 0 ? '-' : `${value.toFixed(1)} ms`));
}

/** `N (node: n, ...)`, or `0`. */
function stalledText(stats: LoadStats): string {
  const n = countOf(stats.stalled);
  return n === 0 ? '0' : `${n} (${[...stats.stalled].map(([node, k]) => `${node}: ${k}`).join(', ')})`;
}

/** The live line: where every player is now, and what moved them. */
export function progressLine(options: LoadOptions, stats: LoadStats, seconds: number): string {
  const total = options.rooms * options.players;
  return (
    `${seconds.toFixed(1)}s  connected ${stats.connected}/${total}  seated ${stats.seated}/${total}  ` +
    `stalled ${stalledText(stats)}  ` +
    `out of play ${countOf(stats.outOfPlay)}  back ${stats.rejoined}  failed ${countOf(stats.errors)}  ` +
    `not tried ${stats.notTried}  redirects ${stats.redirected}  moved off ${countOf(stats.movedOff)}  ` +
    `sent ${stats.sent}  echoed ${stats.echoed}  recent p50 ${ms(stats.roundTrips.slice(-RECENT_ROUND_TRIPS), [50])[0]}`
  );
}

/**
 * The summary printed at the end. Every player is in one of its first five lines: seated now, stalled
 * (in a room whose traffic stopped), out of play (lost their room and not back), failed (with the codes),
 * or not tried because their room's creation failed. The lines after say what happened on the way: rooms lost and rejoins, moves between
 * nodes (redirects to a room told apart from moves off a failed or draining node).
 */
export function summaryLines(options: LoadOptions, stats: LoadStats): string[] {
  const total = options.rooms * options.players;
  const sendErrors = countOf(stats.sendErrors);
  const rooms = plural(stats.roomsFailed, 'room');
  const lost = countOf(stats.roomLosses);
  const rejoinErrors = countOf(stats.rejoinErrors);
  const movedOff = countOf(stats.movedOff);
  const moves = [
    ...(stats.redirected === 0 ? [] : [`${stats.redirected} redirected to their room's node`]),
    ...(movedOff === 0
      ? []
      : [`${movedOff} moved off a failed or draining node (${byCode(stats.movedOff)})`]),
  ];
  return [
    `  target        ${options.urls.join(', ')}`,
    `  rooms         ${options.rooms} x ${options.players} players of '${options.type}'`,
    `  seated now    ${stats.seated}/${total}`,
    `  stalled       ${countOf(stats.stalled) === 0 ? 'none' : `${stalledText(stats)}: in a room, no chat line back for over ${options.stallMs} ms or not connected at the end`}`,
    `  out of play   ${counted(stats.outOfPlay)}${countOf(stats.outOfPlay) === 0 ? '' : ': lost their room, not back in one'}`,
    `  failed        ${counted(stats.errors)}`,
    `  not tried     ${stats.notTried === 0 ? 'none' : `${stats.notTried} (joiners of ${rooms} whose creation failed)`}`,
    ...(stats.notStarted === 0
      ? []
      : [`  not started   ${stats.notStarted} (the run was interrupted first)`]),
    `  rooms lost    ${roomsLost(stats)}` +
      (lost === 0 ? '' : `; ${stats.rejoined} back in play by quick play`) +
      (rejoinErrors === 0 ? '' : `; quick plays failed: ${byCode(stats.rejoinErrors)}`),
    `  moves         ${moves.join(', ') || 'none'}`,
    `  per node now  ${[...stats.byNode].map(([node, n]) => `${node}: ${n}`).join(', ') || '-'}`,
    `  chat lines    ${stats.sent} sent, ${stats.echoed} echoed back` +
      (stats.lostWithRoom === 0 ? '' : `, ${stats.lostWithRoom} lost with their room`) +
      (stats.unansweredAtEnd === 0 ? '' : `, ${stats.unansweredAtEnd} not back at the end`) +
      (sendErrors === 0 ? '' : `, ${sendErrors} sends failed (${byCode(stats.sendErrors)})`),
    stats.roundTrips.length === 0
      ? '  round trip    - (no chat line was echoed back)'
      : `  round trip    ${roundTrips(stats)}`,
    ...hints(options, stats),
  ];
}

/** `p50 N ms, p95 N ms, p99 N ms, max N ms` over the whole run, from one sort. */
function roundTrips(stats: LoadStats): string {
  const [p50, p95, p99, max] = ms(stats.roundTrips, [50, 95, 99, 100]);
  return `p50 ${p50}, p95 ${p95}, p99 ${p99}, max ${max}`;
}

/** What a failure code most likely means for a load test, where the tool can tell. */
function hints(options: LoadOptions, stats: LoadStats): string[] {
  const lines: string[] = [];
  // The usual cause: the loadtest cannot know how many seats the server gives the type.
  if (stats.errors.has('ROOM_FULL')) {
    lines.push(
      `  hint          ROOM_FULL: '${options.type}' rooms may seat fewer than --players ${options.players}; ` +
        'lower it to what the type seats',
    );
  }
  // All the load's clients come from one address, which the servers bound by default.
  if (stats.rateLimited.has('create')) {
    lines.push(
      '  hint          RATE_LIMITED creating rooms: each node lets one address create ROOM_CREATE_BURST ' +
        '(default 20) rooms at once, then ROOM_CREATES_PER_SECOND (default 1); raise them on the nodes under test',
    );
  }
  if (stats.rateLimited.has('connect')) {
    lines.push(
      '  hint          RATE_LIMITED connecting: each node lets one address open CONNECT_BURST (default 256) ' +
        'connections at once, then CONNECTS_PER_SECOND (default 16), hold MAX_CONNECTIONS_PER_ADDRESS ' +
        '(default 256), and ask GUEST_TOKEN_BURST (default 256) guest tokens at once, then ' +
        'GUEST_TOKENS_PER_SECOND (default 16); raise them on the nodes under test',
    );
  }
  return lines;
}
