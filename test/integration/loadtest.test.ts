import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../bench/loadtest/load-options.js';
import { ExitCode, exitCodeOf, summaryLines } from '../../bench/loadtest/load-report.js';
import { countOf, newStats } from '../../bench/loadtest/load-stats.js';
import { runLoad } from '../../bench/loadtest/loadtest.js';
import { unreachableBecause } from '../../bench/loadtest/reach.js';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Two nodes sharing one registry, as a cluster over Redis would. */
async function twoNodes() {
  const registry = new MemoryRegistry();
  const node = async (nodeId: string) => {
    const server = await startServer({ chat: ChatRoom }, { registry, nodeId, nodeTtlMs: 600 });
    servers.push(server);
    return server;
  };
  return { a: await node('node-a'), b: await node('node-b') };
}

/** 4 rooms of 2 over both nodes, chatting for 2 s: long enough to take a node away once all are seated. */
const overBoth = (a: TestServer, b: TestServer): LoadOptions => ({
  urls: [a.wsUrl, b.wsUrl],
  rooms: 4,
  players: 2,
  type: 'chat',
  seconds: 2,
  intervalMs: 100,
  concurrency: 4,
});

describe('npm run loadtest against a server', () => {
  it('reports the players of rooms the server refused to create as not tried', async () => {
    // Two rooms may be created, and no more for a long while: the third and fourth are RATE_LIMITED.
    const t = await startServer({ chat: ChatRoom }, { roomCreateBurst: 2, roomCreatesPerSecond: 0.001 });
    servers.push(t);
    const options: LoadOptions = {
      urls: [t.wsUrl],
      rooms: 4,
      players: 3,
      type: 'chat',
      seconds: 1,
      intervalMs: 200,
      concurrency: 3,
    };
    const stats = newStats();
    await runLoad(options, stats);

    expect(stats.seated).toBe(6);
    expect(Object.fromEntries(stats.errors)).toEqual({ RATE_LIMITED: 2 });
    expect(stats.notTried).toBe(4);
    expect(stats.seated + countOf(stats.errors) + stats.notTried).toBe(12);
    expect(stats.echoed).toBeGreaterThan(0);
    const summary = summaryLines(options, stats).join('\n');
    expect(summary).toMatch(/seated now +6\/12/);
    expect(summary).toMatch(/failed +2 \(RATE_LIMITED x2\)/);
    expect(summary).toMatch(/not tried +4 \(joiners of 2 rooms whose creation failed\)/);
    expect(summary).toMatch(/hint +RATE_LIMITED creating rooms: .*ROOM_CREATE_BURST/);
    expect(exitCodeOf(options, stats)).toBe(ExitCode.notAllInPlay);
  });

  it('counts the players of a node that drains mid-run as moved off it and losing their room, then back by quick play', async () => {
    const { a, b } = await twoNodes();
    const options = overBoth(a, b);
    const stats = newStats();
    const run = runLoad(options, stats);
    await eventually(() => stats.seated === 8, 'all seated');
    const onA = stats.byNode.get('node-a') ?? 0;
    expect(onA).toBeGreaterThan(0);
    await a.server.drain({ deadlineMs: 100 });
    await run;

    expect(Object.fromEntries(stats.movedOff)).toEqual({ [ErrorCode.SERVER_DRAINING]: onA });
    expect(Object.fromEntries(stats.roomsLost)).toEqual({ [ErrorCode.SERVER_DRAINING]: onA });
    expect(stats.rejoined).toBe(onA);
    expect(stats.seated).toBe(8);
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-b': 8 });
    const summary = summaryLines(options, stats).join('\n');
    expect(summary).toMatch(/seated now +8\/8/);
    expect(summary).toMatch(/out of play +none/);
    expect(summary).toContain(
      `rooms lost    ${onA} (SERVER_DRAINING x${onA}); ${onA} back in play by quick play`,
    );
    expect(summary).toContain(`${onA} moved off a failed or draining node (SERVER_DRAINING x${onA})`);
    expect(summary).toMatch(/per node now +node-b: 8/);
    // They are all playing again: the run did what it was asked, and the summary tells what happened.
    expect(exitCodeOf(options, stats)).toBe(ExitCode.allInPlay);
  });

  it('counts the players of a node that closes mid-run as out of play, and exits non-zero', async () => {
    const { a, b } = await twoNodes();
    const options = overBoth(a, b);
    const stats = newStats();
    const run = runLoad(options, stats);
    await eventually(() => stats.seated === 8, 'all seated');
    const onA = stats.byNode.get('node-a') ?? 0;
    expect(onA).toBeGreaterThan(0);
    // A shutdown without a drain: the node says goodbye naming no other node, so its clients stop.
    await a.server.close({ drainMs: 0 });
    await run;

    expect(stats.seated).toBe(8 - onA);
    expect(Object.fromEntries(stats.outOfPlay)).toEqual({ [ErrorCode.SERVER_SHUTTING_DOWN]: onA });
    expect(stats.rejoined).toBe(0);
    expect(countOf(stats.rejoinErrors)).toBe(onA);
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-b': 8 - onA });
    const summary = summaryLines(options, stats).join('\n');
    expect(summary).toMatch(new RegExp(`seated now +${8 - onA}/8`));
    expect(summary).toMatch(new RegExp(`out of play +${onA} \\(SERVER_SHUTTING_DOWN x${onA}\\)`));
    expect(summary).toMatch(/failed +none/);
    expect(exitCodeOf(options, stats)).toBe(ExitCode.notAllInPlay);
  });
});

describe('npm run loadtest: checking the URLs first', () => {
  it('tells a server that answers from an address nobody serves, at once', async () => {
    const t = await startServer({ chat: ChatRoom });
    servers.push(t);
    expect(await unreachableBecause(t.wsUrl)).toBeUndefined();
    await t.close();
    const started = Date.now();
    expect(await unreachableBecause(t.wsUrl)).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
