import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import * as v from 'valibot';
import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry, Room } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import type { LoadOptions } from '../../bench/loadtest/load-options.js';
import { ExitCode, exitCodeOf, summaryLines } from '../../bench/loadtest/load-report.js';
import { countOf, newStats } from '../../bench/loadtest/load-stats.js';
import { runLoad } from '../../bench/loadtest/loadtest.js';
import { ChatRoom } from '../../examples/lobby/server/chat-room.js';
import { unreachableBecause } from '../../game/bots/reach.js';
import { eventually, startServer, type TestServer } from '../support/server.js';

/** The lobby's chat room, its chat budget raised: these runs chat at 5 to 10 lines a second per player. */
class LoadChatRoom extends ChatRoom {
  static override chatBudget = { burst: 100, perSecond: 100 };
}

/** The README's room: it names the sender of a chat line by name, not by player id. */
class ReadmeLobby extends Room {
  override onCreate() {
    this.setMaxClients(8);
    this.onMessage('chat', v.object({ text: v.pipe(v.string(), v.maxLength(500)) }), (client, { text }) =>
      this.broadcast('chat', { from: client.name, text }),
    );
  }
}

const servers: TestServer[] = [];
const proxies: Server[] = [];
/** Every proxy's connections: a frozen one never ends by itself, and would hold its proxy open. */
const proxySockets: Socket[] = [];
afterEach(async () => {
  for (const proxy of proxies.splice(0)) proxy.close();
  for (const socket of proxySockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/**
 * A TCP proxy to a node that can freeze as a stopped process (SIGSTOP) does: connections stay open, and
 * nothing passes either way (new ones are taken, and get nowhere).
 */
async function freezableProxy() {
  let targetPort = 0;
  let frozen = false;
  const sockets: Socket[] = [];
  const proxy = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.push(client, upstream);
    proxySockets.push(client, upstream);
    if (!frozen) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
    const destroy = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroy).on('close', destroy);
    upstream.on('error', destroy).on('close', destroy);
  });
  proxy.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  proxies.push(proxy);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    target(port: number) {
      targetPort = port;
    },
    freeze() {
      frozen = true;
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
  };
}

/** Two nodes sharing one registry, as a cluster over Redis would. */
async function twoNodes() {
  const registry = new MemoryRegistry();
  const node = async (nodeId: string) => {
    const server = await startServer({ chat: LoadChatRoom }, { registry, nodeId, nodeTtlMs: 600 });
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
  stallMs: 5_000,
});

/** One server's chat rooms for 1 s: `rooms` x `players`, at `intervalMs`, `concurrency` at a time. */
const against = (
  t: TestServer,
  shape: Pick<LoadOptions, 'rooms' | 'players' | 'intervalMs' | 'concurrency'>,
): LoadOptions => ({ urls: [t.wsUrl], type: 'chat', seconds: 1, stallMs: 5_000, ...shape });

