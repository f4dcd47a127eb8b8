import { ErrorCode } from 'vehikill-net/protocol';
import { MemoryRegistry, type NodeInfo, type RoomClass } from 'vehikill-net/server';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startServer, type TestServer } from '../support/server.js';
import { TestRoom } from './rooms-fixtures.js';

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Nodes sharing one registry, each defining the room types given for it. */
async function cluster(
  types: Record<string, readonly string[]>,
  registry: MemoryRegistry = new MemoryRegistry(),
): Promise<Record<string, TestServer>> {
  const nodes: Record<string, TestServer> = {};
  for (const [nodeId, defined] of Object.entries(types)) {
    const rooms: Record<string, RoomClass> = Object.fromEntries(defined.map((type) => [type, TestRoom]));
    const server = await startServer(rooms, { registry, nodeId, nodeTtlMs: 600 });
    servers.push(server);
    nodes[nodeId] = server;
  }
  return nodes;
}

/** Records node 'old' as a node of an earlier version would: without the room types it defines. */
class EarlierVersionRegistry extends MemoryRegistry {
  override heartbeat(node: NodeInfo, ttlMs: number, held?: boolean): Promise<boolean> {
    const { roomTypes: _roomTypes, ...earlier } = node;
    return super.heartbeat(node.nodeId === 'old' ? earlier : node, ttlMs, held);
  }
}

/**
 * Starts draining `node` with a player in a room there, so that the drain waits (a finished drain sends
 * every new connection away), and connects `count` players to it first.
 */
async function drainingWithPlayers(node: TestServer | undefined, count: number) {
  if (node === undefined) throw new Error('no such node');
  const holder = node.client();
  const players = Array.from({ length: count }, () => node.client());
  await Promise.all([holder, ...players].map((client) => client.connect()));
  await holder.create('test');
  void node.server.drain({ deadlineMs: 30_000 });
  await eventually(() => node.server.rooms.draining, 'the node drains');
  return players;
}

describe('a draining node in a cluster whose nodes define different room types', () => {
  it('sends a creation only to a node that defines its type', async () => {
    const { a, c } = await cluster({ a: ['test', 'race'], b: ['test'], c: ['race'] });
    // The target is drawn at random among the nodes that qualify: several tries, every one on c.
    for (const player of await drainingWithPlayers(a, 6)) {
      const room = await player.create('race');
      expect(room.info.nodeId).toBe('c');
      expect(player.url).toBe(c?.wsUrl);
    }
  });

  it("sends a quick play's creation only to a node that defines its type", async () => {
    const { a } = await cluster({ a: ['test', 'race'], b: ['test'], c: ['race'] });
    for (const player of await drainingWithPlayers(a, 6)) {
      const room = await player.quickPlay('race');
      expect(room.info.nodeId).toBe('c');
    }
  });

  it('answers SERVER_DRAINING when no live node defines the type, rather than a node that refuses it', async () => {
    const { a } = await cluster({ a: ['test', 'race'], b: ['test'] });
    const [player] = await drainingWithPlayers(a, 1);
    await expect(player?.create('race')).rejects.toMatchObject({ code: ErrorCode.SERVER_DRAINING });
    await expect(player?.quickPlay('race')).rejects.toMatchObject({ code: ErrorCode.SERVER_DRAINING });
  });

  it('still sends a creation to a node of an earlier version, whose record does not list its types', async () => {
    const { a, old } = await cluster({ a: ['test', 'race'], old: ['race'] }, new EarlierVersionRegistry());
    const [player] = await drainingWithPlayers(a, 1);
    expect((await player?.create('race'))?.info.nodeId).toBe('old');
    expect(player?.url).toBe(old?.wsUrl);
  });
});

describe('the goodbye of a draining node in a cluster whose nodes define different room types', () => {
  it("sends its players to a node that defines their rooms' types, where they quick-play again", async () => {
    // The node is drawn at random among those that qualify: several drains, every one sends them to c.
    for (let trial = 0; trial < 6; trial++) {
      const { a, c } = await cluster({ a: ['race'], b: ['test'], c: ['race', 'test'] });
      const alice = a?.client();
      await alice?.connect();
      const room = await alice?.create('race');
      const moved = new Promise<string>((resolve) => alice?.on('moved', ({ url }) => resolve(url)));
      let again: Promise<{ info: { nodeId: string } }> | undefined;
      room?.on('leave', () => {
        again = alice?.quickPlay('race');
      });
      await a?.server.drain({ deadlineMs: 200 });
      expect(await moved).toBe(c?.wsUrl);
      await eventually(() => again !== undefined, 'the room left');
      expect((await again)?.info.nodeId).toBe('c');
      await Promise.all(servers.splice(0).map((server) => server.close()));
    }
  });
});
