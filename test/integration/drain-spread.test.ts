import type { Client } from 'vehikill-net/client';
import { ARRIVAL_TAG, Kind } from 'vehikill-net/protocol';
import {
  type GameServerOptions,
  ManualClock,
  MemoryRegistry,
  RedisRegistry,
  type Registry,
} from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { RawClient } from '../support/raw-client.js';
import { useRedis } from '../support/redis.js';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const servers: TestServer[] = [];
const registries: Registry[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(registries.splice(0).map((registry) => registry.close()));
});

const redis = useRedis();
let prefixes = 0;

const inMemory = async (): Promise<Registry> => new MemoryRegistry();
const inRedis = async (): Promise<Registry> => {
  const registry = await RedisRegistry.connect({ url: redis.url, keyPrefix: `drain${prefixes++}:` });
  registries.push(registry);
  return registry;
};

/** Nodes sharing one registry, each with its own options, heartbeating every 200 ms. */
async function cluster(nodes: Record<string, GameServerOptions>, makeRegistry = inMemory) {
  const registry = await makeRegistry();
  const started: Record<string, TestServer> = {};
  for (const [nodeId, options] of Object.entries(nodes)) {
    const server = await startServer({ test: TestRoom }, { registry, nodeId, nodeTtlMs: 600, ...options });
    servers.push(server);
    started[nodeId] = server;
  }
  return { registry, nodes: started };
}

/** Players seated on `node`, `players` to a room, one room per entry; each list is one room's players. */
async function rooms(node: TestServer | undefined, players: number[]): Promise<Client[][]> {
  if (node === undefined) throw new Error('no such node');
  return Promise.all(
    players.map(async (count) => {
      const clients = Array.from({ length: count }, () => node.client());
      await Promise.all(clients.map((client) => client.connect()));
      const [creator, ...others] = clients as [Client, ...Client[]];
      const room = await creator.create('test');
      for (const other of others) await other.join(room.roomId);
      return clients;
    }),
  );
}

/** Where each player is told it will go (the drain notice) and where it is moved (the goodbye). */
function follow(player: Client) {
  const seen = { notice: '', moved: '' };
  player.on('error', (error) => {
    seen.notice = error.message;
  });
  player.on('moved', ({ url }) => {
    seen.moved = url;
  });
  return seen;
}

describe('a draining node in a cluster', () => {
  it("spreads its rooms over the live nodes, each room's players together, each told where it goes", async () => {
    const { nodes } = await cluster({ a: {}, b: {}, c: {}, d: {} });
    const playing = await rooms(nodes.a, [2, 2, 2]);
    const seen = playing.map((players) => players.map(follow));
    await nodes.a?.server.drain({ deadlineMs: 300 });
    const all = seen.flat();
    await eventually(() => all.every((player) => player.moved !== ''), 'every player moved');

    const byRoom = seen.map((players) => [...new Set(players.map((player) => player.moved))]);
    for (const urls of byRoom) expect(urls).toHaveLength(1);
    const others = [nodes.b, nodes.c, nodes.d].map((node) => node?.wsUrl).sort();
    expect(byRoom.map(([url]) => url).sort()).toEqual(others);
    for (const player of all) expect(player.notice).toContain(`then the client moves to ${player.moved}`);
  });

  it('sends no room to a node that hosts as many rooms as its maxRooms, though it has fewer players', async () => {
    const { registry, nodes } = await cluster({ a: {}, b: {}, c: { maxRooms: 1 } });
    await rooms(nodes.c, [1]);
    // Node c has said so in a heartbeat: one player, one room of one.
    await expect
      .poll(async () => (await registry.listNodes()).find((node) => node.nodeId === 'c')?.load)
      .toEqual({ sessions: 1, rooms: 1, maxRooms: 1 });
    const playing = await rooms(nodes.a, [2, 2]);
    const seen = playing.flat().map(follow);
    await nodes.a?.server.drain({ deadlineMs: 300 });
    await eventually(() => seen.every((player) => player.moved !== ''), 'every player moved');
    // The second room would have gone to c (one player there, two on b by then) were its limit not kept.
    expect(seen.map((player) => player.moved)).toEqual(seen.map(() => nodes.b?.wsUrl));
  });
});

