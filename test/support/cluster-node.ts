/**
 * One node of a test cluster, run as its own process by test/support/cluster.ts: a GameServer on a
 * free port with the Redis registry (REDIS_URL or REDIS_CLUSTER_NODES) and an 'arena' room type of 4 seats. Prints `READY <wsUrl> <nodeId>`
 * once listening, and `HEARD <topic> <from> <data as JSON>` for each message of the topic 'news'.
 * SIGTERM drains (DRAIN_MS) and exits; SIGKILL is the crash case.
 */
import * as v from 'valibot';
import { GameServer, Room, RoomError, registryFromEnvironment } from '../../src/server/index.js';

class ArenaRoom extends Room {
  bots = 0;

  override onCreate(options: unknown): void {
    this.setMaxClients(4);
    // A tag to quick-play by, so that a test can aim at its own rooms among those others left.
    const tag = (options as { tag?: unknown } | undefined)?.tag;
    if (typeof tag === 'string') this.setMetadata({ tag });
    this.onMessage('echo', v.unknown(), (client, data) => client.send('echo', data));
    // Called from other nodes (GameServer.callRoom).
    this.onCall(
      'addBots',
      v.object({ count: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
      ({ count }) => {
        this.bots += count;
        return { bots: this.bots, nodeId: server.nodeId };
      },
    );
    this.onCall('hang', v.unknown(), () => new Promise(() => {}));
    this.onCall('fail', v.unknown(), () => {
      throw new Error('internal detail of the room');
    });
    this.onCall('refuse', v.unknown(), () => {
      throw new RoomError('NO_BOTS_LEFT', 'every bot is in use');
    });
  }
}

const env = process.env;
const registry = await registryFromEnvironment(env);
if (registry === undefined) throw new Error('a cluster node needs REDIS_URL or REDIS_CLUSTER_NODES');
const server = new GameServer({
  registry,
  ...(env.NODE_ID ? { nodeId: env.NODE_ID } : {}),
  guestSecret: env.GUEST_SECRET ?? 'a-cluster-wide-secret-of-at-least-32-bytes',
  nodeTtlMs: Number(env.NODE_TTL_MS ?? 3_000),
  heartbeatMs: 1_000,
  serverLink: { enabled: false },
});
server.define('arena', ArenaRoom);
await server.subscribe('news', v.unknown(), (data, from) => {
  console.log(`HEARD news ${from.nodeId} ${JSON.stringify(data)}`);
});
const { wsUrl } = await server.listen(0);
console.log(`READY ${wsUrl} ${server.nodeId}`);

process.on('SIGTERM', () => {
  void server
    .drain({ deadlineMs: Number(env.DRAIN_MS ?? 1_000) })
    .then(() => server.close({ drainMs: 0 }))
    .then(() => registry.close())
    .then(() => process.exit(0));
});
