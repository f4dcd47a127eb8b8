import { describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../../bench/loadtest/load-options.js';
import { ExitCode, exitCodeOf, progressLine, summaryLines } from '../../../bench/loadtest/load-report.js';
import {
  countOf,
  newStats,
  percentile,
  recordMoved,
  recordRejoined,
  recordRejoinFailed,
  recordRoomLost,
  recordSeated,
  recordStalled,
  recordUnstalled,
} from '../../../bench/loadtest/load-stats.js';

const options: LoadOptions = {
  urls: ['ws://n1/ws', 'ws://n2/ws', 'ws://n3/ws'],
  rooms: 6,
  players: 3,
  type: 'chat',
  seconds: 20,
  intervalMs: 1_000,
  concurrency: 50,
  stallMs: 5_000,
};

/**
 * The reviewer's run: 18 seated over three nodes (7 of them by a redirect), then node3 killed with its two
 * rooms of three.
 */
function node3Killed() {
  const stats = newStats();
  for (let i = 0; i < 18; i++) recordSeated(stats, `node${(i % 3) + 1}`);
  for (let i = 0; i < 7; i++) recordMoved(stats, 'ROOM_ON_OTHER_NODE');
  for (let i = 0; i < 6; i++) {
    recordMoved(stats, 'NODE_UNREACHABLE');
    recordRoomLost(stats, 'NODE_UNREACHABLE', 'node3', `node3-room-${i % 2}`);
  }
  return stats;
}

describe('npm run loadtest: the summary of players who lost their room', () => {
  it('counts them out of play, apart from redirects, with per-node counts as of now, and exits non-zero', () => {
    const stats = node3Killed();
    const summary = summaryLines(options, stats);
    expect(summary).toContain('  seated now    12/18');
    expect(summary).toContain('  stalled       none');
    expect(summary).toContain('  out of play   6 (NODE_UNREACHABLE x6): lost their room, not back in one');
    expect(summary).toContain('  failed        none');
    // Two rooms went, with their six players: '6' alone read as six rooms.
    expect(summary).toContain(
      '  rooms lost    2 rooms, 6 players (NODE_UNREACHABLE x6); 0 back in play by quick play',
    );
    expect(summary).toContain(
      "  moves         7 redirected to their room's node, 6 moved off a failed or draining node (NODE_UNREACHABLE x6)",
    );
    expect(summary).toContain('  per node now  node1: 6, node2: 6');
    expect(progressLine(options, stats, 12)).toMatch(
      /seated 12\/18 +stalled 0 +out of play 6 +back 0 .*redirects 7 +moved off 6/,
    );
    expect(exitCodeOf(options, stats)).toBe(ExitCode.notAllInPlay);
  });

  it('counts those back in play by quick play as seated, says they lost their room, and exits 0', () => {
    const stats = node3Killed();
    recordRejoinFailed(stats, 'RATE_LIMITED');
    for (let i = 0; i < 6; i++) recordRejoined(stats, 'NODE_UNREACHABLE', `node${(i % 2) + 1}`);
    const summary = summaryLines(options, stats);
    expect(summary).toContain('  seated now    18/18');
    expect(summary).toContain('  out of play   none');
    expect(summary).toContain(
      '  rooms lost    2 rooms, 6 players (NODE_UNREACHABLE x6); 6 back in play by quick play; quick plays failed: RATE_LIMITED x1',
    );
    expect(summary).toContain('  per node now  node1: 9, node2: 9');
    expect(countOf(stats.outOfPlay)).toBe(0);
    expect(exitCodeOf(options, stats)).toBe(ExitCode.allInPlay);
  });

  it('keeps the first five lines summing to every player', () => {
    const stats = node3Killed();
    stats.errors.set('ROOM_FULL', 1);
    recordStalled(stats, 'node1');
    const total =
      stats.seated +
      countOf(stats.stalled) +
      countOf(stats.outOfPlay) +
      countOf(stats.errors) +
      stats.notTried;
    // The 18 seated once (11 now, 1 stalled, 6 out of play) and the one whose join failed.
    expect(total).toBe(19);
    expect(stats.seated).toBe(11);
  });

  it('counts a stalled player apart from the seated until heard again, or out of play once their room goes', () => {
    const stats = node3Killed();
    recordStalled(stats, 'node1');
    recordStalled(stats, 'node2');
    recordStalled(stats, 'node2');
    expect(stats.seated).toBe(9);
    expect(Object.fromEntries(stats.byNode)).toEqual({ node1: 5, node2: 4 });
    expect(summaryLines(options, stats)).toContain(
      '  stalled       3 (node1: 1, node2: 2): in a room, no chat line back for over 5000 ms or not connected at the end',
    );
    recordUnstalled(stats, 'node1');
    recordRoomLost(stats, 'HEARTBEAT_TIMEOUT', 'node2', 'node2-room', true);
    recordRoomLost(stats, 'HEARTBEAT_TIMEOUT', 'node2', 'node2-room', true);
    expect(stats.seated).toBe(10);
    expect(countOf(stats.stalled)).toBe(0);
    expect(Object.fromEntries(stats.byNode)).toEqual({ node1: 6, node2: 4 });
    expect(Object.fromEntries(stats.outOfPlay)).toEqual({ NODE_UNREACHABLE: 6, HEARTBEAT_TIMEOUT: 2 });
    // Every seat back by quick play, and none stalled: exit 0; one stalled at the end: not.
    for (let i = 0; i < 8; i++) {
      const lost = i < 6 ? 'NODE_UNREACHABLE' : 'HEARTBEAT_TIMEOUT';
      recordRejoined(stats, lost, 'node1');
    }
    expect(exitCodeOf(options, stats)).toBe(ExitCode.allInPlay);
    recordStalled(stats, 'node1');
    expect(exitCodeOf(options, stats)).toBe(ExitCode.notAllInPlay);
  });
});

describe('npm run loadtest: the summary otherwise', () => {
  it('says no moves and no round trips rather than NaN ms when nothing was echoed', () => {
    const stats = newStats();
    const summary = summaryLines(options, stats);
    expect(summary).toContain('  round trip    - (no chat line was echoed back)');
    expect(summary).toContain('  moves         none');
    expect(summary).toContain('  rooms lost    none');
    expect(summary.join('\n')).not.toMatch(/NaN/);
    expect(progressLine(options, stats, 0)).toMatch(/p50 -$/);
    expect(progressLine(options, stats, 0)).not.toMatch(/NaN/);
  });

  it('hints at the rate limit settings a RATE_LIMITED failure points at', () => {
    const stats = newStats();
    stats.errors.set('RATE_LIMITED', 2);
    expect(summaryLines(options, stats).join('\n')).not.toMatch(/hint/);
    stats.rateLimited.add('create');
    const create = summaryLines(options, stats).join('\n');
    expect(create).toMatch(
      /hint +RATE_LIMITED creating rooms: .*ROOM_CREATE_BURST \(default 20\).*ROOM_CREATES_PER_SECOND/,
    );
    expect(create).not.toMatch(/CONNECT_BURST/);
    stats.rateLimited.add('connect');
    expect(summaryLines(options, stats).join('\n')).toMatch(/hint +RATE_LIMITED connecting: .*CONNECT_BURST/);
  });
});

describe('npm run loadtest: round trip percentiles', () => {
  it('are nearest-rank: p99 of 100 round trips is the 99th, not the slowest; p50 of two is the first', () => {
    const stats = newStats();
    stats.roundTrips.push(...Array.from({ length: 100 }, (_, i) => 100 - i)); // 100 ms down to 1 ms
    const summary = summaryLines(options, stats);
    expect(summary).toContain('  round trip    p50 50.0 ms, p95 95.0 ms, p99 99.0 ms, max 100.0 ms');
    expect(percentile([10, 20], 50)).toBe(10);
    expect(percentile([10, 20], 0)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
  });

  it('on the progress line are of the latest round trips, the summary of the whole run', () => {
    const stats = newStats();
    // A long run at the most clients: 2,000 lines a second for 15 minutes, then the server slows down.
    // Printed four times a second, a sort of every round trip so far took the load generator's own event
    // loop (3 s a line at this size), which then measured itself rather than the server: the line reads
    // the latest 10,000 alone, and shows the slowdown the whole run's median would hide.
    stats.roundTrips = Array.from({ length: 1_800_000 }, () => Math.random() * 4);
    for (let i = 0; i < 20_000; i++) stats.roundTrips.push(200);
    expect(progressLine(options, stats, 900)).toMatch(/recent p50 200\.0 ms$/);
    const summary = summaryLines(options, stats);
    expect(summary.join('\n')).toMatch(/round trip +p50 [0-3]\.\d ms, .* max 200\.0 ms/);
  });
});
