import { Client, type ClientOptions, type RoomConnection } from 'vehikill-net/client';
import { ErrorCode } from 'vehikill-net/protocol';
import { seededRandom } from 'vehikill-net/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  buildClusterNode,
  type ClusterNode,
  live,
  processStates,
  startClusterNodes,
} from '../support/cluster.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { startRedisCluster } from '../support/redis-cluster.js';
import { eventually } from '../support/server.js';
import { closeInSteps, teardownTimeout } from '../support/teardown.js';

/** Where the nodes keep their registry: one Redis (which the outage test stops), or a Redis Cluster. */
interface Backend {
  /** What a node process is told about its Redis. */
  env: Record<string, string>;
  stop(): Promise<void>;
  /** The single Redis, for the outage test. */
  redis?: RedisServer;
}

clusterSuite('one Redis', true, async () => {
  const redis = await startRedis();
  return { env: { REDIS_URL: redis.url }, stop: () => redis.stop(), redis };
});
clusterSuite('a Redis Cluster of 3 masters', false, async () => {
  const cluster = await startRedisCluster(3);
  // Each node knows one seed: the others are discovered.
  return { env: { REDIS_CLUSTER_NODES: cluster.nodes[0] as string }, stop: () => cluster.stop() };
});

/** Three server processes sharing one registry, driven by Node clients as a browser would. */
function clusterSuite(label: string, outageTest: boolean, startBackend: () => Promise<Backend>): void {
  describe(`a cluster of three nodes over ${label}`, () => {
    let backend: Backend;
    const nodes: (ClusterNode | undefined)[] = [];
    const clients: Client[] = [];
    const random = seededRandom(9);

    beforeAll(async () => {
      [backend] = await Promise.all([startBackend(), buildClusterNode()]);
      // Each kept as it comes up: a start that times out must not leave the others running unkilled.
      await startClusterNodes(3, { ...backend.env, NODE_TTL_MS: '3000' }, nodes);
    }, 30_000);
    afterAll(
      () =>
        closeInSteps({
          clients: () => {
            for (const client of clients) client.close();
          },
          'nodes (SIGKILL)': {
            run: () => Promise.all(live(nodes).map((node) => node.kill())),
            state: () => processStates(live(nodes)),
          },
          [label]: () => backend?.stop(),
        }),
      teardownTimeout(3),
    );

    const node = (i: number): ClusterNode => nodes[i] as ClusterNode;
    const urlOf = (nodeId: string) => nodes.find((n) => n?.nodeId === nodeId)?.wsUrl;

    async function connect(entry: ClusterNode, options: Partial<ClientOptions> = {}): Promise<Client> {
      const client = new Client({
        url: entry.wsUrl,
        WebSocket,
        backoff: { baseMs: 20, maxMs: 200 },
        serverLink: 'off',
        random,
        ...options,
      });
      clients.push(client);
      await client.connect();
      return client;
    }

    it('quick play fills a room on another node before creating one, following the redirect', async () => {
      const first = await connect(node(0));
      const room = await first.quickPlay('arena');
      expect(room.info.nodeId).toBe(node(0).nodeId);
      const second = await connect(node(1));
      const moved: string[] = [];
      second.on('moved', ({ url }) => moved.push(url));
      const joined = await second.quickPlay('arena');
      expect(joined.roomId).toBe(room.roomId);
      expect(moved).toEqual([node(0).wsUrl]);
      expect(second.url).toBe(node(0).wsUrl);
      await eventually(() => room.members.length === 2, 'the first player sees the second');
      first.close();
      second.close();
    });

    it('60 clients quick-playing through different nodes fill rooms without exceeding 4 seats', async () => {
      const players = await Promise.all(Array.from({ length: 60 }, (_, i) => connect(node(i % 3))));
      // Arrivals in waves of three, one through each node at the same moment: they race for seats.
      const rooms: RoomConnection[] = [];
      for (let wave = 0; wave < 60; wave += 3) {
        const batch = players.slice(wave, wave + 3);
        rooms.push(...(await Promise.all(batch.map((player) => player.quickPlay('arena')))));
      }
      const byRoom = new Map<string, RoomConnection[]>();
      rooms.forEach((room) => {
        byRoom.set(room.roomId, [...(byRoom.get(room.roomId) ?? []), room]);
      });
      for (const members of byRoom.values()) expect(members.length).toBeLessThanOrEqual(4);
      // Every player ended up on the node hosting its room.
      rooms.forEach((room, i) => {
        expect(players[i]?.url).toBe(urlOf(room.info.nodeId));
      });
      // The shared listing agrees, and rooms were filled rather than opened side by side (15 would be
      // perfect; a race inside a wave may open one more now and then).
      const listed = await players[0]?.listRooms({ type: 'arena', includeFull: true });
      expect(listed?.reduce((sum, room) => sum + room.clients, 0)).toBe(60);
      expect(byRoom.size).toBeLessThanOrEqual(20);
      for (const player of players) player.close();
    }, 60_000);

    it('a private code created on one node is joined through another', async () => {
      const host = await connect(node(0));
      const room = await host.create('arena', { private: true });
      const friend = await connect(node(2));
      const joined = await friend.joinByCode(room.code as string);
      expect(joined.roomId).toBe(room.roomId);
      expect(friend.url).toBe(node(0).wsUrl);
      await eventually(() => room.members.length === 2, 'the host sees the friend');
      const stranger = await connect(node(1));
      await expect(stranger.joinByCode('ZZZZZZ')).rejects.toMatchObject({ code: ErrorCode.ROOM_NOT_FOUND });
      host.close();
      friend.close();
      stranger.close();
    });

    it('a takeover is refused clearly through another node, and taken at the node holding the session', async () => {
      const first = await connect(node(0));
      const room = await first.create('arena');
      const resumeToken = first.resumeToken as string;
      const elsewhere = new Client({ url: node(1).wsUrl, WebSocket, serverLink: 'off', random, resumeToken });
      clients.push(elsewhere);
      const expired: Array<{ message: string; reason?: string }> = [];
      elsewhere.on('session-expired', (event) => expired.push(event));
      await elsewhere.connect();
      expect(expired).toEqual([
        { message: expect.stringMatching(/never had that session/), reason: 'unknown' },
      ]);
      expect(elsewhere.playerId).not.toBe(first.playerId);
      expect(elsewhere.room).toBeUndefined();
      expect(first.state).toBe('open');

      const here = await connect(node(0), { resumeToken });
      expect(here.playerId).toBe(first.playerId);
      expect(here.room?.roomId).toBe(room.roomId);
      await eventually(() => first.state === 'closed', 'the old client superseded');
      const echoed: unknown[] = [];
      here.room?.onMessage('echo', (data) => echoed.push(data));
      here.room?.send('echo', 'still seated');
      await eventually(() => echoed.length === 1, 'the room answers the new client');
      here.close();
      elsewhere.close();
    });

    it('SIGKILL: the dead node leaves the listing within 10 s and its players quick-play elsewhere', async () => {
      const victim = node(2);
      const entries = { fallbackUrls: [node(0).wsUrl, node(1).wsUrl], failoverAfterAttempts: 3 };
      const players = await Promise.all([0, 1, 2].map(() => connect(victim, entries)));
      const first = await (players[0] as Client).create('arena', { options: { tag: 'victim' } });
      const rooms = [
        first,
        ...(await Promise.all(players.slice(1).map((player) => player.join(first.roomId)))),
      ];
      expect(rooms.every((room) => room.info.nodeId === victim.nodeId)).toBe(true);
      const watcher = await connect(node(0));
      expect((await watcher.listRooms({ type: 'arena' })).some((r) => r.nodeId === victim.nodeId)).toBe(true);

      // A client whose entry points are spelled otherwise than the nodes' public URLs (as an app may list
      // 127.0.0.1 where the nodes say localhost), the first of them the victim; a redirect put it on
      // node 0, where it left its room.
      const spelled = (url: string) => {
        const parsed = new URL(url);
        parsed.hostname = parsed.hostname === '127.0.0.1' ? 'localhost' : '127.0.0.1';
        return parsed.toString();
      };
      const entryUrls = [victim, node(0), node(1)].map((n) => spelled(n.wsUrl));
      const wanderer = await connect(victim, {
        url: entryUrls[0] as string,
        fallbackUrls: entryUrls,
        failoverAfterAttempts: 3,
      });
      const host = await connect(node(0));
      const hostRoom = await host.create('arena');
      await (await wanderer.join(hostRoom.roomId)).leave();
      host.close();
      expect(wanderer.url).toBe(node(0).wsUrl);
      const moves: Array<{ url: string; code: string }> = [];
      wanderer.on('moved', ({ url, code }) => moves.push({ url, code }));

      const left: string[] = [];
      for (const room of rooms) room.on('leave', ({ reason }) => left.push(reason));
      await victim.kill();
      const killedAt = Date.now();
      // Quick play at once: the listing still names the victim's open room, and sends it there.
      const wandered = wanderer.quickPlay('arena', { filter: { tag: 'victim' } });
      wandered.catch(() => {}); // awaited below
      let gone = false;
      while (!gone && Date.now() - killedAt < 10_000) {
        const listed = await watcher.listRooms({ type: 'arena', includeFull: true });
        gone = !listed.some((room) => room.nodeId === victim.nodeId);
        if (!gone) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(gone).toBe(true);

      await eventually(() => left.length === 3, 'every player learns its node is gone', 10_000);
      expect(left).toEqual([
        ErrorCode.NODE_UNREACHABLE,
        ErrorCode.NODE_UNREACHABLE,
        ErrorCode.NODE_UNREACHABLE,
      ]);
      const again = await Promise.all(players.map((player) => player.quickPlay('arena')));
      for (const [i, room] of again.entries()) {
        expect(room.info.nodeId).not.toBe(victim.nodeId);
        expect(players[i]?.url).not.toBe(victim.wsUrl);
      }

      // Sent to the dead node once; given up on there, it goes on from the entry point it came from (not
      // back to the first, the dead node spelled otherwise), and is not sent there again.
      const landed = await wandered;
      expect(landed.info.nodeId).not.toBe(victim.nodeId);
      const port = new URL(victim.wsUrl).port;
      const toVictim = moves.filter((move) => new URL(move.url).port === port);
      expect(toVictim, JSON.stringify(moves)).toEqual([
        { url: victim.wsUrl, code: ErrorCode.ROOM_ON_OTHER_NODE },
      ]);
      expect(moves[1]).toEqual({ url: entryUrls[1], code: ErrorCode.NODE_UNREACHABLE });
      for (const player of [...players, watcher, wanderer]) player.close();
    }, 30_000);

    it('SIGTERM drains: players are told, then moved to a live node where they quick-play again', async () => {
      const draining = node(1);
      const players = await Promise.all([0, 1].map(() => connect(draining)));
      const room = await players[0]?.create('arena');
      await players[1]?.join(room?.roomId as string);
      const notices: string[] = [];
      const left: string[] = [];
      for (const player of players) player.on('error', (error) => notices.push(error.code));
      for (const player of players) player.room?.on('leave', ({ reason }) => left.push(reason));
      const exited = draining.terminate();
      await eventually(() => left.length === 2, 'players are moved off the draining node', 10_000).catch(
        (error) => {
          throw new Error(`${error}\n${draining.output()}`);
        },
      );
      expect(notices).toEqual([ErrorCode.SERVER_DRAINING, ErrorCode.SERVER_DRAINING]);
      expect(left).toEqual([ErrorCode.SERVER_DRAINING, ErrorCode.SERVER_DRAINING]);
      const again = await Promise.all(players.map((player) => player.quickPlay('arena')));
      for (const next of again) expect(next.info.nodeId).toBe(node(0).nodeId);
      await exited;
      for (const player of players) player.close();
    }, 30_000);

    it.runIf(outageTest)(
      'with Redis down joins fail clearly, running rooms go on, and the node re-registers them after',
      async () => {
        const redis = backend.redis as RedisServer;
        const survivor = node(0);
        const host = await connect(survivor);
        const room = await host.create('arena');
        const guest = await connect(survivor);
        await guest.join(room.roomId);
        const echoes: unknown[] = [];
        room.onMessage('echo', (data) => echoes.push(data));
        await redis.stop();
        await expect(guest.quickPlay('arena')).rejects.toMatchObject({
          code: ErrorCode.REGISTRY_UNAVAILABLE,
        });
        await expect(host.create('arena')).rejects.toMatchObject({ code: ErrorCode.REGISTRY_UNAVAILABLE });
        room.send('echo', 'still here');
        await eventually(() => echoes.length === 1, 'the running room still answers');
        await redis.restart(); // empty: it lost every key
        let listed: string[] = [];
        const deadline = Date.now() + 10_000;
        while (!listed.includes(room.roomId) && Date.now() < deadline) {
          listed = (await guest.listRooms({ type: 'arena', includeFull: true }).catch(() => [])).map(
            (r) => r.roomId,
          );
          if (!listed.includes(room.roomId)) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(listed).toContain(room.roomId);
        const listing = (await guest.listRooms({ type: 'arena' })).find((r) => r.roomId === room.roomId);
        expect(listing?.clients).toBe(2); // seats were put back too
        host.close();
        guest.close();
      },
      30_000,
    );
  });
}