describe('npm run loadtest against a server', () => {
  it('reports the players of rooms the server refused to create as not tried', async () => {
    // Two rooms may be created, and no more for a long while: the third and fourth are RATE_LIMITED.
    const t = await startServer({ chat: LoadChatRoom }, { roomCreateBurst: 2, roomCreatesPerSecond: 0.001 });
    servers.push(t);
    const options = against(t, { rooms: 4, players: 3, intervalMs: 200, concurrency: 3 });
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

  it('has each player send seconds / interval lines, every one heard back on a healthy server', async () => {
    const t = await startServer({ chat: LoadChatRoom });
    servers.push(t);
    const options = against(t, { rooms: 2, players: 2, intervalMs: 250, concurrency: 4 });
    const stats = newStats();
    await runLoad(options, stats);

    expect(stats.sent).toBe(4 * 4);
    expect(stats.echoed).toBe(16);
    expect(stats.lostWithRoom + stats.unansweredAtEnd).toBe(0);
    expect(summaryLines(options, stats).join('\n')).toMatch(/chat lines +16 sent, 16 echoed back\n/);
  });

  it("hears the lines back from a room of the app's own that names senders by name (the README's)", async () => {
    const t = await startServer({ lobby: ReadmeLobby });
    servers.push(t);
    const options = {
      ...against(t, { rooms: 2, players: 2, intervalMs: 250, concurrency: 4 }),
      type: 'lobby',
    };
    const stats = newStats();
    await runLoad(options, stats);

    expect(stats.sent).toBe(16);
    expect(stats.echoed).toBe(16);
    expect(countOf(stats.stalled)).toBe(0);
    expect(exitCodeOf(options, stats)).toBe(ExitCode.allInPlay);
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
    expect(Object.fromEntries(stats.roomLosses)).toEqual({ [ErrorCode.SERVER_DRAINING]: onA });
    expect(stats.rejoined).toBe(onA);
    expect(stats.seated).toBe(8);
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-b': 8 });
    const summary = summaryLines(options, stats).join('\n');
    expect(summary).toMatch(/seated now +8\/8/);
    expect(summary).toMatch(/out of play +none/);
    expect(summary).toContain(
      `rooms lost    ${onA / 2} room${onA === 2 ? '' : 's'}, ${onA} players (SERVER_DRAINING x${onA}); ${onA} back in play by quick play`,
    );
    expect(summary).toContain(`${onA} moved off a failed or draining node (SERVER_DRAINING x${onA})`);
    expect(summary).toMatch(/per node now +node-b: 8/);
    // They are all playing again: the run did what it was asked, and the summary tells what happened.
    expect(exitCodeOf(options, stats)).toBe(ExitCode.allInPlay);
  });

  it('counts the players of a node that hangs mid-run as stalled, not seated, and exits non-zero', async () => {
    // Node a is reached (and named in the listing) only through a proxy that freezes as a stopped process.
    const registry = new MemoryRegistry();
    const proxy = await freezableProxy();
    const a = await startServer(
      { chat: LoadChatRoom },
      { registry, nodeId: 'node-a', nodeTtlMs: 600, publicUrl: proxy.wsUrl },
    );
    proxy.target(a.port);
    const b = await startServer({ chat: LoadChatRoom }, { registry, nodeId: 'node-b', nodeTtlMs: 600 });
    servers.push(a, b);
    const options: LoadOptions = {
      ...overBoth(a, b),
      urls: [proxy.wsUrl, b.wsUrl],
      seconds: 4,
      intervalMs: 50,
      stallMs: 300,
    };
    const stats = newStats();
    const run = runLoad(options, stats);
    await eventually(() => stats.seated === 8 && stats.echoed >= 16, 'all seated and chatting');
    const onA = stats.byNode.get('node-a') ?? 0;
    expect(onA).toBeGreaterThan(0);
    proxy.freeze();
    await run;

    // Nothing told them: their sockets are open and their rooms not left, but nothing comes back.
    expect(countOf(stats.outOfPlay)).toBe(0);
    expect(Object.fromEntries(stats.stalled)).toEqual({ 'node-a': onA });
    expect(stats.seated).toBe(8 - onA);
    expect(Object.fromEntries(stats.byNode)).toEqual({ 'node-b': 8 - onA });
    const summary = summaryLines(options, stats).join('\n');
    expect(summary).toMatch(new RegExp(`seated now +${8 - onA}/8`));
    expect(summary).toContain(
      `stalled       ${onA} (node-a: ${onA}): in a room, no chat line back for over 300 ms`,
    );
    // Once stalled they send no more: what they wait for is about 300 ms of lines each (a line each 50 ms,
    // the stall seen within 250 ms), not the 3 s of lines left to the end.
    expect(stats.unansweredAtEnd).toBeGreaterThan(0);
    expect(stats.unansweredAtEnd).toBeLessThanOrEqual(onA * 30);
    expect(stats.sent).toBe(stats.echoed + stats.unansweredAtEnd);
    expect(summary).toContain(`${stats.unansweredAtEnd} not back at the end`);
    expect(exitCodeOf(options, stats)).toBe(ExitCode.notAllInPlay);
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
    // Every line is accounted for: heard back, or lost with the room that closed under it.
    expect(stats.sent).toBe(stats.echoed + stats.lostWithRoom + stats.unansweredAtEnd);
    expect(exitCodeOf(options, stats)).toBe(ExitCode.notAllInPlay);
  });
});

describe('npm run loadtest: checking the URLs first', () => {
  it('tells a server that answers from an address nobody serves, at once', async () => {
    const t = await startServer({ chat: LoadChatRoom });
    servers.push(t);
    expect(await unreachableBecause(t.wsUrl)).toBeUndefined();
    await t.close();
    const started = Date.now();
    expect((await unreachableBecause(t.wsUrl))?.why).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('tells a server refusing the Origin sent from a web server refusing with a 403 of its own', async () => {
    const t = await startServer({ chat: LoadChatRoom }, { allowedOrigins: ['https://game.test'] });
    servers.push(t);
    expect(await unreachableBecause(t.wsUrl)).toMatchObject({ originRefused: true });
    expect(await unreachableBecause(t.wsUrl, { origin: 'https://other.test' })).toMatchObject({
      originRefused: true,
      why: expect.stringContaining('--origin https://other.test is not one of them'),
    });
    expect(await unreachableBecause(t.wsUrl, { origin: 'https://game.test' })).toBeUndefined();
    // A 403 whose body is no vehikill-net refusal: a proxy or another web server, not ours.
    const web = createHttpServer((_request, response) => response.writeHead(403).end('{"code":"FORBIDDEN"}'));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    proxies.push(web);
    const url = `ws://127.0.0.1:${(web.address() as { port: number }).port}/ws`;
    expect(await unreachableBecause(url)).toEqual({
      why: 'not a vehikill server (HTTP 403 to the WebSocket upgrade)',
      originRefused: false,
    });
  });
});