describe.each([
  ['memory', inMemory],
  ['Redis', inRedis],
])('nodes draining at the same time (%s registry)', (_name, makeRegistry) => {
  it("count each other's arrivals: no node is sent more rooms than its maxRooms", async () => {
    const limited = { maxRooms: 1 };
    const { registry, nodes } = await cluster({ a: {}, b: {}, c: limited, d: limited }, makeRegistry);
    // A player with no room on d: c is the least loaded node, and the first choice of each drain.
    const waiting = nodes.d?.client();
    await waiting?.connect();
    await expect
      .poll(async () => (await registry.listNodes()).find((node) => node.nodeId === 'd')?.load?.sessions)
      .toBe(1);
    const playing = [...(await rooms(nodes.a, [2])), ...(await rooms(nodes.b, [2]))];
    const seen = playing.map((players) => players.map(follow));
    await Promise.all([
      nodes.a?.server.drain({ deadlineMs: 300 }),
      nodes.b?.server.drain({ deadlineMs: 300 }),
    ]);
    const all = seen.flat();
    await eventually(() => all.every((player) => player.moved !== ''), 'every player moved');
    // Each drain alone would have sent its room to c, which hosts one room at most.
    const byRoom = seen.map((players) => [...new Set(players.map((player) => player.moved))]);
    expect(byRoom.flat().sort()).toEqual([nodes.c?.wsUrl, nodes.d?.wsUrl].sort());
  });

  it("count the players that arrived once: in their new node's load, no longer in the plan", async () => {
    // Heartbeats every second, and the goodbye's plan kept 3 s: the players arrive well within it.
    const slow = { nodeTtlMs: 3_000 };
    const { registry, nodes } = await cluster({ a: slow, b: slow }, makeRegistry);
    const seen = (await rooms(nodes.a, [2])).flat().map(follow);
    await nodes.a?.server.drain({ deadlineMs: 300 });
    await eventually(() => seen.every((player) => player.moved === nodes.b?.wsUrl), 'both players moved');
    // The heartbeat whose load counts them takes them off the drain's plan in the same step: before, they
    // counted twice (two sessions in b's load, and two more, with a room, in the plan) until it expired.
    await expect
      .poll(async () => (await registry.listNodes()).find((node) => node.nodeId === 'b')?.load?.sessions)
      .toBe(2);
    expect((await registry.arrivals?.('another drain'))?.byNode).toEqual(new Map());
  });
});

/**
 * A registry shared by nodes, whose drain plans never run out (its clock stands still), where the next
 * heartbeat of `failing.nodeId` that says arrivals fails: before it is recorded, or once it is (its answer
 * lost). Counts each node's heartbeats that went through saying none.
 */
class FlakyHeartbeats extends MemoryRegistry {
  failing: { nodeId: string; recorded: boolean } | undefined;
  readonly quiet = new Map<string, number>();

  constructor() {
    super({ clock: new ManualClock() });
  }

  override async heartbeat(...args: Parameters<MemoryRegistry['heartbeat']>): Promise<boolean> {
    const [node, , , arrived] = args;
    if (arrived !== undefined && node.nodeId === this.failing?.nodeId) {
      const { recorded } = this.failing;
      this.failing = undefined;
      if (recorded) await super.heartbeat(...args);
      throw new Error('the connection to the registry was reset');
    }
    const known = await super.heartbeat(...args);
    if (arrived === undefined) this.quiet.set(node.nodeId, (this.quiet.get(node.nodeId) ?? 0) + 1);
    return known;
  }
}

/**
 * A node draining to one other node, sharing a FlakyHeartbeats registry: two players in a room, who follow
 * the goodbye, and one bare client, who does not: the drain's plan sends the three of them (and a room).
 */
async function drainingToOne() {
  const registry = new FlakyHeartbeats();
  const { nodes } = await cluster({ 'node-from': {}, 'node-to': {} }, async () => registry);
  const [from, to] = [nodes['node-from'], nodes['node-to']];
  if (from === undefined || to === undefined) throw new Error('no such node');
  const seen = (await rooms(from, [2])).flat().map(follow);
  const staying = new RawClient(from.wsUrl, from.server.issueGuestToken());
  await staying.opened;
  staying.hello();
  await eventually(() => staying.received(Kind.Welcome).length === 1, 'the bare client welcomed');
  return { registry, from, to, seen, staying };
}

describe("a drain's players arriving at a node whose heartbeat fails", () => {
  it.each([
    ['before the registry records it', false],
    ['after the registry records it, its answer lost', true],
  ])('are taken off the plan exactly once: the heartbeat fails %s', async (_when, recorded) => {
    const { registry, from, to, seen, staying } = await drainingToOne();
    registry.failing = { nodeId: 'node-to', recorded };
    const draining = from.server.drain({ deadlineMs: 300 });
    await eventually(() => seen.every((player) => player.moved === to.wsUrl), 'both players moved');
    await eventually(() => to.server.sessionCount === 2, 'both players arrived');
    await eventually(() => registry.failing === undefined, 'the heartbeat saying them failed');
    // Both noted by now: a heartbeat that goes through saying nothing has had both recorded. (A memory
    // registry's heartbeat reads the tally and counts itself quiet within one turn: no arrival comes between.)
    const quietSoFar = registry.quiet.get('node-to') ?? 0;
    await eventually(() => (registry.quiet.get('node-to') ?? 0) > quietSoFar, 'a heartbeat saying none');
    // The plan still counts the one who stayed behind, and the room. Before, it counted all three until it
    // expired (the failed heartbeat's arrivals were never said again); taken off twice, it counted none.
    expect((await registry.arrivals('another drain')).byNode).toEqual(
      new Map([['node-to', { sessions: 1, rooms: 1 }]]),
    );
    staying.close();
    await draining;
  });
});

describe("a drain's goodbye", () => {
  it('names the drain to the node it sends the player to, but names neither the node id nor its boot', async () => {
    const { registry, from, to, staying } = await drainingToOne();
    const bootId = (await registry.listNodes()).find((node) => node.nodeId === 'node-from')?.bootId;
    expect(bootId).toBeTruthy();
    await from.server.drain({ deadlineMs: 300 });
    await staying.closed;
    const url = staying.received(Kind.Bye)[0]?.message ?? '';
    expect(url.startsWith(to.wsUrl)).toBe(true);
    expect(new URL(url).searchParams.get(ARRIVAL_TAG)).toBeTruthy();
    expect(url).not.toContain('node-from');
    expect(url).not.toContain(bootId);
  });
});
