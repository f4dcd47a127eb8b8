import * as v from 'valibot';
import { Client } from 'vehikill-net/client';
import { ErrorCode, GameServer, RedisRegistry } from 'vehikill-net/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { callFailure } from '../support/call-failure.js';
import {
  buildClusterNode,
  type ClusterNode,
  live,
  processStates,
  startClusterNodes,
} from '../support/cluster.js';
import { type RedisServer, startRedis } from '../support/redis.js';
import { eventually, sleep } from '../support/server.js';
import { closeInSteps, teardownTimeout } from '../support/teardown.js';

/**
 * Calls into rooms and topic messages between server processes sharing one Redis: node A runs in this
 * process, B and C are processes of their own (test/support/cluster-node.ts: an 'arena' room with
 * `onCall`s, and a subscriber of the topic 'news' that prints what it hears).
 */
describe('room calls and topic messages between processes sharing one Redis', () => {
  let redis: RedisServer;
  const nodes: (ClusterNode | undefined)[] = [];
  let registry: RedisRegistry;
  let a: GameServer;
  const clients: Client[] = [];
  /** What node A heard on the topic 'news'. */
  const heardOnA: string[] = [];

  beforeAll(async () => {
    [redis] = await Promise.all([startRedis(), buildClusterNode()]);
    await startClusterNodes(2, { REDIS_URL: redis.url, NODE_TTL_MS: '3000' }, nodes);
    registry = await RedisRegistry.connect({ url: redis.url });
    a = new GameServer({
      registry,
      nodeId: 'node-a',
      guestSecret: 'a-cluster-wide-secret-of-at-least-32-bytes',
      nodeTtlMs: 3_000,
      heartbeatMs: 1_000,
      serverLink: { enabled: false },
    });
    await a.subscribe('news', v.unknown(), (data, from) =>
      heardOnA.push(`${from.nodeId} ${JSON.stringify(data)}`),
    );
    await a.listen(0);
  }, 30_000);
  afterAll(
    () =>
      closeInSteps({
        clients: () => {
          for (const client of clients) client.close();
        },
        'node A (GameServer.close)': () => a?.close({ drainMs: 0 }),
        "node A's registry": {
          run: () => registry?.close(),
          state: () => `connected: ${registry?.connected}`,
        },
        'nodes B and C (SIGKILL)': {
          run: () => Promise.all(live(nodes).map((node) => node.kill())),
          state: () => processStates(live(nodes)),
        },
        redis: () => redis?.stop(),
      }),
    teardownTimeout(5),
  );

  const b = () => nodes[0] as ClusterNode;
  const c = () => nodes[1] as ClusterNode;

  /** A room created by a player on `node`. */
  async function roomOn(node: ClusterNode): Promise<string> {
    const client = new Client({ url: node.wsUrl, WebSocket, serverLink: 'off' });
    clients.push(client);
    await client.connect();
    return (await client.create('arena')).roomId;
  }

  it("a call from node A reaches the room on node B, and resolves with the room's answer", async () => {
    const roomId = await roomOn(b());
    expect(await a.callRoom(roomId, 'addBots', { count: 2 })).toEqual({ bots: 2, nodeId: b().nodeId });
    expect(await a.callRoom(roomId, 'addBots', { count: 1 })).toEqual({ bots: 3, nodeId: b().nodeId });
  });

  it('a publish from node A is heard on B, C and A itself, and says how many nodes listen', async () => {
    expect(await a.publish('news', { headline: 'overtime', at: new Date(0) })).toBe(3);
    const line = `HEARD news node-a {"headline":"overtime","at":"1970-01-01T00:00:00.000Z"}`;
    await eventually(() => b().output().includes(line) && c().output().includes(line), 'B and C heard it');
    await eventually(() => heardOnA.length === 1, 'A heard it');
    expect(heardOnA).toEqual(['node-a {"headline":"overtime","at":"1970-01-01T00:00:00.000Z"}']);
  });

  it("tells each failure by its code: no such room, no such call, bad arguments, the room's refusal or fault, a hung handler", async () => {
    const roomId = await roomOn(b());
    expect((await callFailure(a.callRoom('no-such-room', 'addBots', { count: 1 }))).code).toBe(
      ErrorCode.ROOM_NOT_FOUND,
    );
    expect((await callFailure(a.callRoom(roomId, 'removeBots'))).code).toBe(ErrorCode.UNKNOWN_MESSAGE_TYPE);
    expect((await callFailure(a.callRoom(roomId, 'addBots', { count: 'two' }))).code).toBe(
      ErrorCode.INVALID_MESSAGE,
    );
    const refused = await callFailure(a.callRoom(roomId, 'refuse'));
    expect([refused.code, refused.reason, refused.message]).toEqual([
      ErrorCode.REQUEST_FAILED,
      'NO_BOTS_LEFT',
      'every bot is in use',
    ]);
    const failed = await callFailure(a.callRoom(roomId, 'fail'));
    expect(failed.code).toBe(ErrorCode.REQUEST_FAILED);
    expect(failed.message).not.toMatch(/internal detail/);
    const hung = await callFailure(a.callRoom(roomId, 'hang', {}, { timeoutMs: 300 }));
    expect(hung.code).toBe(ErrorCode.REQUEST_TIMEOUT);
    // B logged its room's fault, and A could still call the room.
    await eventually(() => b().output().includes('internal detail of the room'), "B's log");
    expect(await a.callRoom(roomId, 'addBots', { count: 1 })).toMatchObject({ bots: 1 });
  });

  it("a killed node's room is NODE_UNREACHABLE, until its heartbeat expires and the room is gone", async () => {
    const roomId = await roomOn(c());
    expect(await a.callRoom(roomId, 'addBots', { count: 1 })).toMatchObject({ nodeId: c().nodeId });
    await c().kill();
    const gone = await callFailure(a.callRoom(roomId, 'addBots', { count: 1 }, { timeoutMs: 1_000 }));
    expect(gone.code).toBe(ErrorCode.NODE_UNREACHABLE);
    expect(gone.message).toContain(c().nodeId);
    // Once its heartbeat (3 s) expired, the registry no longer lists its rooms.
    let code: string | undefined;
    const deadline = Date.now() + 10_000;
    while (code !== ErrorCode.ROOM_NOT_FOUND && Date.now() < deadline) {
      code = (await callFailure(a.callRoom(roomId, 'addBots', { count: 1 }, { timeoutMs: 1_000 }))).code;
      if (code !== ErrorCode.ROOM_NOT_FOUND) expect(code).toBe(ErrorCode.NODE_UNREACHABLE);
      await sleep(100);
    }
    expect(code).toBe(ErrorCode.ROOM_NOT_FOUND);
    expect(await a.publish('news', 'after C')).toBe(2);
  }, 20_000);

  it('with Redis down, calls to other nodes and publishing fail REGISTRY_UNAVAILABLE', async () => {
    const roomId = await roomOn(b());
    await redis.stop();
    expect((await callFailure(a.callRoom(roomId, 'addBots', { count: 1 }))).code).toBe(
      ErrorCode.REGISTRY_UNAVAILABLE,
    );
    await expect(a.publish('news', 'lost')).rejects.toMatchObject({ code: ErrorCode.REGISTRY_UNAVAILABLE });
  });
});
